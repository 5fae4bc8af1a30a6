// The mock gateway's TLS server: one coroutine per connection, all on one strand. It reads each
// request, records it, plays the scripted faults and answers, and otherwise answers what the
// contract (contract/contract.hpp) says.
#include "common/nothrow.hpp"
#include "contract/contract.hpp"
#include "recorder.hpp"

#include <neo/logger.hpp>
#include <neo/mock/gateway.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace neo::mock {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using steady = std::chrono::steady_clock;
using contract::request_t;
using contract::response_t;

namespace {

using common::nothrow;

struct connection {
    ssl::stream<beast::tcp_stream> tls;
    asio::steady_timer timer;
    connection(tcp::socket s, ssl::context& ctx)
        : tls(beast::tcp_stream(std::move(s)), ctx), timer(tls.get_executor()) {}
    void abort() {
        error_code ec;
        beast::get_lowest_layer(tls).socket().close(ec);
        timer.cancel();
    }
};

}  // namespace

struct gateway::impl : std::enable_shared_from_this<impl> {
    gateway_params params;
    std::unique_ptr<asio::io_context> own_io;
    std::thread thread;
    asio::strand<asio::any_io_executor> strand;
    ssl::context ctx{ssl::context::tls_server};
    std::string ca;
    tcp::acceptor acceptor;
    std::uint16_t bound_port = 0;
    contract::backend backend;
    recorder seen;

    mutable std::mutex mu;  // guards what follows
    std::map<route, std::deque<answer>> scripts;
    std::deque<fault> connection_script;
    std::list<std::weak_ptr<connection>> live;
    bool stopped = false;

