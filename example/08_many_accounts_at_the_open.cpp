// 08: many accounts at the open. An engine that manages 200 accounts logs them all in at once, on
// the thread that also runs its 1 ms heartbeat. The client's max_in_flight (4 by default) lets the
// logins reach the loop a few at a time: the heartbeat keeps ticking, a login waiting its turn holds
// no socket, and the gateway never sees more than 4 of them at once. (Here the mock gateway runs
// on the same loop too; `neo_bench` measures the same thing with the gateway in its own process.)
#include <neo/login.hpp>
#include <neo/mock/gateway.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono;
using namespace std::chrono_literals;

int main() {
    asio::io_context io;
    neo::mock::gateway mock(io.get_executor());
    auto params = mock.client_params();
    params.max_in_flight = 4;  // the default, spelled out
    neo::client client{io, params};

    // The engine's heartbeat: how late does each 1 ms tick run?
    constexpr int accounts = 200;
    int done = 0, ok = 0;
    microseconds worst_tick{0};
    asio::steady_timer tick(io);
    auto next = steady_clock::now() + 1ms;
    std::function<void()> beat = [&] {
        tick.expires_at(next);
        tick.async_wait([&](boost::system::error_code ec) {
            if (ec) return;
            worst_tick = std::max(worst_tick, duration_cast<microseconds>(steady_clock::now() - next));
            next = std::max(next + 1ms, steady_clock::now());
            if (done < accounts) beat();
        });
    };
    beat();

    // Every account at once (here the mock's one fixture user stands in for all of them).
    std::vector<neo::diagnostics> diags(accounts);
    const auto t0 = steady_clock::now();
    for (auto& d : diags) {
        client.async_login({.mobilenumber = "9999999908", .password = "mock-password"}, d,
                           [&](boost::system::error_code ec, neo::session) {
                               ok += !ec;
                               if (++done == accounts) mock.stop();
                           });
    }
    io.run();

    const auto took = duration_cast<milliseconds>(steady_clock::now() - t0);
    milliseconds longest_wait{0};
    for (const auto& d : diags) longest_wait = std::max(longest_wait, d.queued);
    std::cout << ok << "/" << accounts << " logged in in " << took.count() << " ms; the gateway saw at most "
              << mock.peak_concurrent_requests() << " at once; the longest wait for a turn was " << longest_wait.count()
              << " ms; the heartbeat was at most " << worst_tick.count() << " us late\n";
    return ok == accounts && mock.peak_concurrent_requests() <= 4 ? 0 : 1;
}
