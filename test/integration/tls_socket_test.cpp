// The TLS layer under the client (src/login/tls_socket): OpenSSL on the non-blocking socket.
// What the client's own tests cannot reach from the outside: that a peer gone never raises
// SIGPIPE in the user's process, and that a phase's bound ends a wait that nothing else would end.
#include "hostile_server.hpp"
#include "net/tls_socket.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/test/unit_test.hpp>

#include <csignal>

namespace beast = boost::beast;
using namespace neo_test;
using namespace std::chrono_literals;
using neo::detail::tls_socket;
using boost::system::error_code;

namespace {

// A client context that trusts the server's CA (its certificate names 127.0.0.1).
ssl::context trusting(const hostile_server& srv) {
    ssl::context ctx(ssl::context::tls_client);
    ctx.add_certificate_authority(asio::buffer(srv.ca_pem()));
    ctx.set_verify_mode(ssl::verify_peer);
    return ctx;
}

asio::awaitable<std::unique_ptr<tls_socket>> connect(const hostile_server& srv, ssl::context& ctx) {
    auto ex = co_await asio::this_coro::executor;
    tcp::socket sock(ex);
    const auto port = static_cast<unsigned short>(std::stoul(srv.origin().substr(srv.origin().rfind(':') + 1)));
    co_await sock.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), asio::use_awaitable);
    co_return std::make_unique<tls_socket>(std::move(sock), ctx.native_handle());
}

// Runs `f` on `io` to its end, within a bound.
template <class F>
void run_bounded(asio::io_context& io, F f) {
    bool done = false;
    asio::co_spawn(io, f(), [&](std::exception_ptr e) {
        done = true;
        if (e) std::rethrow_exception(e);
    });
    io.run_for(10s);
    BOOST_TEST_REQUIRE(done);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tls_layer)

BOOST_AUTO_TEST_CASE(a_write_to_a_peer_gone_is_an_error_not_sigpipe) {
    // With SIGPIPE's default action a send() without MSG_NOSIGNAL to a reset connection would
    // end this process: an engine's process, in real life.
    const auto previous = std::signal(SIGPIPE, SIG_DFL);
    asio::io_context io;
    hostile_server srv(io, [](hostile_server&, hostile_server::tls_stream& t) -> asio::awaitable<void> {
        t.next_layer().set_option(asio::socket_base::linger(true, 0));  // close with a reset
        error_code ignored;
        t.next_layer().close(ignored);
        co_return;
    });
    auto ctx = trusting(srv);
    error_code hs, rd, wr;
    int writes = 0;
    run_bounded(io, [&]() -> asio::awaitable<void> {
        auto s = co_await connect(srv, ctx);
        hs = co_await s->handshake();
        s->expires_after(5s);
        beast::flat_buffer buffer;
        tls_socket::response_parser parser;
        rd = co_await s->read(buffer, parser);  // the reset
        const std::string block(16 * 1024, 'x');
        while (!wr && writes < 64) {
            wr = co_await s->write(asio::buffer(block));
            ++writes;
        }
        s->expires_never();
        srv.stop();
    });
    std::signal(SIGPIPE, previous);
    BOOST_TEST(!hs, hs.message());
    BOOST_TEST(!!rd);
    BOOST_TEST((wr == asio::error::broken_pipe || wr == asio::error::connection_reset), wr.message());
}

BOOST_AUTO_TEST_CASE(a_handshake_past_its_bound_is_a_timeout) {
    asio::io_context io;
    hostile_server srv(io, [](hostile_server& s, tcp::socket& sock) -> asio::awaitable<void> {
        co_await s.wait_for_close(sock);  // TCP only: the ClientHello is never answered
    });
    ssl::context ctx(ssl::context::tls_client);
    error_code hs;
    std::chrono::steady_clock::duration took{};
    run_bounded(io, [&]() -> asio::awaitable<void> {
        auto s = co_await connect(srv, ctx);
        const auto t0 = std::chrono::steady_clock::now();
        s->expires_after(100ms);
        hs = co_await s->handshake();
        took = std::chrono::steady_clock::now() - t0;
        s.reset();
        srv.stop();
    });
    BOOST_TEST((hs == beast::error::timeout), hs.message());
    BOOST_TEST((took >= 100ms && took < 2s));
}

