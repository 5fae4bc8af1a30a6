// 04: give up on a login after 200 ms with a cancellation signal (the mock never answers).
#include <neo/login.hpp>
#include <neo/mock/gateway.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <iostream>

int main() {
    namespace asio = boost::asio;
    asio::io_context io;
    neo::mock::gateway mock(io.get_executor());
    mock.script(neo::mock::route::login, {{.action = neo::mock::fault::stall}});
    neo::client client{io, mock.client_params()};
    asio::cancellation_signal cancel;
    asio::steady_timer timer(io, std::chrono::milliseconds(200));
    timer.async_wait([&](boost::system::error_code) { cancel.emit(asio::cancellation_type::terminal); });
    int rc = 1;
    client.async_login({.mobilenumber = "9999999908", .password = "mock-password"},
                       asio::bind_cancellation_slot(cancel.slot(), [&](boost::system::error_code ec, neo::session) {
                           std::cout << "login ended: " << ec.message() << "\n";
                           rc = ec == asio::error::operation_aborted ? 0 : 1;
                           timer.cancel();
                           mock.stop();
                       }));
    io.run();  // returns: nothing is left running after the cancellation
    return rc;
}
