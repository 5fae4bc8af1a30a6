// The I/O of one exchange (see http_exchange.hpp).
#include "http_exchange.hpp"

#include "../core/transport_errors.hpp"
#include "common/nothrow.hpp"
#include "common/wipe_guard.hpp"
#include "open_connection.hpp"
#include "phase_bound.hpp"

#include <neo/error.hpp>

#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/field.hpp>

#include <cstdint>

namespace neo::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

namespace {

// The answer carries tokens: its read buffer (allocated once, never grown) is wiped whole.
struct wipe_buffer_on_exit {
    beast::flat_buffer& b;
    ~wipe_buffer_on_exit() {
        b.clear();
        const auto all = b.prepare(b.capacity());
        wipe(all.data(), all.size());
    }
};

}  // namespace

asio::awaitable<void> close_politely(net_context& st, connection& c) {
    const auto b = st.bound_for(st.params.timeouts.shutdown);
    if (!b.expired && !st.cancelled()) {
        SSL* h = c.tls.native_handle();
        SSL_set_shutdown(h, SSL_get_shutdown(h) | SSL_RECEIVED_SHUTDOWN);
        disarm_on_exit disarm{c.tls};
        arm(c.tls, b);
        co_await c.tls.shutdown();
    }
    c.tls.close();
}

asio::awaitable<http_result> exchange(net_context& st, const endpoint& ep, request_t& req) {
    http_result r;
    const auto& p = st.params;

    // The request in one piece: one TLS record and one send, where Beast's serializer over
    // an ssl::stream would send the header and the body as two. Wiped when sent.
    std::string wire = serialize(req);
    common::wipe_guard wipe_wire{wire};

    // A connection the server kept open for this host:port, or a new one.
    std::unique_ptr<connection> conn = st.idle.take(host_key(ep));
    if (conn && conn->tls.still_open()) {
        conn->clean = false;  // until this exchange, too, ends cleanly
        r.connection_reused = true;
    } else {
        conn.reset();  // closed by the server: dropped
    }
    if (!conn) {
        conn = co_await open_connection(st, ep, r);
        if (!conn) co_return r;
    }
    auto& tls = conn->tls;
    disarm_on_exit disarm{tls};

    // Write the request and read the whole answer under one bound: a server that drips bytes
    // does not extend it.
    const auto b = st.bound_for(p.timeouts.exchange);
    if (st.cancelled() || b.expired) {
        r.fail(st.cancelled(), errc::deadline_exceeded, phase::exchange);
        co_return r;
    }
    arm(tls, b);
    // A kept connection the server closed meanwhile, before any byte of an answer: the retry
    // decision sends the request again at once on a new connection.
    auto stale = [&](const error_code& ec, bool got_some) {
        return r.connection_reused && !st.cancelled() && !got_some && ec != beast::error::timeout;
    };
    r.request_sent = true;
    if (st.request_sent) *st.request_sent = true;  // from here a partial or total cancellation is ignored
    const auto wec = co_await tls.write(asio::buffer(wire));
    if (wec && stale(wec, false)) {
        r.stale_connection = true;
        r.request_sent = false;  // refused or reset: the server took none of it
        r.fail(false, errc::connection_failed, phase::exchange,
               "the kept-alive connection was closed by the server: write: " + wec.message());
        co_return r;
    }
    if (st.cancelled() || wec) {
        r.fail(st.cancelled(), wec == beast::error::timeout ? timed_out(b) : error_code(errc::connection_failed),
               phase::exchange,
               wec == beast::error::timeout ? std::string("write timed out") : "write: " + wec.message());
        co_return r;
    }

    beast::flat_buffer buffer(p.limits.header_bytes + p.limits.body_bytes + 4096);
    wipe_buffer_on_exit wipe_read{buffer};
    bool keep = false;
    for (int interim = 0;; ++interim) {
        tls_socket::response_parser parser;
        parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(p.limits.header_bytes, UINT32_MAX)));
        parser.body_limit(p.limits.body_bytes);
        auto rec = co_await tls.read(buffer, parser);
        if (st.cancelled()) {
            r.fail(true, {}, phase::exchange);
            co_return r;
        }
        if (rec == beast::error::timeout) {
            r.fail(false, timed_out(b), phase::exchange, "answer timed out");
            co_return r;
        }
        // A body delimited by the end of the connection, ended without close_notify: accept what
        // the framing allows (a truncated JSON body is still caught when it is parsed).
        if (rec == asio::ssl::error::stream_truncated && parser.is_header_done() && !parser.chunked() &&
            !parser.content_length()) {
            rec = {};
            parser.put_eof(rec);
        }
        if (rec && interim == 0 && stale(rec, parser.got_some() || buffer.size() > 0)) {
            // The request may have reached the server: retried only when ambiguous retries are allowed.
            r.stale_connection = true;
            r.fail(false, errc::connection_failed, phase::exchange,
                   "the kept-alive connection was closed by the server: read: " + rec.message());
            co_return r;
        }
        if (rec) {
            std::string detail;
            const auto e = read_error(rec, parser.is_header_done(), detail);
            r.fail(false, e, phase::exchange, std::move(detail));
            co_return r;
        }
        auto& res = parser.get();
        const unsigned status = res.result_int();
        if (status >= 100 && status < 200 && status != 101 && interim < 8) continue;  // 100 Continue, 103
        r.status = status;
        r.content_type = std::string(res[http::field::content_type]);
        r.retry_after = std::string(res[http::field::retry_after]);
        r.date = std::string(res[http::field::date].substr(0, 64));
        r.content_encoding = std::string(res[http::field::content_encoding].substr(0, 64));
        r.body = std::move(res.body());
        keep = p.keep_alive && res.keep_alive() && parser.is_done() && buffer.size() == 0 &&
               !SSL_has_pending(tls.native_handle());
        break;
    }

    if (keep) {
        conn->clean = true;
        conn->used = std::chrono::steady_clock::now();
        tls.expires_never();
        (void)st.idle.keep(std::move(conn));  // for this operation's next exchange
    } else {
        co_await close_politely(st, *conn);
        if (st.cancelled()) r.fail(true, {}, phase::shutdown);
    }
    co_return r;
}

}  // namespace neo::detail
