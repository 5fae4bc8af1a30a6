// 02: a completion callback, with diagnostics for the detail of a failure.
#include <neo/login.hpp>
#include <neo/mock/gateway.hpp>

#include <boost/asio/io_context.hpp>

#include <iostream>

int main() {
    boost::asio::io_context io;
    neo::mock::gateway mock(io.get_executor());
    neo::client client{io, mock.client_params()};
    neo::diagnostics diag;
    int rc = 1;
    // A wrong password: the callback gets a typed error and the server's own code and message.
    client.async_login(
        {.userid = "testuser", .password = "wrong"}, diag, [&](boost::system::error_code ec, neo::session) {
            std::cout << "wrong password: " << ec.message() << " (HTTP " << diag.http_status << ", server code "
                      << diag.server_code << ": " << diag.server_message << ")\n";
            if (ec != neo::errc::unauthorized || ec != neo::condition::rejected) return mock.stop();
            client.async_login({.userid = "testuser", .password = "mock-password"},
                               [&](boost::system::error_code ec2, neo::session s) {
                                   std::cout << (ec2 ? "failed: " + ec2.message() : "logged in as " + s.ucc) << "\n";
                                   rc = ec2 ? 1 : 0;
                                   mock.stop();
                               });
        });
    io.run();
    return rc;
}
