// 06: one client shared by 50 concurrent logins on a 4-thread io_context.
#include <neo/login.hpp>
#include <neo/mock/gateway.hpp>

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <iostream>
#include <thread>
#include <vector>

int main() {
    neo::mock::gateway mock;  // its own thread
    boost::asio::io_context io(4);
    neo::client client{io, mock.client_params()};
    std::atomic<int> ok{0};
    constexpr int n = 50;
    for (int i = 0; i < n; ++i)
        client.async_login({.mobilenumber = "9999999908", .password = "mock-password"},
                           [&](boost::system::error_code ec, neo::session) { ok += !ec; });
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) threads.emplace_back([&] { io.run(); });
    for (auto& t : threads) t.join();
    std::cout << ok << "/" << n << " logins succeeded on 4 threads\n";
    return ok == n ? 0 : 1;
}
