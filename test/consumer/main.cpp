// Logs in against the installed mock gateway through the installed library.
#include <neo/login.hpp>
#include <neo/mock/gateway.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>

int main() {
    namespace asio = boost::asio;
    asio::io_context io;
    neo::mock::gateway mock(io.get_executor());
    neo::client client{io, mock.client_params()};
    int rc = 1;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            neo::session s = co_await client.async_login({.mobilenumber = "9999999908", .password = "mock-password"});
            rc = s.ucc == "TESTYA24" ? 0 : 1;
            mock.stop();
        },
        [&](std::exception_ptr e) {
            if (e) mock.stop();
        });
    io.run();
    std::cout << (rc == 0 ? "consumer: logged in\n" : "consumer: failed\n");
    return rc;
}
