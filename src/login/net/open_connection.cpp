// A new connection to a gateway's host:port (see open_connection.hpp).
#include "open_connection.hpp"

#include "../core/transport_errors.hpp"
#include "common/nothrow.hpp"
#include "common/wipe_guard.hpp"
#include "phase_bound.hpp"

#include <neo/detail/proxy.hpp>
#include <neo/error.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace neo::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using common::nothrow;

namespace {

bool is_ip_literal(const std::string& host, asio::ip::address& out) {
    error_code ec;
    out = asio::ip::make_address(host, ec);
    return !ec;
}

// The first hop: the proxy when one applies to the gateway's host, else the gateway.
struct hop {
    std::string host, port;
    bool proxied = false;
    errc unreachable() const { return proxied ? errc::proxy_unavailable : errc::connection_failed; }
    std::string prefix() const { return proxied ? "proxy " : ""; }
};

// Asio's resolver takes no per-operation cancellation: this lookup does (any type cancels it,
// through resolver.cancel(); a lookup has no side effect on the gateway). The slot's handler
// goes with the slot, which belongs to the operator|| group around it.
template <class Token>
auto resolve_cancellable(tcp::resolver& r, const std::string& host, const std::string& port, Token&& token) {
    return asio::async_initiate<Token, void(error_code, tcp::resolver::results_type)>(
        [&r](auto handler, const std::string& name, const std::string& service) {
            if (auto slot = asio::get_associated_cancellation_slot(handler); slot.is_connected())
                slot.assign([&r](asio::cancellation_type) { r.cancel(); });
            r.async_resolve(name, service, std::move(handler));
        },
        token, host, port);
}

// The addresses of the first hop: an IP literal, a host the caller pinned, or the resolver's.
asio::awaitable<std::vector<tcp::endpoint>> resolve(net_context& st, const hop& h, http_result& r) {
    const auto& p = st.params;
    std::vector<tcp::endpoint> targets;
    asio::ip::address addr;
    bool known = is_ip_literal(h.host, addr);
    for (const auto& [name, ip] : p.resolve_overrides) {
        if (!known && beast::iequals(name, h.host) && is_ip_literal(ip, addr)) {
            known = true;
            break;
        }
    }
    if (known) {
        targets.emplace_back(addr, static_cast<unsigned short>(std::stoul(h.port)));
        co_return targets;
    }
    targets = st.addresses.find(h.host, h.port);
    if (!targets.empty()) co_return targets;
    const auto b = st.bound_for(p.timeouts.resolve);
    if (st.cancelled() || b.expired) {
        r.fail(st.cancelled(), errc::deadline_exceeded, phase::resolve);
        co_return targets;
    }
    auto ex = co_await asio::this_coro::executor;
    tcp::resolver resolver(ex);
    asio::steady_timer timer(ex);
    if (b.unbounded)
        timer.expires_at(steady::time_point::max());
    else
        timer.expires_after(b.d);
    using namespace asio::experimental::awaitable_operators;
    auto res = co_await (resolve_cancellable(resolver, h.host, h.port, nothrow) || timer.async_wait(nothrow));
    if (st.cancelled()) {
        r.fail(true, {}, phase::resolve);
    } else if (res.index() == 1) {
        r.fail(false, timed_out(b), phase::resolve, h.prefix() + "resolve timed out");
    } else if (auto [ec, results] = std::get<0>(std::move(res)); ec) {
        r.fail(false, h.unreachable(), phase::resolve, h.prefix() + "resolve: " + ec.message());
    } else {
        for (const auto& e : results) targets.push_back(e.endpoint());
        st.addresses.keep(h.host, h.port, targets);
    }
    r.resolved = true;
    co_return targets;
}

// Connects to each address in turn, all within one bound, bound to the local address if set.
asio::awaitable<bool> connect(net_context& st, const hop& h, const std::vector<tcp::endpoint>& targets,
                              tls_socket& tls, http_result& r) {
    const auto& p = st.params;
    std::optional<tcp::endpoint> local;
    if (!p.local_address.empty()) {
        error_code ec;
        auto a = asio::ip::make_address(p.local_address, ec);
        if (ec) co_return r.fail(st.cancelled(), errc::invalid_local_address, phase::connect, "not an IP literal");
        local.emplace(a, 0);
    }
    const auto b = st.bound_for(p.timeouts.connect);
    if (st.cancelled() || b.expired) co_return r.fail(st.cancelled(), errc::deadline_exceeded, phase::connect);
    disarm_on_exit disarm{tls};
    arm(tls, b);
    error_code ec = asio::error::host_not_found;
    bool family_mismatch = false;
    for (const auto& t : targets) {
        if (local && t.protocol() != local->protocol()) {
            family_mismatch = true;
            continue;
        }
        family_mismatch = false;
        bool bind_failed = false;
        ec = co_await tls.connect(t, local ? &*local : nullptr, bind_failed);
        if (bind_failed) {
            // Not an address of this host, or in use: nothing was sent, nothing will be.
            co_return r.fail(st.cancelled(), errc::invalid_local_address, phase::connect, "bind: " + ec.message());
        }
        if (!ec || ec == beast::error::timeout || st.cancelled()) break;
    }
    if (st.cancelled()) co_return r.fail(true, {}, phase::connect);
    if (family_mismatch)
        co_return r.fail(false, errc::invalid_local_address, phase::connect,
                         "no address of the " + h.prefix() + "host is of the local address's family");
    if (ec) st.addresses.drop(h.host, h.port);  // resolved again by the next connection
    if (ec == beast::error::timeout)
        co_return r.fail(false, timed_out(b), phase::connect, h.prefix() + "connect timed out");
    if (ec) co_return r.fail(false, h.unreachable(), phase::connect, h.prefix() + "connect: " + ec.message());
    co_return true;
}

// Asks the proxy for a tunnel to the gateway's host:port; TLS then runs inside it.
asio::awaitable<bool> open_tunnel(net_context& st, const endpoint& ep, beast::tcp_stream& stream, http_result& r) {
    const auto& p = st.params;
    const auto b = st.bound_for(p.timeouts.proxy);
    if (st.cancelled() || b.expired) co_return r.fail(st.cancelled(), errc::deadline_exceeded, phase::proxy);
    std::string ask = connect_request(ep.host, ep.port, p.proxy, p.user_agent);  // may hold the password
    common::wipe_guard wipe_ask{ask};
    arm(stream, b);
    auto [wec, unused] = co_await asio::async_write(stream, asio::buffer(ask), nothrow);
    wipe(ask);
    beast::flat_buffer buffer(p.limits.header_bytes + 1024);
    http::response_parser<http::empty_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(p.limits.header_bytes, UINT32_MAX)));
    parser.skip(true);  // an answer to CONNECT has no body to read
    error_code rec = wec;
    if (!wec) std::tie(rec, std::ignore) = co_await http::async_read_header(stream, buffer, parser, nothrow);
    if (st.cancelled()) co_return r.fail(true, {}, phase::proxy);
    if (rec == beast::error::timeout)
        co_return r.fail(false, timed_out(b), phase::proxy, "the proxy did not answer the CONNECT in time");
    if (rec) {
        std::string detail;
        const auto e = proxy_read_error(rec, detail);
        co_return r.fail(false, e, phase::proxy, std::move(detail));
    }
    const unsigned status = parser.get().result_int();
    if (auto e = proxy_status_error(status))
        co_return r.fail(false, e, phase::proxy,
                         "the proxy answered " + std::to_string(status) + " " +
                             escape_text(std::string(parser.get().reason().substr(0, 200))));
    if (buffer.size() != 0)
        co_return r.fail(false, errc::proxy_protocol_error, phase::proxy, "bytes after the proxy's 2xx answer");
    stream.expires_never();
    co_return true;
}

