// The hostile-server matrix: whatever the server does, the login completes once, with the right
// typed error or the session, in bounded time, having sent what it should and no more.
#include "fixture.hpp"
#include "hostile_server.hpp"

#include <boost/asio/socket_base.hpp>

using namespace neo_test;
using boost::system::error_code;
using neo::errc;

namespace {

using tls_stream = hostile_server::tls_stream;
using hs = hostile_server;

// A JWT-shaped token ({"alg":"RS256"} . {"sub":"TESTYA24"} . "sig") and a valid login answer.
const std::string good_body =
    R"({"data":{"token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJURVNUWUEyNCJ9.c2ln","sid":"s-1","rid":"r-1","hsServerId":"server1"}})";

std::string http(unsigned status, const std::string& body, const std::string& extra = "",
                 const std::string& type = "application/json") {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + type +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body;
}

struct outcome {
    error_code ec;
    neo::diagnostics diag;
    int calls = 0;
    std::chrono::milliseconds elapsed{0};
    bool ok() const { return !ec; }
};

neo::client_params base_params(const std::string& origin, const std::string& ca_pem) {
    neo::client_params p;
    p.gateway = neo::gateway::from_origin(origin);
    p.ca_pem = ca_pem;
    p.access_token = "hostile-test-token";
    p.timeouts.handshake = 300ms;
    p.timeouts.exchange = 300ms;
    p.timeouts.shutdown = 200ms;
    p.retry.deadline = 5s;
    p.on_backoff = [](std::chrono::milliseconds) { return std::chrono::milliseconds(0); };
    capture_log(p);
    return p;
}

// One login against `origin`, bounded; `stop` ends the server's work once the handler ran.
outcome login_against(asio::io_context& io, neo::client_params p, const std::function<void()>& stop) {
    neo::client c{io, std::move(p)};
    outcome o;
    const auto t0 = steady::now();
    c.async_login(good_request(), o.diag, [&](error_code ec, neo::session) {
        ++o.calls;
        o.ec = ec;
        o.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0);
        stop();
    });
    io.run_for(20s);
    BOOST_TEST(io.stopped(), "work was left behind");
    BOOST_TEST(o.calls == 1);
    capture_outcome(o.ec, o.diag);
    return o;
}

outcome against(hostile_server& srv, asio::io_context& io, int max_attempts = 1,
                const std::function<void(neo::client_params&)>& tweak = {}) {
    auto p = base_params(srv.origin(), srv.ca_pem());
    p.retry.max_attempts = max_attempts;
    if (tweak) tweak(p);
    return login_against(io, std::move(p), [&] { srv.stop(); });
}

// A script that reads the request and answers `bytes`, then closes without close_notify.
hs::tls_script answer(std::string bytes) {
    return [bytes](hs& s, tls_stream& t) -> asio::awaitable<void> {
        if ((co_await s.read_request(t)).empty()) co_return;
        co_await s.write(t, bytes);
    };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile_connection)

BOOST_AUTO_TEST_CASE(refused) {
    asio::io_context io;
    std::string origin;
    {
        tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        origin = "https://127.0.0.1:" + std::to_string(a.local_endpoint().port());
    }  // closed: connects are refused
    auto p = base_params(origin, neo::mock::certificate_authority().certificate());
    auto o = login_against(io, p, [] {});
    BOOST_TEST(o.ec == errc::connection_failed);
    BOOST_TEST(o.diag.attempts == 4);  // retried: nothing was sent
    BOOST_TEST((o.diag.failed_phase == neo::phase::connect));
    BOOST_TEST(o.elapsed.count() < 2000);
}

BOOST_AUTO_TEST_CASE(closed_or_reset_before_tls) {
    for (bool reset : {false, true}) {
        asio::io_context io;
        hostile_server srv(io, [reset](hs&, tcp::socket& s) -> asio::awaitable<void> {
            if (reset) s.set_option(asio::socket_base::linger(true, 0));  // RST instead of FIN
            co_return;
        });
        auto o = against(srv, io, 4);
        BOOST_TEST(o.ec == errc::connection_failed, "reset " << reset);
        BOOST_TEST(srv.connections == 4);
        BOOST_TEST((o.diag.failed_phase == neo::phase::handshake));
        BOOST_TEST(o.elapsed.count() < 2000);
    }
}