BOOST_AUTO_TEST_CASE(a_bound_lifted_in_time_does_not_fire_later) {
    asio::io_context io;
    hostile_server srv(io, [](hostile_server& s, hostile_server::tls_stream& t) -> asio::awaitable<void> {
        co_await s.sleep(700ms);
        const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
        co_await s.write(t, ok);
        co_await s.wait_for_close(t);
    });
    auto ctx = trusting(srv);
    error_code hs, rd;
    std::string body;
    run_bounded(io, [&]() -> asio::awaitable<void> {
        auto s = co_await connect(srv, ctx);
        s->expires_after(300ms);  // ample for a loopback handshake, even under a sanitizer
        hs = co_await s->handshake();
        s->expires_never();  // the 300 ms would pass during the read below
        beast::flat_buffer buffer;
        tls_socket::response_parser parser;
        rd = co_await s->read(buffer, parser);
        body = parser.get().body();
        s.reset();
        srv.stop();
    });
    BOOST_TEST(!hs, hs.message());
    BOOST_TEST(!rd, rd.message());
    BOOST_TEST(body == "{}");
}

// A cancellation may arrive when no wait is in progress (the socket became ready in the same
// epoll batch and the coroutine has not resumed, or it was emitted between two waits). The
// coroutine's cancellation state keeps it: the next wait, and every later one, ends at once.
BOOST_AUTO_TEST_CASE(a_cancellation_between_waits_is_not_lost) {
    asio::io_context io;
    hostile_server srv(io, [](hostile_server& s, hostile_server::tls_stream& t) -> asio::awaitable<void> {
        co_await s.wait_for_close(t);  // never answers
    });
    auto ctx = trusting(srv);
    error_code hs, rd, again;
    std::chrono::steady_clock::duration took{};
    asio::cancellation_signal cancel;
    bool done = false;
    auto body = [&]() -> asio::awaitable<void> {
        co_await asio::this_coro::throw_if_cancelled(false);  // errors, not exceptions, as the library's
        auto s = co_await connect(srv, ctx);
        hs = co_await s->handshake();
        s->expires_after(3s);
        cancel.emit(asio::cancellation_type::terminal);  // no wait in progress
        const auto t0 = std::chrono::steady_clock::now();
        beast::flat_buffer buffer;
        tls_socket::response_parser parser;
        rd = co_await s->read(buffer, parser);
        tls_socket::response_parser parser2;
        again = co_await s->read(buffer, parser2);  // sticky
        took = std::chrono::steady_clock::now() - t0;
        s->expires_never();
        s.reset();
        srv.stop();
    };
    asio::co_spawn(io, body(), asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e) {
                       done = true;
                       if (e) std::rethrow_exception(e);
                   }));
    io.run_for(10s);
    BOOST_TEST_REQUIRE(done);
    BOOST_TEST(!hs, hs.message());
    BOOST_TEST((rd == asio::error::operation_aborted), rd.message());
    BOOST_TEST((again == asio::error::operation_aborted), again.message());
    BOOST_TEST((took < 1s));
}

// After close() the descriptor number is free and the next socket gets it: a later write must
// fail, never land on that unrelated connection.
BOOST_AUTO_TEST_CASE(close_detaches_the_bio_from_a_reused_descriptor) {
    asio::io_context io;
    hostile_server srv(io, [](hostile_server& s, hostile_server::tls_stream& t) -> asio::awaitable<void> {
        co_await s.wait_for_close(t);
    });
    auto ctx = trusting(srv);
    error_code hs, wr;
    bool same_number = false;
    std::size_t leaked = 0;
    run_bounded(io, [&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        tcp::acceptor other(ex, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        auto s = co_await connect(srv, ctx);
        hs = co_await s->handshake();
        const int old_fd = s->socket().native_handle();
        s->close();
        tcp::socket stranger(ex);  // takes the lowest free descriptor: the one just closed
        co_await stranger.async_connect(other.local_endpoint(), asio::use_awaitable);
        auto peer = co_await other.async_accept(asio::use_awaitable);
        same_number = stranger.native_handle() == old_fd;
        s->expires_after(1s);
        wr = co_await s->write(asio::buffer(std::string("GET / HTTP/1.1\r\n\r\n")));
        s->expires_never();
        asio::steady_timer t(ex, 100ms);
        co_await t.async_wait(asio::use_awaitable);
        leaked = peer.available();
        s.reset();
        srv.stop();
    });
    BOOST_TEST(!hs, hs.message());
    BOOST_TEST(same_number);  // the hazard was real in this run
    BOOST_TEST(!!wr);
    BOOST_TEST(leaked == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
