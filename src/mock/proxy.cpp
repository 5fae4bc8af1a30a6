// The mock CONNECT proxy: one coroutine per client connection, two per tunnel, all on one strand.
#include "common/nothrow.hpp"
#include "contract/tokens.hpp"

#include <neo/logger.hpp>
#include <neo/mock/proxy.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <deque>
#include <list>
#include <mutex>
#include <thread>

namespace neo::mock {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

using common::nothrow;

// The sockets of one client connection and, once tunnelled, of its target.
struct link {
    beast::tcp_stream client;
    tcp::socket target;
    explicit link(tcp::socket s) : client(std::move(s)), target(client.get_executor()) {}
    void abort() {
        error_code ec;
        client.socket().close(ec);
        target.close(ec);
    }
};

// Only loopback targets: an IP literal on loopback, or "localhost".
bool loopback_target(std::string_view target, tcp::endpoint& out) {
    const auto colon = target.rfind(':');
    if (colon == std::string_view::npos || colon + 1 == target.size()) return false;
    std::string host(target.substr(0, colon));
    unsigned port = 0;
    for (char c : target.substr(colon + 1)) {
        if (c < '0' || c > '9' || (port = port * 10 + static_cast<unsigned>(c - '0')) > 65535) return false;
    }
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    error_code ec;
    auto addr = beast::iequals(host, "localhost") ? asio::ip::address(asio::ip::address_v4::loopback())
                                                  : asio::ip::make_address(host, ec);
    if (ec || !addr.is_loopback() || port == 0) return false;
    out = tcp::endpoint(addr, static_cast<unsigned short>(port));
    return true;
}

std::string status_line(unsigned status, const char* reason) {
    return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
}

}  // namespace

struct proxy::impl : std::enable_shared_from_this<impl> {
    proxy_params params;
    std::unique_ptr<asio::io_context> own_io;
    std::thread thread;
    asio::strand<asio::any_io_executor> strand;
    tcp::acceptor acceptor;
    std::uint16_t bound_port = 0;

    mutable std::mutex mu;  // guards everything below
    std::deque<proxy_action> actions;
    std::vector<proxy_request> records;
    std::size_t accepted = 0, opened = 0, relaying = 0;
    std::list<std::weak_ptr<link>> live;
    bool stopped = false;

