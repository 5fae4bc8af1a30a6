// What every consumer engine does with the library: log in against the mock gateway on loopback,
// on the engine's own io_context, and check the session. Each engine adds its own integration
// hazard around it (see its file).
#pragma once

#include <neo/login.hpp>
#include <neo/mock/gateway.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <iostream>
#include <string>

namespace consumer {

// Prints why `what` failed, when `e` holds an exception.
inline void print_failure(const char* what, std::exception_ptr e) {
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        std::cerr << what << " failed: " << x.what() << "\n";
    }
}

// Starts a login on `io` with `client` (made from the mock's params); `done` receives whether it yielded the fixture's
// session.
template <class Done>
void start_login(boost::asio::io_context& io, neo::client& client, Done done) {
    boost::asio::co_spawn(
        io,
        [&client]() -> boost::asio::awaitable<bool> {
            neo::session s = co_await client.async_login({.mobilenumber = "9999999908", .password = "mock-password"});
            co_return s.ucc == "TESTYA24" && !s.token.empty() && s.claims.has_value();
        },
        [done](std::exception_ptr e, bool ok) {
            print_failure("consumer: login", e);
            done(!e && ok);
        });
}

inline int report(const char* engine, bool ok) {
    std::cout << engine << (ok ? ": logged in\n" : ": FAILED\n");
    return ok ? 0 : 1;
}

}  // namespace consumer
