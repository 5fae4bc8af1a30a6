// A thousand concurrent logins, some failing and retrying, on one thread and on four: every
// handler runs exactly once. (Run under ThreadSanitizer in CI for the data-race half.)
#include "fixture.hpp"

#include <sys/resource.h>

#include <atomic>
#include <memory>
#include <thread>

using namespace neo_test;
using neo::errc;
using neo::mock::route;

namespace {

constexpr int n = 1000;

// 2 × 1,000 sockets are open at once (client and server side).
void raise_fd_limit() {
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &r);
    }
}

// One failure in five: 503, a close without an answer, a close before TLS, a 429.
void script_failures(neo::mock::gateway& mock) {
    std::vector<neo::mock::answer> answers;
    for (int i = 0; i < n / 5; ++i) {
        answers.push_back({.status = i % 2 ? 503u : 429u});
        answers.push_back({});
        answers.push_back({.action = neo::mock::fault::close_without_answer});
        answers.push_back({});
        answers.push_back({});
    }
    mock.script(route::login, answers);
}

struct tally {
    std::unique_ptr<std::atomic<int>[]> per_handler { new std::atomic<int>[ n ]() };
    std::atomic<int> calls{0}, ok{0}, typed_failures{0};
    void record(int i, const boost::system::error_code& ec) {
        per_handler[i]++;
        calls++;
        if (!ec)
            ok++;
        else if (ec == neo::condition::unavailable)
            typed_failures++;
    }
    void check() {
        int twice = 0, never = 0;
        for (int i = 0; i < n; ++i) {
            twice += per_handler[i] > 1;
            never += per_handler[i] == 0;
        }
        BOOST_TEST(twice == 0);
        BOOST_TEST(never == 0);
        BOOST_TEST(calls.load() == n);
        BOOST_TEST(ok.load() + typed_failures.load() == n);
        BOOST_TEST(ok.load() >= n * 9 / 10);
    }
};

neo::client_params fast(neo::client_params p) {
    p.on_backoff = [](std::chrono::milliseconds) { return std::chrono::milliseconds(1); };
    p.retry.budget.enabled = false;  // this test is about completions, not about shedding load
    capture_log(p);
    return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(concurrency)

BOOST_AUTO_TEST_CASE(a_thousand_logins_on_one_thread) {
    raise_fd_limit();
    asio::io_context io(1);
    neo::mock::gateway mock(io.get_executor());
    neo::client c{io, fast(mock.client_params())};
    // Warm the app token cache so the crowd measures the login itself.
    bool warm = false;
    c.async_login(good_request(), [&](boost::system::error_code ec, neo::session) { warm = !ec; });
    while (!warm && io.run_one_for(5s)) {}
    BOOST_REQUIRE(warm);
    script_failures(mock);
    tally t;
    for (int i = 0; i < n; ++i)
        c.async_login(good_request(), [&, i](boost::system::error_code ec, neo::session) {
            t.record(i, ec);
            if (t.calls == n) mock.stop();
        });
    io.run_for(120s);
    BOOST_TEST(io.stopped());
    t.check();
    BOOST_TEST(mock.request_count(route::login) > static_cast<std::size_t>(n));  // retries happened
    suite().issued(mock.issued_tokens());
}

BOOST_AUTO_TEST_CASE(a_thousand_logins_on_four_threads) {
    raise_fd_limit();
    neo::mock::gateway mock;  // its own thread
    asio::io_context io(4);
    neo::client c{io, fast(mock.client_params())};
    script_failures(mock);
    tally t;
    for (int i = 0; i < n; ++i)
        c.async_login(good_request(), [&, i](boost::system::error_code ec, neo::session) { t.record(i, ec); });
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) threads.emplace_back([&] { io.run_for(120s); });
    for (auto& th : threads) th.join();
    t.check();
    BOOST_TEST(mock.request_count(route::login) > static_cast<std::size_t>(n));
    suite().issued(mock.issued_tokens());
}

BOOST_AUTO_TEST_SUITE_END()