    impl(asio::any_io_executor ex, proxy_params p)
        : params(std::move(p)), strand(asio::make_strand(ex)), acceptor(strand) {
        const tcp::endpoint ep(asio::ip::make_address(params.address), params.port);
        acceptor.open(ep.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(ep);
        acceptor.listen();
        bound_port = acceptor.local_endpoint().port();
    }

    proxy_action next_action() {
        std::lock_guard lock(mu);
        if (actions.empty()) return proxy_action::tunnel;
        auto a = actions.front();
        actions.pop_front();
        return a;
    }

    std::size_t record(proxy_request r) {
        std::lock_guard lock(mu);
        records.push_back(std::move(r));
        return records.size() - 1;
    }

    void answered(std::size_t i, unsigned status) {
        std::lock_guard lock(mu);
        if (i < records.size()) records[i].status = status;
    }

    // Bytes from one socket to the other until either ends; then both are closed.
    static asio::awaitable<void> relay(std::shared_ptr<impl> self, std::shared_ptr<link> l, bool upstream) {
        std::array<char, 16384> buf;
        auto& from = upstream ? l->client.socket() : l->target;
        auto& to = upstream ? l->target : l->client.socket();
        for (;;) {
            auto [rec, n] = co_await from.async_read_some(asio::buffer(buf), nothrow);
            if (rec) break;
            auto [wec, unused] = co_await asio::async_write(to, asio::buffer(buf.data(), n), nothrow);
            if (wec) break;
        }
        // Half-close would be kinder; the login's TLS ends with close_notify anyway.
        l->abort();
        if (upstream) {
            std::lock_guard lock(self->mu);
            --self->relaying;
        }
    }

    asio::awaitable<void> serve(std::shared_ptr<impl> self, tcp::socket socket) {
        auto l = std::make_shared<link>(std::move(socket));
        {
            std::lock_guard lock(mu);
            if (stopped) co_return;
            ++accepted;
            live.push_back(l);
        }
        auto& client = l->client;
        error_code nd;
        client.socket().set_option(tcp::no_delay(true), nd);  // relayed records go at once, as a proxy's do
        beast::flat_buffer buffer;
        http::request_parser<http::empty_body> parser;
        parser.header_limit(8192);
        client.expires_after(params.io_timeout);
        auto [ec, unused] = co_await http::async_read_header(client, buffer, parser, nothrow);
        if (ec) {
            l->abort();
            co_return;
        }
        const auto& req = parser.get();
        proxy_request rec;
        rec.target = std::string(req.target());
        error_code pec;
        rec.peer = client.socket().remote_endpoint(pec).address().to_string();
        const auto auth = req[http::field::proxy_authorization];
        rec.had_credentials = !auth.empty();
        const bool needs_auth = !params.user.empty() || !params.password.empty();
        rec.authenticated = !needs_auth || auth == contract::basic_credentials(params.user, params.password);
        const auto index = record(rec);

        std::string answer;
        unsigned status = 0;
        tcp::endpoint target;
        switch (req.method() != http::verb::connect ? proxy_action::refuse : next_action()) {
            case proxy_action::tunnel:
                if (!rec.authenticated) {
                    status = 407;
                    answer = status_line(407, "Proxy Authentication Required") +
                             "Proxy-Authenticate: Basic realm=\"mock\"\r\nContent-Length: 0\r\n\r\n";
                } else if (!loopback_target(rec.target, target)) {
                    status = 403;
                    answer = status_line(403, "Forbidden") + "Content-Length: 0\r\n\r\n";
                } else {
                    auto [cec] = co_await l->target.async_connect(target, nothrow);
                    if (cec) {
                        status = 502;
                        answer = status_line(502, "Bad Gateway") + "Content-Length: 0\r\n\r\n";
                    } else {
                        error_code ignored;
                        l->target.set_option(tcp::no_delay(true), ignored);
                        status = 200;
                        answer = status_line(200, "Connection Established") + "\r\n";
                    }
                }
                break;
            case proxy_action::refuse:
                status = 403;
                answer = status_line(403, "Forbidden") + "Content-Length: 0\r\n\r\n";
                break;
            case proxy_action::unavailable:
                status = 503;
                answer = status_line(503, "Service Unavailable") + "Content-Length: 0\r\n\r\n";
                break;
            case proxy_action::stall: {
                client.expires_never();
                char c;
                while (!std::get<0>(co_await client.socket().async_receive(asio::buffer(&c, 1), nothrow))) {}
                l->abort();
                co_return;
            }
            case proxy_action::close:
                l->abort();
                co_return;
            case proxy_action::garbage:
                answer = "SSH-2.0-OpenSSH_9.2p1\r\n\x1b[2J not http at all\r\n\r\n";
                break;
        }
        client.expires_after(params.io_timeout);
        auto [wec, written] = co_await asio::async_write(client, asio::buffer(answer), nothrow);
        if (wec || status != 200) {
            if (!wec) answered(index, status);
            l->abort();
            co_return;
        }
        answered(index, 200);
        client.expires_never();
        {
            std::lock_guard lock(mu);
            ++opened;
            ++relaying;
        }
        // Anything the client sent after its CONNECT header belongs to the target.
        if (buffer.size() != 0) {
            auto [fec, n] = co_await asio::async_write(l->target, buffer.data(), nothrow);
            if (fec) {
                l->abort();
                std::lock_guard lock(mu);
                --relaying;
                co_return;
            }
        }
        asio::co_spawn(strand, relay(self, l, false), asio::detached);
        co_await relay(self, l, true);
    }

    asio::awaitable<void> accept_loop(std::shared_ptr<impl> self) {
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(nothrow);
            if (ec) {
                if (!acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
                continue;
            }
            asio::co_spawn(strand, serve(self, std::move(socket)), asio::detached);
        }
    }

    void close_all() {
        error_code ec;
        acceptor.close(ec);
        std::list<std::weak_ptr<link>> links;
        {
            std::lock_guard lock(mu);
            stopped = true;
            links.swap(live);
        }
        for (auto& w : links)
            if (auto l = w.lock()) l->abort();
    }
};

proxy::proxy(proxy_params params, detail::link_check) {
    auto io = std::make_unique<asio::io_context>(1);
    impl_ = std::make_shared<impl>(io->get_executor(), std::move(params));
    impl_->own_io = std::move(io);
    asio::co_spawn(impl_->strand, impl_->accept_loop(impl_), asio::detached);
    impl_->thread = std::thread([io = impl_->own_io.get()] { io->run(); });
}

proxy::proxy(asio::any_io_executor ex, proxy_params params, detail::link_check)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(params))) {
    asio::co_spawn(impl_->strand, impl_->accept_loop(impl_), asio::detached);
}

proxy::~proxy() {
    stop();
}

void proxy::stop() {
    // With its own thread, stopped once already: the thread is gone, and a handler posted now
    // would stay queued in the io_context the impl owns (a cycle that never frees).
    if (!impl_ || (impl_->own_io && !impl_->thread.joinable())) return;
    asio::post(impl_->strand, [self = impl_] { self->close_all(); });
    if (impl_->thread.joinable()) impl_->thread.join();
}

std::uint16_t proxy::port() const noexcept {
    return impl_->bound_port;
}

std::string proxy::origin() const {
    const bool v6 = impl_->params.address.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + impl_->params.address + "]" : impl_->params.address) + ":" + std::to_string(port());
}

void proxy::script(std::vector<proxy_action> actions) {
    std::lock_guard lock(impl_->mu);
    for (auto a : actions) impl_->actions.push_back(a);
}

std::vector<proxy_request> proxy::requests() const {
    std::lock_guard lock(impl_->mu);
    return impl_->records;
}

std::size_t proxy::connections() const {
    std::lock_guard lock(impl_->mu);
    return impl_->accepted;
}

std::size_t proxy::tunnels() const {
    std::lock_guard lock(impl_->mu);
    return impl_->opened;
}

std::size_t proxy::open_tunnels() const {
    std::lock_guard lock(impl_->mu);
    return impl_->relaying;
}

void proxy::reset() {
    std::lock_guard lock(impl_->mu);
    impl_->actions.clear();
    impl_->records.clear();
    impl_->accepted = impl_->opened = 0;
}

}  // namespace neo::mock
