#define BOOST_TEST_MODULE neo_integration_tests
#include <boost/test/unit_test.hpp>