BOOST_AUTO_TEST_CASE(tls_handshake_stalled) {
    asio::io_context io;
    hostile_server srv(io, [](hs& s, tcp::socket& t) -> asio::awaitable<void> { co_await s.wait_for_close(t); });
    auto o = against(srv, io, 2);
    BOOST_TEST(o.ec == errc::timeout);
    BOOST_TEST((o.diag.failed_phase == neo::phase::handshake));
    BOOST_TEST(srv.connections == 2);
    BOOST_TEST(o.elapsed.count() >= 590);
    BOOST_TEST(o.elapsed.count() < 2000);
}

BOOST_AUTO_TEST_CASE(plain_http_on_the_tls_port) {
    asio::io_context io;
    hostile_server srv(io, [](hs& s, tcp::socket& t) -> asio::awaitable<void> {
        char hello[64];
        co_await t.async_read_some(asio::buffer(hello), nothrow);  // the ClientHello
        co_await s.write(t, "HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\n\r\nBad Request");
    });
    auto o = against(srv, io, 4);
    BOOST_TEST(o.ec == errc::tls_handshake_failed);
    BOOST_TEST(o.diag.attempts == 1);  // not retried
    BOOST_TEST(srv.connections == 1);
}

BOOST_AUTO_TEST_CASE(request_read_and_never_answered) {
    asio::io_context io;
    hostile_server srv(io, [](hs& s, tls_stream& t) -> asio::awaitable<void> {
        co_await s.read_request(t);
        co_await s.wait_for_close(t);
    });
    auto o = against(srv, io, 1);
    BOOST_TEST(o.ec == errc::timeout);
    BOOST_TEST((o.diag.failed_phase == neo::phase::exchange));
    BOOST_TEST(srv.requests == 1);
    BOOST_TEST(o.elapsed.count() >= 290);
    BOOST_TEST(o.elapsed.count() < 1500);
}

BOOST_AUTO_TEST_CASE(close_mid_headers_is_retried_then_typed) {
    asio::io_context io;
    hostile_server srv(io, answer("HTTP/1.1 200 OK\r\nContent-Ty"));
    auto o = against(srv, io, 2);
    BOOST_TEST((o.ec == errc::truncated_response || o.ec == errc::connection_failed), o.ec.message());
    BOOST_TEST(srv.requests == 2);  // ambiguous, retried once (retry_ambiguous is on)
}

BOOST_AUTO_TEST_CASE(body_shorter_than_its_content_length) {
    asio::io_context io;
    hostile_server srv(
        io, answer("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"data\":"));
    auto o = against(srv, io, 1);
    BOOST_TEST(o.ec == errc::truncated_response);
    BOOST_TEST(srv.requests == 1);
}

BOOST_AUTO_TEST_CASE(complete_answer_then_close_without_close_notify) {
    asio::io_context io;
    hostile_server srv(io, answer(http(200, good_body)));
    auto o = against(srv, io, 1);
    BOOST_TEST(o.ok(), o.ec.message());
}

BOOST_AUTO_TEST_CASE(peer_never_answers_our_close_notify) {
    asio::io_context io;
    hostile_server srv(io, [](hs& s, tls_stream& t) -> asio::awaitable<void> {
        co_await s.read_request(t);
        const std::string ok = http(200, good_body);  // named: GCC 12 and temporaries across co_await
        co_await s.write(t, ok);
        co_await s.wait_for_close(t.next_layer());  // reads raw bytes, never answers close_notify
    });
    auto o = against(srv, io, 1);
    BOOST_TEST(o.ok(), o.ec.message());
    BOOST_TEST(o.elapsed.count() < 1500);  // the shutdown bound (200 ms), not a hang
}

