// 01: a bare co_await of async_login inside a coroutine on your own io_context.
#include <neo/login.hpp>
#include <neo/mock/gateway.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <iostream>

namespace asio = boost::asio;

asio::awaitable<void> trade(neo::client& client) {
    neo::session s =
        co_await client.async_login({.mobilenumber = "9999999908", .password = neo::secret{"mock-password"}});
    std::cout << "logged in as " << s.ucc << " (" << s.greeting_name << "), sid " << s.sid << ", scope "
              << (s.claims ? s.claims->scope.at(0) : "?") << "\n";
}

int main() {
    asio::io_context io;                         // the user's own io_context
    neo::mock::gateway mock(io.get_executor());  // stands in for neo::gateway::uat()
    neo::client client{io, mock.client_params()};
    int rc = 1;
    asio::co_spawn(io, trade(client), [&](std::exception_ptr e) {
        try {
            if (e) std::rethrow_exception(e);
            rc = 0;
        } catch (const boost::system::system_error& err) {
            std::cerr << "login failed: " << err.code().message() << "\n";
        }
        mock.stop();
    });
    io.run();
    return rc;
}
