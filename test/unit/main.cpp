#define BOOST_TEST_MODULE neo_unit_tests
#include <boost/test/unit_test.hpp>