BOOST_AUTO_TEST_CASE(a_kept_connection_closed_by_the_server_is_replaced) {
    // The first connection answers 503 as if it stayed open, then closes: the retry finds it
    // closed (or fails on it before any byte) and goes over a new connection, once.
    asio::io_context io;
    std::atomic<int> n{0};
    hostile_server srv(io, [&n](hs& s, tls_stream& t) -> asio::awaitable<void> {
        if ((co_await s.read_request(t)).empty()) co_return;
        const std::string reply = n++ == 0 ? http(503, "{}") : http(200, good_body);
        co_await s.write(t, reply);
    });
    auto o = against(srv, io, 4);
    BOOST_TEST(o.ok(), o.ec.message());
    BOOST_TEST(o.diag.attempts == 2);
    BOOST_TEST(srv.connections == 2);
    BOOST_TEST(srv.requests == 2);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(hostile_framing)

BOOST_AUTO_TEST_CASE(chunked_body_in_tiny_pieces) {
    asio::io_context io;
    hostile_server srv(io, [](hs& s, tls_stream& t) -> asio::awaitable<void> {
        co_await s.read_request(t);
        co_await s.write(t, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (char c : good_body) {
            const std::string chunk = std::string("1\r\n") + c + "\r\n";  // named (GCC 12)
            if (!co_await s.write(t, chunk)) co_return;
        }
        co_await s.write(t, "0\r\n\r\n");
    });
    auto o = against(srv, io, 1, [](neo::client_params& p) { p.timeouts.exchange = 5s; });
    BOOST_TEST(o.ok(), o.ec.message());
}

BOOST_AUTO_TEST_CASE(framing_errors_are_protocol_errors_and_not_retried) {
    const std::vector<std::pair<const char*, std::string>> rows = {
        {"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"},
        {"content-length with chunked",
         "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"},
        {"two content-lengths", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"},
        {"garbage status line", "HTTP/1.1 2OO OK\r\n\r\n"},
    };
    for (const auto& [name, bytes] : rows) {
        asio::io_context io;
        hostile_server srv(io, answer(bytes));
        auto o = against(srv, io, 4);
        BOOST_TEST(o.ec == errc::protocol_error, name << ": " << o.ec.message());
        BOOST_TEST(srv.requests == 1, name);
    }
}

BOOST_AUTO_TEST_CASE(oversize_headers_and_a_huge_content_length) {
    {
        asio::io_context io;
        hostile_server srv(io, answer("HTTP/1.1 200 OK\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n"));
        auto o = against(srv, io, 4);
        BOOST_TEST(o.ec == errc::response_too_large);
        BOOST_TEST(srv.requests == 1);
    }
    {
        asio::io_context io;
        hostile_server srv(io, [](hs& s, tls_stream& t) -> asio::awaitable<void> {
            co_await s.read_request(t);
            co_await s.write(t, "HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n{");
            co_await s.wait_for_close(t);
        });
        auto o = against(srv, io, 4);
        BOOST_TEST(o.ec == errc::response_too_large);
        BOOST_TEST(o.elapsed.count() < 250);  // refused on the header, not after reading or a timeout
    }
}

BOOST_AUTO_TEST_CASE(endless_chunked_body_is_cut_at_the_body_limit) {
    asio::io_context io;
    hostile_server srv(io, [](hs& s, tls_stream& t) -> asio::awaitable<void> {
        co_await s.read_request(t);
        co_await s.write(t, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        const std::string chunk = "4000\r\n" + std::string(0x4000, 'x') + "\r\n";
        while (co_await s.write(t, chunk)) {}
    });
    auto o = against(srv, io, 1, [](neo::client_params& p) { p.timeouts.exchange = 10s; });
    BOOST_TEST(o.ec == errc::response_too_large);
    // The client stopped reading at 1 MiB; what the server could push is that plus socket buffers.
    BOOST_TEST(srv.bytes_written.load() < 16u * 1024 * 1024);
    BOOST_TEST(o.elapsed.count() < 5000);
}

BOOST_AUTO_TEST_CASE(a_dripped_header_does_not_extend_the_timeout) {
    asio::io_context io;
    hostile_server srv(io, [](hs& s, tls_stream& t) -> asio::awaitable<void> {
        co_await s.read_request(t);
        const std::string whole = http(200, good_body);
        for (char c : whole) {
            const std::string one(1, c);
            if (!co_await s.write(t, one)) co_return;
            co_await s.sleep(20ms);
        }
    });
    auto o = against(srv, io, 1);
    BOOST_TEST(o.ec == errc::timeout);
    BOOST_TEST(o.elapsed.count() >= 290);
    BOOST_TEST(o.elapsed.count() < 1000);  // 300 ms exchange bound, although bytes kept coming
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(hostile_content)

BOOST_AUTO_TEST_CASE(interim_100_continue_before_the_answer) {
    asio::io_context io;
    hostile_server srv(io, answer("HTTP/1.1 100 Continue\r\n\r\n" + http(200, good_body)));
    auto o = against(srv, io, 1);
    BOOST_TEST(o.ok(), o.ec.message());
}

BOOST_AUTO_TEST_CASE(early_401_before_the_body_was_read) {
    asio::io_context io;
    hostile_server srv(io, [](hs& s, tls_stream& t) -> asio::awaitable<void> {
        std::string head;
        co_await asio::async_read_until(t, asio::dynamic_buffer(head), "\r\n\r\n", nothrow);
        const std::string early =
            http(401, R"({"code":"900901","message":"Invalid Credentials"})", "Connection: close\r\n");
        co_await s.write(t, early);
    });
    auto o = against(srv, io, 4);
    BOOST_TEST((o.ec == errc::unauthorized || o.ec == errc::connection_failed), o.ec.message());
    if (o.ec == errc::unauthorized) BOOST_TEST(o.diag.server_code == "900901");
    BOOST_TEST(o.diag.attempts <= 4);
}

BOOST_AUTO_TEST_CASE(redirects_are_never_followed) {
    for (unsigned status : {301u, 302u, 303u, 307u, 308u}) {
        asio::io_context io;
        hostile_server srv(io, answer(http(status, "", "Location: https://127.0.0.1:1/steal\r\n")));
        auto o = against(srv, io, 4);
        BOOST_TEST(o.ec == errc::redirect, status);
        BOOST_TEST(srv.connections == 1);  // nothing sent anywhere else, nothing retried
        BOOST_TEST(srv.requests == 1);
    }
}

BOOST_AUTO_TEST_CASE(bodies_that_cannot_be_a_session) {
    const std::vector<std::tuple<const char*, std::string, neo::errc>> rows = {
        {"truncated JSON", http(200, R"({"data":{"token":"a)"), errc::malformed_response},
        {"deeply nested JSON", http(200, std::string(100000, '[') + std::string(100000, ']')),
         errc::malformed_response},
        {"wrong types", http(200, R"({"data":{"token":123,"sid":true}})"), errc::missing_fields},
        {"data not an object", http(200, R"({"data":"token"})"), errc::missing_fields},
        {"invalid UTF-8", http(200, "{\"data\":{\"token\":\"\xff\xfe\",\"sid\":\"s\"}}"), errc::malformed_response},
        {"an HTML page", http(200, "<html><body>Welcome</body></html>", "", "text/html"), errc::malformed_response},
        {"an unrequested Content-Encoding", http(200, good_body, "Content-Encoding: gzip\r\n"),
         errc::malformed_response},
        {"an empty 200", http(200, ""), errc::malformed_response},
    };
    for (const auto& [name, bytes, want] : rows) {
        asio::io_context io;
        hostile_server srv(io, answer(bytes));
        auto o = against(srv, io, 4);
        BOOST_TEST(o.ec == want, name << ": " << o.ec.message());
        BOOST_TEST(srv.requests == 1, name);  // never retried
    }
}

BOOST_AUTO_TEST_CASE(server_text_cannot_forge_log_lines_or_drive_a_terminal) {
    auto clean = [](const std::string& t) {
        for (unsigned char c : t)
            if (c < 0x20 || c == 0x7f) return false;
        return true;
    };
    const std::string forged = "attempt 1/4 login: HTTP 200 ok";
    {
        asio::io_context io;
        std::vector<std::string> lines;
        hostile_server srv(io, answer(http(
            401, R"({"code":"9\u001b[2J","message":"Invalid\n)" + forged + R"(\r\u001b]0;pwned\u0007\u009b31m"})")));
        auto o = against(srv, io, 1, [&](neo::client_params& p) { capture_log(p, &lines); });
        BOOST_TEST(o.ec == errc::unauthorized);
        BOOST_TEST(clean(o.diag.server_message), o.diag.server_message);
        BOOST_TEST(clean(o.diag.server_code), o.diag.server_code);
        BOOST_TEST(o.diag.server_message == "Invalid\\n" + forged + "\\r\\x1b]0;pwned\\x07\\xc2\\x9b31m");
        BOOST_TEST(o.diag.server_code == "9\\x1b[2J");
        BOOST_REQUIRE(!lines.empty());
        for (const auto& l : lines) {
            BOOST_TEST(clean(l), l);
            BOOST_TEST(l.rfind(forged, 0) != 0, l);
        }
    }
    {
        // A session whose ucc carries a line break: logged escaped.
        asio::io_context io;
        std::vector<std::string> lines;
        hostile_server srv(io, answer(http(
            200, R"({"data":{"token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJURVNUWUEyNCJ9.c2ln","sid":"s-1","ucc":"AB\n)" +
                     forged + R"("}})")));
        auto o = against(srv, io, 1, [&](neo::client_params& p) { capture_log(p, &lines); });
        BOOST_TEST(o.ok(), o.ec.message());
        BOOST_REQUIRE(!lines.empty());
        bool named = false;
        for (const auto& l : lines) {
            BOOST_TEST(clean(l), l);
            named = named || l.find("AB\\n" + forged) != std::string::npos;
        }
        BOOST_TEST(named);
    }
}

BOOST_AUTO_TEST_CASE(retry_after_in_every_form) {
    struct row {
        const char* value;
        int attempts;        // what the login made in all
        neo::errc final_ec;  // after the scripted 429s
        long long min_wait;  // the first wait asked for, ms (-1: none)
        long long max_wait;
    };
    const std::vector<row> rows = {
        {"1", 2, errc{}, 1000, 1000},
        {"0", 2, errc{}, 0, 0},
        {"Wed, 21 Oct 2015 07:28:00 GMT", 2, errc{}, 0, 0},  // in the past: at once
        {"-1", 2, errc{}, 0, 4000},                          // hostile: backoff instead
        {"1.5", 2, errc{}, 0, 4000},
        {"100000000000000000000000", 1, errc::rate_limited, -1, -1},  // too large to hold: fail fast
        {"3600", 1, errc::rate_limited, -1, -1},                      // longer than the 5 s deadline: fail fast
    };
    for (const auto& r : rows) {
        asio::io_context io;
        std::atomic<int> n{0};
        const std::string value = r.value;
        hostile_server srv(io, [&n, value](hs& s, tls_stream& t) -> asio::awaitable<void> {
            if ((co_await s.read_request(t)).empty()) co_return;
            const std::string reply =
                n++ == 0 ? http(429, "{}", "Retry-After: " + value + "\r\n") : http(200, good_body);
            co_await s.write(t, reply);
        });
        std::vector<long long> waits;
        auto o = against(srv, io, 4, [&](neo::client_params& p) {
            p.on_backoff = [&](std::chrono::milliseconds w) {
                waits.push_back(w.count());
                return std::chrono::milliseconds(0);
            };
        });
        BOOST_TEST(o.diag.attempts == r.attempts, r.value);
        if (r.final_ec == errc{})
            BOOST_TEST(o.ok(), r.value << ": " << o.ec.message());
        else
            BOOST_TEST(o.ec == r.final_ec, r.value);
        if (r.min_wait >= 0) {
            BOOST_REQUIRE(!waits.empty());
            BOOST_TEST(waits[0] >= r.min_wait, r.value);
            BOOST_TEST(waits[0] <= r.max_wait, r.value);
        } else {
            BOOST_TEST(waits.empty(), r.value);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