    impl(asio::any_io_executor ex, gateway_params p)
        : params(std::move(p)),
          strand(asio::make_strand(ex)),
          acceptor(strand),
          backend(params),
          seen(params.max_records, params.on_request) {
        std::string chain = params.certificate_chain_pem, key = params.private_key_pem;
        if (chain.empty()) {
            certificate_authority authority;
            auto issued = authority.issue();
            chain = issued.certificate;
            key = issued.private_key;
            ca = authority.certificate();
        }
        SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
        ctx.use_certificate_chain(asio::buffer(chain));
        ctx.use_private_key(asio::buffer(key), ssl::context::pem);
        const tcp::endpoint ep(asio::ip::make_address(params.address), params.port);
        acceptor.open(ep.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(ep);
        acceptor.listen();
        bound_port = acceptor.local_endpoint().port();
        backend.set_port(bound_port);
    }

    fault next_connection_fault() {
        seen.accepted();
        std::lock_guard lock(mu);
        if (connection_script.empty()) return fault::none;
        auto f = connection_script.front();
        connection_script.pop_front();
        return f;
    }

    std::optional<answer> next_answer(route r) {
        std::lock_guard lock(mu);
        auto& q = scripts[r];
        if (q.empty()) return std::nullopt;
        auto a = std::move(q.front());
        q.pop_front();
        return a;
    }

    asio::awaitable<void> wait_forever(connection& c) {
        c.timer.expires_at(steady::time_point::max());
        co_await c.timer.async_wait(nothrow);
    }

    // `self` keeps the gateway's state alive while the connection lives.
    asio::awaitable<void> serve([[maybe_unused]] std::shared_ptr<impl> self, tcp::socket socket) {
        const fault f = next_connection_fault();
        if (f == fault::close_before_tls) {
            error_code ec;
            socket.close(ec);
            co_return;
        }
        error_code nodelay_ec;
        socket.set_option(tcp::no_delay(true), nodelay_ec);  // answers leave at once (no Nagle)
        auto c = std::make_shared<connection>(std::move(socket), ctx);
        {
            std::lock_guard lock(mu);
            if (stopped) co_return;
            live.remove_if([](const auto& w) { return w.expired(); });
            live.push_back(c);
        }
        if (f == fault::stall_before_tls) {
            co_await wait_forever(*c);
            co_return;
        }
        auto& lowest = beast::get_lowest_layer(c->tls);
        lowest.expires_after(params.io_timeout);
        auto [hec] = co_await c->tls.async_handshake(ssl::stream_base::server, nothrow);
        if (hec) co_return;
        seen.handshake(SSL_session_reused(c->tls.native_handle()) == 1);
        beast::flat_buffer buffer;
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.body_limit(1024 * 1024);
            lowest.expires_after(params.io_timeout);
            auto [rec, rn] = co_await http::async_read(c->tls, buffer, parser, nothrow);
            if (rec == http::error::end_of_stream) seen.clean_close();  // the client's close_notify
            if (rec) break;
            request_t req = parser.release();
            const route r = contract::route_of(req);
            const auto index = seen.record(req, r);
            const recorder::answering answering_now(seen);
            const auto scripted = next_answer(r);
            if (scripted && scripted->delay.count() > 0) {
                c->timer.expires_after(scripted->delay);
                co_await c->timer.async_wait(nothrow);
                if (!lowest.socket().is_open()) co_return;
            }
            const fault action = scripted ? scripted->action : fault::none;
            if (action == fault::stall) {
                lowest.expires_never();
                co_await wait_forever(*c);
                co_return;
            }
            if (action == fault::close_without_answer) {
                c->abort();
                co_return;
            }
            response_t res;
            if (scripted && (scripted->status != 200 || scripted->body)) {
                res = scripted->body ? contract::make_response(scripted->status, *scripted->body)
                                     : contract::canned(scripted->status);
                for (const auto& [k, v] : scripted->headers) res.set(k, v);
                res.prepare_payload();
            } else {
                res = contract::answer(req, r, backend);
                if (scripted)
                    for (const auto& [k, v] : scripted->headers) res.set(k, v);
            }
            // Every answer says the time, as a gateway does (a scripted Date wins).
            if (res[http::field::date].empty()) res.set(http::field::date, contract::http_date(backend.clock_now()));
            seen.set_status(index, res.result_int());
            // A scripted "Connection: close" wins; otherwise the connection stays as the client asked.
            if (res[http::field::connection].empty()) res.keep_alive(req.keep_alive());
            lowest.expires_after(params.io_timeout);
            if (action == fault::close_mid_answer || action == fault::close_delimited_answer) {
                // close_mid_answer: the whole header, half the body. close_delimited_answer: no
                // Content-Length, the whole body. Either way a close without close_notify follows.
                const bool whole = action == fault::close_delimited_answer;
                if (whole) res.erase(http::field::content_length);
                std::string head;
                for (const auto& field : res.base())
                    head += std::string(field.name_string()) + ": " + std::string(field.value()) + "\r\n";
                std::string wire = "HTTP/1.1 " + std::to_string(res.result_int()) + " " + std::string(res.reason()) +
                                   "\r\n" + head + (whole ? "Connection: close\r\n\r\n" : "\r\n");
                wire += whole ? res.body() : res.body().substr(0, res.body().size() / 2);
                co_await asio::async_write(c->tls, asio::buffer(wire), nothrow);
                c->abort();
                co_return;
            }
            auto [wec, wn] = co_await http::async_write(c->tls, res, nothrow);
            if (wec || !res.keep_alive()) break;
        }
        lowest.expires_after(std::chrono::seconds(1));
        co_await c->tls.async_shutdown(nothrow);
        error_code ignored;
        lowest.socket().close(ignored);
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
        std::list<std::weak_ptr<connection>> conns;
        {
            std::lock_guard lock(mu);
            stopped = true;
            conns.swap(live);
        }
        for (auto& w : conns)
            if (auto c = w.lock()) c->abort();
    }
};

gateway::gateway(gateway_params params, detail::link_check) {
    auto io = std::make_unique<asio::io_context>(1);
    impl_ = std::make_shared<impl>(io->get_executor(), std::move(params));
    impl_->own_io = std::move(io);
    asio::co_spawn(impl_->strand, impl_->accept_loop(impl_), asio::detached);
    impl_->thread = std::thread([io = impl_->own_io.get()] { io->run(); });
}

