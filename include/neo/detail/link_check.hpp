// neo/detail/link_check.hpp: the program and the library agree on who compiles Asio and Beast.
//
// Asio and Beast are header-only by default; a program may instead compile their bodies once
// itself (BOOST_ASIO_SEPARATE_COMPILATION, BOOST_BEAST_SEPARATE_COMPILATION, with
// <boost/asio/impl/src.hpp> and <boost/beast/src.hpp> in one of its files). A static neo-login
// must be built the same way as the program, or the program holds two copies of Asio's and
// Beast's error categories (the library's inline ones and the program's compiled ones), and an
// error made by one copy never equals the other's: logins then fail at run time with a network
// error. So the mismatch fails the link instead, and the undefined symbol names the fix.
//
// Each constructor of an I/O object of the library (neo::client, neo::mock::gateway,
// neo::mock::proxy) takes, as a defaulted last argument evaluated in the caller's file, the
// address of the symbol for the caller's own way of building Asio and Beast. The library defines
// the symbol of the way it was built (the CMake options NEO_ASIO_SEPARATE_COMPILATION and
// NEO_BEAST_SEPARATE_COMPILATION); a shared library, which keeps its own copies inside, defines
// all four when it is built header-only. Nothing here defines a macro for the program.
#pragma once

#include <neo/detail/config.hpp>

#include <boost/asio/detail/config.hpp>
#include <boost/beast/core/detail/config.hpp>

// The symbol of one way: NEO_DETAIL_LINK_CHECK_NAME(ON, OFF) is
// neo_login_built_with_NEO_ASIO_SEPARATE_COMPILATION_ON_and_NEO_BEAST_SEPARATE_COMPILATION_OFF_is_needed.
#define NEO_DETAIL_LINK_CHECK_NAME(asio, beast) \
    neo_login_built_with_NEO_ASIO_SEPARATE_COMPILATION_##asio##_and_NEO_BEAST_SEPARATE_COMPILATION_##beast##_is_needed

// The caller's way, from its own macros.
#if defined(BOOST_ASIO_HEADER_ONLY) && defined(BOOST_BEAST_HEADER_ONLY)
#define NEO_DETAIL_LINK_CHECK NEO_DETAIL_LINK_CHECK_NAME(OFF, OFF)
#elif defined(BOOST_ASIO_HEADER_ONLY)
#define NEO_DETAIL_LINK_CHECK NEO_DETAIL_LINK_CHECK_NAME(OFF, ON)
#elif defined(BOOST_BEAST_HEADER_ONLY)
#define NEO_DETAIL_LINK_CHECK NEO_DETAIL_LINK_CHECK_NAME(ON, OFF)
#else
#define NEO_DETAIL_LINK_CHECK NEO_DETAIL_LINK_CHECK_NAME(ON, ON)
#endif

NEO_VISIBLE_BEGIN
extern "C" {
// The four ways; the library defines the one (static) or the ones (shared) it can serve.
extern const int NEO_DETAIL_LINK_CHECK_NAME(OFF, OFF);
extern const int NEO_DETAIL_LINK_CHECK_NAME(OFF, ON);
extern const int NEO_DETAIL_LINK_CHECK_NAME(ON, OFF);
extern const int NEO_DETAIL_LINK_CHECK_NAME(ON, ON);
}

namespace neo::detail {

/// The defaulted last argument of the library's I/O objects' constructors: never pass it. Its
/// default names the caller's way of building Asio and Beast, so a library built another way
/// fails the program's link (see the top of this file).
struct link_check {
    const int* way;
};

}  // namespace neo::detail
NEO_VISIBLE_END

/// The default argument itself: evaluated in the caller's file, with the caller's macros.
#define NEO_DETAIL_LINK_CHECK_HERE \
    ::neo::detail::link_check {    \
        &::NEO_DETAIL_LINK_CHECK   \
    }