// The TLS handshake with the gateway, resuming the last session with it when there is one.
asio::awaitable<bool> handshake(net_context& st, connection& conn, const std::string& host, bool host_is_ip,
                                bool tunnelled, http_result& r) {
    const auto& p = st.params;
    auto& tls = conn.tls;
    SSL* ssl = tls.native_handle();
    const bool offered = prepare_connection(ssl, host, host_is_ip, st.sessions ? &conn.slot : nullptr);
    const auto b = st.bound_for(p.timeouts.handshake);
    if (st.cancelled() || b.expired) co_return r.fail(st.cancelled(), errc::deadline_exceeded, phase::handshake);
    disarm_on_exit disarm{tls};
    arm(tls, b);
    const auto ec = co_await tls.handshake();
    if (st.cancelled()) co_return r.fail(true, {}, phase::handshake);
    if (ec == beast::error::timeout) co_return r.fail(false, timed_out(b), phase::handshake, "TLS handshake timed out");
    if (ec) {
        if (offered) st.sessions->keep(conn.slot.key, nullptr);  // never offer it again
        std::string detail;
        const auto e = handshake_error(ec, SSL_get_verify_result(ssl), tunnelled, detail);
        co_return r.fail(false, e, phase::handshake, std::move(detail));
    }
    r.tls_resumed = SSL_session_reused(ssl) == 1;
    co_return true;
}

}  // namespace

asio::awaitable<std::unique_ptr<connection>> open_connection(net_context& st, const endpoint& ep, http_result& r) {
    const auto& p = st.params;
    auto ex = co_await asio::this_coro::executor;
    // Through the proxy, unless no_proxy names this host: then the TCP connection goes to the proxy.
    hop h{ep.host, ep.port, p.proxy.applies_to(ep.host, ep.port)};
    if (h.proxied && !parse_proxy_origin(p.proxy.origin, h.host, h.port).empty()) {
        r.fail(st.cancelled(), errc::invalid_proxy, phase::connect);  // validated before; never happens
        co_return nullptr;
    }
    const auto targets = co_await resolve(st, h, r);
    if (targets.empty()) {
        if (!r.ec) r.fail(st.cancelled(), h.unreachable(), phase::resolve, h.prefix() + "resolve: no address");
        co_return nullptr;
    }
    auto conn = std::make_unique<connection>(tcp::socket(ex), st.ssl_ctx, st.sessions,
                                             host_key(ep));
    if (!co_await connect(st, h, targets, conn->tls, r)) co_return nullptr;
    if (h.proxied) {
        // The tunnel is plain TCP, read and written through Beast; the socket comes back after.
        beast::tcp_stream stream(std::move(conn->tls.socket()));
        const bool tunnelled = co_await open_tunnel(st, ep, stream, r);
        conn->tls.socket() = stream.release_socket();
        if (!tunnelled) co_return nullptr;
    }

    asio::ip::address addr;
    const bool host_is_ip = is_ip_literal(ep.host, addr);
    if (!co_await handshake(st, *conn, ep.host, host_is_ip, h.proxied, r)) co_return nullptr;
    co_return conn;
}

}  // namespace neo::detail
