// 03: std::future from a thread that is not the io_context's.
#include <neo/login.hpp>
#include <neo/mock/gateway.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <iostream>
#include <thread>

int main() {
    neo::mock::gateway mock;  // on its own thread
    boost::asio::io_context io;
    auto work = boost::asio::make_work_guard(io);
    std::thread runner([&] { io.run(); });

    neo::client client{io, mock.client_params()};
    int rc = 0;
    try {
        std::future<neo::session> f =
            client.async_login({.pan = "avrft7865t", .mpin = "123456"}, boost::asio::use_future);
        std::cout << "logged in as " << f.get().ucc << "\n";
    } catch (const boost::system::system_error& e) {
        std::cerr << "login failed: " << e.code().message() << "\n";
        rc = 1;
    }
    work.reset();
    runner.join();
    return rc;
}
