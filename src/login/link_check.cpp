// The symbols of neo/detail/link_check.hpp that this build of the library can serve: the one way
// it was built (Asio and Beast header-only, or compiled by the program), and in a shared build
// made header-only all four, since the shared library keeps its own copies of Asio's and Beast's
// functions inside it (hidden) and so works with a program built either way.
#include <neo/detail/link_check.hpp>

#if defined(NEO_LINK_CHECK_SHARED) && defined(BOOST_ASIO_HEADER_ONLY) && defined(BOOST_BEAST_HEADER_ONLY)
extern "C" {
extern const int NEO_DETAIL_LINK_CHECK_NAME(OFF, OFF) = 1;
extern const int NEO_DETAIL_LINK_CHECK_NAME(OFF, ON) = 1;
extern const int NEO_DETAIL_LINK_CHECK_NAME(ON, OFF) = 1;
extern const int NEO_DETAIL_LINK_CHECK_NAME(ON, ON) = 1;
}
#else
extern "C" {
extern const int NEO_DETAIL_LINK_CHECK = 1;
}
#endif
