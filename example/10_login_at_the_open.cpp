// 10: a login at the open that costs only its requests. Shortly before 09:15 the engine warms the
// client up (a TLS connection to every host the login will use, no request sent); at 09:15 the
// login goes over those connections: no resolving, no TCP or TLS handshake. A session manager
// with proactive renewal does the same on its own before each renewal. Generation 2 (TOTP + MPIN).
#include <neo/login.hpp>
#include <neo/mock/gateway.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <iostream>

namespace asio = boost::asio;

int main() {
    asio::io_context io;
    neo::mock::gateway mock(io.get_executor());
    neo::client client{io, mock.client_params()};
    bool all_reused = false;

    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            // A few seconds before the open (within half of keep_alive_idle, 10 s by default).
            neo::diagnostics warm;
            co_await client.async_warm_up(neo::generation::two, warm, asio::use_awaitable);
            std::cout << "warmed up: " << warm.history.size() << " connection(s), " << mock.requests().size()
                      << " request(s) sent\n";

            // The open: two requests, over the warmed connection.
            neo::totp_login_request req;
            req.mobilenumber = "9999999908";
            req.ucc = "TESTYA24";
            req.totp = neo::totp(mock.fixture().totp_secret).code();
            neo::diagnostics login, validate;
            auto view = co_await client.async_totp_login(req, login, asio::use_awaitable);
            auto trade = co_await client.async_totp_validate(view, "123456", validate, asio::use_awaitable);
            all_reused = login.history.at(0).connection_reused && validate.history.at(0).connection_reused;
            std::cout << "trade session for " << trade.ucc
                      << "; the login's requests went over the warmed connection: " << (all_reused ? "yes" : "no")
                      << "\n";
        },
        [&](std::exception_ptr e) {
            mock.stop();
            if (e) std::rethrow_exception(e);
        });
    io.run();
    return all_reused ? 0 : 1;
}
