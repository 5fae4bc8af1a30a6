// TLS session resumption: the OAuth2 step, the login, a retry and the next login resume the
// session of the first handshake; switched off, every handshake is a full one.
#include "fixture.hpp"

using namespace neo_test;
using neo::mock::route;

BOOST_AUTO_TEST_SUITE(tls_resumption)

BOOST_FIXTURE_TEST_CASE(every_connection_after_the_first_resumes, fixture) {
    neo::client c{io, params()};
    mock.script(route::login, {{.status = 503}});  // one retry
    neo::diagnostics first, second;
    bool done = false;
    c.async_login(good_request(), first, [&](boost::system::error_code ec, neo::session) {
        BOOST_TEST(!ec);
        c.async_login(good_request(), second, [&](boost::system::error_code ec2, neo::session) {
            BOOST_TEST(!ec2);
            done = true;
            mock.stop();
        });
    });
    run();
    BOOST_TEST(done);
    // app token (full), login 503 (resumed), login retry (resumed), second login (resumed)
    BOOST_TEST(mock.handshakes() == 4u);
    BOOST_TEST(mock.resumed_handshakes() == 3u);
    BOOST_REQUIRE(first.history.size() == 3u);
    BOOST_TEST(!first.history[0].tls_resumed);
    BOOST_TEST(first.history[1].tls_resumed);
    BOOST_TEST(first.history[2].tls_resumed);
    BOOST_REQUIRE(second.history.size() == 1u);
    BOOST_TEST(second.history[0].tls_resumed);
}

BOOST_FIXTURE_TEST_CASE(switched_off_every_handshake_is_full, fixture) {
    auto p = params();
    p.tls_session_resumption = false;
    neo::client c{io, p};
    int done = 0;
    auto again = [&](auto& self) -> void {
        c.async_login(good_request(), [&, self](boost::system::error_code ec, neo::session) {
            BOOST_TEST(!ec);
            if (++done == 2)
                mock.stop();
            else
                self(self);
        });
    };
    again(again);
    run();
    BOOST_TEST(done == 2);
    BOOST_TEST(mock.handshakes() == 3u);
    BOOST_TEST(mock.resumed_handshakes() == 0u);
}

BOOST_FIXTURE_TEST_CASE(the_second_factor_resumes_the_login_session, fixture) {
    neo::client c{io, params()};
    run_coro([&]() -> asio::awaitable<void> {
        auto view = co_await c.async_login(good_request());
        neo::second_factor f;
        f.mpin = "123456";
        f.mobilenumber = "9999999908";
        neo::diagnostics d;
        co_await c.async_session_2fa(view, f, d);
        BOOST_TEST(d.history.at(0).tls_resumed);
    });
    BOOST_TEST(mock.resumed_handshakes() == 2u);  // the login and the second factor
}

BOOST_AUTO_TEST_CASE(concurrent_logins_on_four_threads_share_the_cache) {
    neo::mock::gateway mock;
    asio::io_context io(4);
    neo::client c{io, mock.client_params()};
    std::atomic<int> ok{0};
    for (int i = 0; i < 200; ++i)
        c.async_login(good_request(), [&](boost::system::error_code ec, neo::session) { ok += !ec; });
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) threads.emplace_back([&] { io.run_for(60s); });
    for (auto& t : threads) t.join();
    BOOST_TEST(ok.load() == 200);
    BOOST_TEST(mock.resumed_handshakes() > 0u);
}

BOOST_AUTO_TEST_SUITE_END()