gateway::gateway(asio::any_io_executor ex, gateway_params params, detail::link_check)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(params))) {
    asio::co_spawn(impl_->strand, impl_->accept_loop(impl_), asio::detached);
}

gateway::~gateway() {
    stop();
}

void gateway::stop() {
    // With its own thread, stopped once already: the thread is gone, and a handler posted now
    // would stay queued in the io_context the impl owns (a cycle that never frees).
    if (!impl_ || (impl_->own_io && !impl_->thread.joinable())) return;
    asio::post(impl_->strand, [self = impl_] { self->close_all(); });
    // With its own thread: every coroutine now ends (sockets closed, timers cancelled), so the
    // io_context runs out of work and the thread returns.
    if (impl_->thread.joinable()) impl_->thread.join();
}

std::uint16_t gateway::port() const noexcept {
    return impl_->bound_port;
}

std::string gateway::origin() const {
    const bool v6 = impl_->params.address.find(':') != std::string::npos;
    return "https://" + (v6 ? "[" + impl_->params.address + "]" : impl_->params.address) + ":" + std::to_string(port());
}

const std::string& gateway::ca_pem() const noexcept {
    return impl_->ca;
}

const neo::mock::fixture& gateway::fixture() const noexcept {
    return impl_->params.fixture;
}

neo::client_params gateway::client_params() const {
    neo::client_params p;
    p.gateway = neo::gateway::from_origin(origin());
    p.consumer_key = impl_->params.fixture.consumer_key;
    p.consumer_secret = impl_->params.fixture.consumer_secret;
    p.ca_pem = impl_->ca;
    return p;
}

void gateway::write_ca_file(const std::string& path) const {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        throw std::runtime_error("cannot create the CA file '" + escape_text(path) + "': " + std::strerror(errno));
    const auto& ca = impl_->ca;
    bool ok = true;
    for (std::size_t off = 0; ok && off < ca.size();) {
        const auto n = ::write(fd, ca.data() + off, ca.size() - off);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) off += static_cast<std::size_t>(n);
    }
    ok = (::close(fd) == 0) && ok;
    if (!ok) throw std::runtime_error("cannot write the CA file '" + escape_text(path) + "'");
}

void gateway::script(route r, std::vector<answer> answers) {
    std::lock_guard lock(impl_->mu);
    auto& q = impl_->scripts[r];
    for (auto& a : answers) q.push_back(std::move(a));
}

void gateway::script_connections(std::vector<fault> faults) {
    std::lock_guard lock(impl_->mu);
    for (auto f : faults) impl_->connection_script.push_back(f);
}

gateway_stats gateway::stats() const {
    auto s = impl_->seen.stats();
    s.live_sessions = impl_->backend.live_sessions();
    return s;
}

std::vector<recorded_request> gateway::requests() const {
    return impl_->seen.requests();
}

std::size_t gateway::request_count(route r) const {
    return impl_->seen.count(r);
}

std::size_t gateway::connections() const {
    return stats().connections;
}

std::size_t gateway::handshakes() const {
    return stats().handshakes;
}

std::size_t gateway::resumed_handshakes() const {
    return stats().resumed_handshakes;
}

std::size_t gateway::clean_closes() const {
    return stats().clean_closes;
}

std::size_t gateway::peak_concurrent_requests() const {
    return stats().peak_concurrent_requests;
}

void gateway::reset_counters() {
    impl_->seen.reset();
    impl_->backend.reset_rate_windows();
    std::lock_guard lock(impl_->mu);
    impl_->scripts.clear();
    impl_->connection_script.clear();
}

void gateway::reset() {
    reset_counters();
    impl_->backend.reset();
}

std::vector<std::string> gateway::issued_tokens() const {
    return impl_->backend.issued_tokens();
}

std::size_t gateway::revoke_sessions() {
    return impl_->backend.revoke_all();
}

std::size_t gateway::live_sessions() const {
    return impl_->backend.live_sessions();
}

}  // namespace neo::mock
