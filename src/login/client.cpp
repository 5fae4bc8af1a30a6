// The login operation: one coroutine per call, on its own strand, driving the sans-I/O pieces
// (request building, response classification, retry decision, backoff) over TLS.
#include <neo/async_login.hpp>
#include <neo/client.hpp>
#include <neo/detail/proxy.hpp>
#include <neo/detail/redact.hpp>
#include <neo/detail/request.hpp>
#include <neo/detail/response.hpp>
#include <neo/error.hpp>

#include "tls_socket.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
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
#include <boost/system/system_error.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <utility>
#include <variant>

namespace neo::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

struct connection;

struct client_impl : std::enable_shared_from_this<client_impl> {
    asio::any_io_executor ex;
    client_params params;
    std::unique_ptr<ssl::context> own_ctx;
    ssl::context* ctx = nullptr;

    // TLS sessions to resume per host:port, newest last: at most tickets_per_host (a TLS 1.3
    // server sends two per connection, so logins in parallel resume too), at most max_sessions hosts.
    static constexpr std::size_t max_sessions = 64;
    static constexpr std::size_t tickets_per_host = 8;
    std::mutex sessions_mu;
    std::map<std::string, std::vector<SSL_SESSION*>> sessions;

    static void free_all(std::vector<SSL_SESSION*>& v) {
        for (auto* s : v) SSL_SESSION_free(s);
        v.clear();
    }
    ~client_impl();
    bool resumption() const { return own_ctx && params.tls_session_resumption; }
    // Takes the newest session for `key` out of the cache (or null): each ticket is used once
    // (RFC 8446 C.4), and no two handshakes share one SSL_SESSION, which OpenSSL 3.0 does not
    // make safe across threads. The connection's own new tickets refill the cache.
    SSL_SESSION* session_for(const std::string& key) {
        std::lock_guard lock(sessions_mu);
        auto it = sessions.find(key);
        if (it == sessions.end() || it->second.empty()) return nullptr;
        SSL_SESSION* s = it->second.back();
        it->second.pop_back();
        return s;
    }
    // Takes ownership of `s`; null: forget every session of `key`.
    void keep_session(const std::string& key, SSL_SESSION* s) {
        std::lock_guard lock(sessions_mu);
        auto it = sessions.find(key);
        if (!s) {
            if (it != sessions.end()) {
                free_all(it->second);
                sessions.erase(it);
            }
            return;
        }
        if (it == sessions.end()) {
            if (sessions.size() >= max_sessions) {
                free_all(sessions.begin()->second);
                sessions.erase(sessions.begin());
            }
            it = sessions.emplace(key, std::vector<SSL_SESSION*>()).first;
        }
        auto& v = it->second;
        if (v.size() >= tickets_per_host) {  // the oldest goes
            SSL_SESSION_free(v.front());
            v.erase(v.begin());
        }
        v.push_back(s);
    }

    // The bound on operations in flight (params.max_in_flight). A call that finds every slot
    // taken has its input checked, then waits in line as a queued_call: no strand, coroutine,
    // state, socket or timer of its own, until an operation that ends hands it its slot and it
    // starts.
    struct queued_call {
        enum class state { queued, started, done };
        state st = state::queued;                                // under gate_mu
        std::list<std::shared_ptr<queued_call>>::iterator pos;  // in gate_queue, while queued
        steady::time_point deadline = steady::time_point::max();
        virtual ~queued_call() = default;
        // The slot is this call's now: the operation starts (on the thread that freed it).
        virtual void start() = 0;
        // Its deadline passed while it waited; it has left the line.
        virtual void expire() = 0;
    };
    std::mutex gate_mu;
    std::size_t in_flight = 0;
    std::list<std::shared_ptr<queued_call>> gate_queue;
    // One timer for the deadlines of the whole line, armed while someone waits: a client's calls
    // all have the same deadline from their call, so the first in line has the earliest.
    std::optional<asio::steady_timer> line_timer;  // touched under gate_mu
    bool line_timer_armed = false;

    // Under gate_mu.
    void arm_line_timer() {
        if (gate_queue.empty() || gate_queue.front()->deadline == steady::time_point::max()) return;
        line_timer_armed = true;
        line_timer->expires_at(gate_queue.front()->deadline);
        line_timer->async_wait([w = weak_from_this()](error_code ec) {
            if (ec) return;
            if (auto self = w.lock()) self->expire_waiting();
        });
    }
    // Under gate_mu: the line changed at its head.
    void line_changed() {
        if (gate_queue.empty() && line_timer_armed) {
            line_timer_armed = false;
            line_timer->cancel();
        } else if (!line_timer_armed) {
            arm_line_timer();
        }
    }
    void expire_waiting() {
        std::vector<std::shared_ptr<queued_call>> expired;
        {
            std::lock_guard lock(gate_mu);
            line_timer_armed = false;
            const auto now = steady::now();
            for (auto it = gate_queue.begin(); it != gate_queue.end();) {
                if ((*it)->deadline <= now) {
                    (*it)->st = queued_call::state::done;
                    expired.push_back(std::move(*it));
                    it = gate_queue.erase(it);
                } else {
                    ++it;
                }
            }
            arm_line_timer();
        }
        for (auto& q : expired) q->expire();
    }

    bool gated() const { return params.max_in_flight > 0; }
    // Under gate_mu: a slot, if one is free (none is while calls wait: a freed slot goes
    // straight to the first of them).
    bool take_slot() {
        if (in_flight >= params.max_in_flight) return false;
        ++in_flight;
        return true;
    }
    bool try_enter() {
        std::lock_guard lock(gate_mu);
        return take_slot();
    }
    // A slot now (true), or `q` joins the line (false).
    bool enter_or_queue(const std::shared_ptr<queued_call>& q) {
        std::lock_guard lock(gate_mu);
        if (take_slot()) return true;
        q->pos = gate_queue.insert(gate_queue.end(), q);
        line_changed();
        return false;
    }
    void leave_slot() {
        std::shared_ptr<queued_call> next;
        {
            std::lock_guard lock(gate_mu);
            if (gate_queue.empty()) {
                --in_flight;
                return;
            }
            next = std::move(gate_queue.front());
            gate_queue.pop_front();
            next->st = queued_call::state::started;
            if (gate_queue.empty()) line_changed();
        }
        next->start();  // the slot passes to it
    }

    // Connections the server kept open when their operation ended, for the next operations (the
    // second factor after the login): newest last, each with the strand its stream runs on.
    static constexpr std::size_t max_parked = 4;
    struct parked_connection {
        std::unique_ptr<connection> conn;
        asio::strand<asio::any_io_executor> strand;
        steady::time_point since;
    };
    std::mutex pool_mu;
    std::vector<parked_connection> pool;
    // The newest parked connection not older than the idle bound (older ones are dropped), or none.
    std::optional<parked_connection> take_parked();
    // Parks `c` (returned when the pool is full).
    std::unique_ptr<connection> park(std::unique_ptr<connection> c, asio::strand<asio::any_io_executor> strand);

    std::mutex mu;  // guards what follows
    secret app_token;
    steady::time_point app_token_expiry{};
    std::mt19937_64 rng{std::random_device{}()};
    double retry_tokens = 0;  // the retry budget, set from params

    // Takes the cost of one retry from the budget; false when it cannot be paid.
    bool spend_retry() {
        const auto& b = params.retry.budget;
        if (!b.enabled) return true;
        std::lock_guard lock(mu);
        if (retry_tokens < b.retry_cost) return false;
        retry_tokens -= b.retry_cost;
        return true;
    }
    void refund_success() {
        const auto& b = params.retry.budget;
        if (!b.enabled) return;
        std::lock_guard lock(mu);
        retry_tokens = std::min(b.capacity, retry_tokens + b.success_refund);
    }

    double draw() {
        if (params.random) return params.random();
        std::lock_guard lock(mu);
        return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    }
};

// Which client and host a TLS connection belongs to, for OpenSSL's new-session callback.
struct resume_slot {
    client_impl* impl;
    std::string key;
};

namespace {

void throw_tls_setup(const char* what, const std::string& where, const boost::system::system_error& e) {
    std::string msg = what;
    if (!where.empty()) msg += " '" + where + "'";
    msg += ": ";
    msg += e.code().message();
    throw boost::system::system_error(e.code(), msg);
}

int resume_slot_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

// OpenSSL hands over each new session (TLS 1.2 after the handshake, TLS 1.3 with each ticket).
int on_new_session(SSL* ssl, SSL_SESSION* session) {
    auto* slot = static_cast<resume_slot*>(SSL_get_ex_data(ssl, resume_slot_index()));
    if (!slot) return 0;
    slot->impl->keep_session(slot->key, session);
    return 1;  // we keep the reference
}

std::unique_ptr<ssl::context> make_tls_context(const client_params& p) {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    // tls_client allows every version; TLS 1.2 is the floor, TLS 1.3 stays allowed.
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    // At least OpenSSL's security level 2 (RSA/DH keys of 2048 bits, no SHA-1 signatures),
    // whatever the system's openssl.cnf says.
    if (SSL_CTX_get_security_level(ctx->native_handle()) < 2) SSL_CTX_set_security_level(ctx->native_handle(), 2);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression);
    // No renegotiation (TLS 1.2): a server's HelloRequest is refused, never acted on.
    SSL_CTX_set_options(ctx->native_handle(), SSL_OP_NO_RENEGOTIATION);
    // Under TLS 1.2 only forward-secret AEAD suites: ECDHE with AES-GCM or ChaCha20-Poly1305 (no
    // static-RSA key exchange, no CBC). TLS 1.3's suites all qualify and are left as they are.
    SSL_CTX_set_cipher_list(ctx->native_handle(),
                            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                            "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                            "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
    // OpenSSL's 2 x 16 KiB record buffers are freed while a connection waits: memory per login
    // in flight is what an engine with many accounts pays.
    SSL_CTX_set_mode(ctx->native_handle(), SSL_MODE_RELEASE_BUFFERS);
    ctx->set_verify_mode(ssl::verify_peer);
    try {
        if (!p.ca_file.empty()) ctx->load_verify_file(p.ca_file);
    } catch (const boost::system::system_error& e) {
        throw_tls_setup("cannot load the CA file", p.ca_file, e);
    }
    try {
        if (!p.ca_pem.empty()) ctx->add_certificate_authority(asio::buffer(p.ca_pem));
    } catch (const boost::system::system_error& e) {
        throw_tls_setup("cannot load the CA PEM", {}, e);
    }
    if (p.ca_file.empty() && p.ca_pem.empty()) ctx->set_default_verify_paths();
    if (p.tls_session_resumption) {
        // Sessions are kept by the client (per host:port), not in OpenSSL's internal store.
        SSL_CTX_set_session_cache_mode(ctx->native_handle(), SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(ctx->native_handle(), on_new_session);
    }
    return ctx;
}

}  // namespace

// One of the client's max_in_flight slots, held by an operation while it runs: from its call (a
// slot free then) or its turn in line, to its end.
class flight_permit {
    client_impl* impl_ = nullptr;

public:
    flight_permit() = default;
    explicit flight_permit(client_impl* impl) : impl_(impl) {}
    flight_permit(flight_permit&& o) noexcept : impl_(std::exchange(o.impl_, nullptr)) {}
    flight_permit& operator=(flight_permit&& o) noexcept {
        std::swap(impl_, o.impl_);
        return *this;
    }
    ~flight_permit() {
        if (impl_) impl_->leave_slot();
    }
};

// One TLS connection and what OpenSSL's callbacks need to find while it lives.
struct connection {
    resume_slot slot;
    tls_socket tls;
    // Its last exchange ended cleanly: dropped unused (idle too long, closed by the server, for
    // another host), its TLS session stays resumable, which OpenSSL would otherwise withdraw
    // from a connection freed without a shutdown.
    bool clean = false;
    connection(tcp::socket s, ssl::context& ctx, client_impl* impl, std::string key)
        : slot{impl, std::move(key)}, tls(std::move(s), ctx.native_handle()) {}
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    // A clean connection dropped unused (idle too long, the client gone) still says goodbye: our
    // close_notify, written without waiting (the socket made non-blocking; a full send buffer
    // or a peer already gone just skips it).
    ~connection() {
        if (!clean) return;
        SSL* h = tls.native_handle();
        SSL_set_shutdown(h, SSL_get_shutdown(h) | SSL_RECEIVED_SHUTDOWN);
        tls.shutdown_now();
        SSL_set_shutdown(h, SSL_get_shutdown(h) | SSL_SENT_SHUTDOWN);
    }
};

struct bound {
    steady::duration d{};
    bool by_deadline = false;
    bool expired = false;
    bool unbounded = false;
};

client_impl::~client_impl() {
    for (auto& [key, v] : sessions) free_all(v);
}

std::optional<client_impl::parked_connection> client_impl::take_parked() {
    std::vector<parked_connection> expired;  // closed outside the lock
    std::optional<parked_connection> taken;
    {
        std::lock_guard lock(pool_mu);
        const auto oldest = steady::now() - params.keep_alive_idle;
        for (auto it = pool.begin(); it != pool.end();) {
            if (it->since < oldest) {
                expired.push_back(std::move(*it));
                it = pool.erase(it);
            } else {
                ++it;
            }
        }
        if (!pool.empty()) {
            taken = std::move(pool.back());
            pool.pop_back();
        }
    }
    return taken;
}

std::unique_ptr<connection> client_impl::park(std::unique_ptr<connection> c, asio::strand<asio::any_io_executor> strand) {
    std::lock_guard lock(pool_mu);
    if (pool.size() >= max_parked) return c;
    pool.push_back(parked_connection{std::move(c), std::move(strand), steady::now()});
    return nullptr;
}

namespace {

// What one operation owns. Touched only on its strand.
struct op_state {
    std::shared_ptr<client_impl> impl;
    asio::strand<asio::any_io_executor> strand;
    bool cancelled = false;
    std::function<void()> abort_io;  // cancels what the coroutine is suspended on
    steady::time_point deadline = steady::time_point::max();
    diagnostics diag;
    std::vector<secret> secrets;  // for redaction
    // A connection the server kept open, for the next exchange of this operation to the same
    // host:port (the OAuth2 step then the login; a retry after a 429 or 503).
    std::unique_ptr<connection> idle;
    flight_permit permit;  // this operation's slot of max_in_flight (empty when not gated)
    bool checked = false;  // its input was checked before it queued

    op_state(std::shared_ptr<client_impl> i, asio::strand<asio::any_io_executor> s)
        : impl(std::move(i)), strand(std::move(s)) {}

    void cancel() {
        cancelled = true;
        if (abort_io) abort_io();
    }

    const client_params& params() const { return impl->params; }

    void log(log_level l, const std::string& line) const {
        if (impl->params.logger.enabled(l)) impl->params.logger.log(l, escape_text(line));
    }

    steady::duration time_left() const {
        if (deadline == steady::time_point::max()) return steady::duration::max();
        return deadline - steady::now();
    }

    bound bound_for(milliseconds phase_bound) const {
        bound b;
        const auto left = time_left();
        if (left <= steady::duration::zero()) {
            b.expired = true;
            b.by_deadline = true;
            return b;
        }
        if (phase_bound.count() > 0 && phase_bound < left) {
            b.d = phase_bound;
        } else if (left == steady::duration::max()) {
            b.unbounded = true;
        } else {
            b.d = left;
            b.by_deadline = true;
        }
        return b;
    }
};

template <class Stream>
void arm(Stream& s, const bound& b) {
    if (b.unbounded)
        s.expires_never();
    else
        s.expires_after(b.d);
}

// Lifts a connection's bound when a phase ends, however it ends: an idle connection keeps no
// timer waiting in the io_context.
struct disarm_on_exit {
    tls_socket& s;
    ~disarm_on_exit() { s.expires_never(); }
};

error_code timed_out(const bound& b) {
    return b.by_deadline ? errc::deadline_exceeded : errc::timeout;
}

bool is_ip_literal(const std::string& host, asio::ip::address& out) {
    error_code ec;
    out = asio::ip::make_address(host, ec);
    return !ec;
}

std::string host_header(const endpoint& ep) {
    asio::ip::address a;
    std::string h = is_ip_literal(ep.host, a) && a.is_v6() ? "[" + ep.host + "]" : ep.host;
    if (ep.port != "443") h += ":" + ep.port;
    return h;
}

using request_t = http::request<http::string_body>;

request_t make_request(const client_params& p, const endpoint& ep, std::string_view authorization, std::string body,
                       std::string_view content_type = "application/json") {
    request_t req{http::verb::post, ep.target, 11};
    req.set(http::field::host, host_header(ep));
    req.set(http::field::user_agent, p.user_agent);
    req.set(http::field::content_type, content_type);
    req.set(http::field::accept, "application/json");
    req.set(http::field::authorization, authorization);
    req.keep_alive(p.keep_alive);
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
}

void wipe_request(request_t& req) {
    wipe(req.body());
    for (auto& f : req) {
        if (f.name() == http::field::authorization || beast::iequals(f.name_string(), "Auth")) {
            auto v = f.value();
            wipe(const_cast<char*>(v.data()), v.size());
        }
    }
}

struct http_result {
    error_code ec;
    phase failed = phase::none;
    bool request_sent = false;
    unsigned status = 0;
    std::string content_type;
    std::string retry_after;
    std::string date;  // the server's clock
    std::string content_encoding;
    std::string body;
    bool tls_resumed = false;
    bool connection_reused = false;
    std::string detail;
};

error_code tls_error(const error_code& ec, SSL* ssl, std::string& detail) {
    if (ec.category() == asio::error::get_ssl_category()) {
        if (ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
            detail = "certificate verify failed: ";
            detail += X509_verify_cert_error_string(SSL_get_verify_result(ssl));
            return errc::tls_verification_failed;
        }
        detail = "TLS handshake: " + ec.message();
        return errc::tls_handshake_failed;
    }
    // The peer went away during the handshake: nothing was sent, a retry is safe.
    detail = "handshake: " + ec.message();
    return errc::connection_failed;
}

error_code read_error(const error_code& ec, bool got_header, std::string& detail) {
    detail = "read: " + ec.message();
    if (ec == http::error::body_limit || ec == http::error::header_limit || ec == http::error::buffer_overflow)
        return errc::response_too_large;
    if (ec == http::error::end_of_stream) return errc::connection_failed;
    if (ec == http::error::partial_message) return errc::truncated_response;
    if (ec.category() == make_error_code(http::error::end_of_stream).category())
        return errc::protocol_error;  // any other framing error of the parser
    if (ec == ssl::error::stream_truncated || ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::error::broken_pipe)
        return got_header ? errc::truncated_response : errc::connection_failed;
    if (ec.category() == asio::error::get_ssl_category()) return errc::protocol_error;
    return got_header ? errc::truncated_response : errc::connection_failed;
}

// The request in one string, sized for its headers (Authorization and Auth carry tokens) and
// body from the start; should it still have to grow, the old buffer is wiped before it is freed.
std::string serialize(request_t& req) {
    std::size_t size = 64 + req.target().size() + req.body().size();
    for (const auto& f : req) size += f.name_string().size() + f.value().size() + 4;
    std::string out;
    out.reserve(size);
    auto append = [&](const char* p, std::size_t n) {
        if (out.size() + n > out.capacity()) {
            std::string bigger;
            bigger.reserve(2 * (out.size() + n));
            bigger = out;
            wipe(out);
            out.swap(bigger);
        }
        out.append(p, n);
    };
    http::serializer<true, http::string_body> sr{req};
    error_code ec;
    do {
        sr.next(ec, [&](error_code&, const auto& buffers) {
            for (const auto b : beast::buffers_range_ref(buffers)) append(static_cast<const char*>(b.data()), b.size());
            sr.consume(beast::buffer_bytes(buffers));
        });
    } while (!ec && !sr.is_done());
    return out;
}

// Sends our close_notify (the peer's is not awaited, as curl does: the answer is complete and
// framed, so waiting would only add a round trip), within a short bound, then closes.
asio::awaitable<void> close_politely(op_state& st, connection& c) {
    const auto b = st.bound_for(st.params().timeouts.shutdown);
    if (!b.expired && !st.cancelled) {
        SSL* h = c.tls.native_handle();
        SSL_set_shutdown(h, SSL_get_shutdown(h) | SSL_RECEIVED_SHUTDOWN);
        disarm_on_exit disarm{c.tls};
        arm(c.tls, b);
        st.abort_io = [&] { c.tls.cancel(); };
        co_await c.tls.shutdown();
        st.abort_io = nullptr;
    }
    c.tls.close();
}

// Resolve, connect and handshake. Null on failure, with `r` filled by `fail`.
template <class Fail>
asio::awaitable<std::unique_ptr<connection>> open_connection(op_state& st, const endpoint& ep, http_result& r,
                                                             Fail& fail) {
    const auto& p = st.params();
    auto ex = co_await asio::this_coro::executor;
    auto failed = [&](error_code ec, phase ph, std::string detail = {}) {
        fail(ec, ph, std::move(detail));
        return std::unique_ptr<connection>();
    };
    // Through the proxy, unless no_proxy names this host: then the TCP connection goes to the proxy.
    const bool proxied = p.proxy.applies_to(ep.host);
    std::string tcp_host = ep.host, tcp_port = ep.port;
    if (proxied && !parse_proxy_origin(p.proxy.origin, tcp_host, tcp_port).empty())
        co_return failed(errc::invalid_proxy, phase::connect);  // validated before; never happens
    // What failing to reach the first hop means: the gateway's connection_failed, or the proxy's.
    const errc unreachable = proxied ? errc::proxy_unavailable : errc::connection_failed;
    const std::string hop = proxied ? "proxy " : "";

    // Resolve (skipped for an IP literal, or a host the caller pinned to an address).
    asio::ip::address addr;
    const bool is_ip = is_ip_literal(tcp_host, addr);
    bool pinned = false;
    for (const auto& [name, ip] : p.resolve_overrides) {
        if (!is_ip && beast::iequals(name, tcp_host) && is_ip_literal(ip, addr)) {
            pinned = true;
            break;
        }
    }
    std::vector<tcp::endpoint> targets;
    if (is_ip || pinned) {
        targets.emplace_back(addr, static_cast<unsigned short>(std::stoul(tcp_port)));
    } else {
        const auto b = st.bound_for(p.timeouts.resolve);
        if (st.cancelled || b.expired) co_return failed(errc::deadline_exceeded, phase::resolve);
        tcp::resolver resolver(ex);
        asio::steady_timer timer(ex);
        if (b.unbounded)
            timer.expires_at(steady::time_point::max());
        else
            timer.expires_after(b.d);
        st.abort_io = [&] {
            resolver.cancel();
            timer.cancel();
        };
        using namespace asio::experimental::awaitable_operators;
        auto res = co_await (resolver.async_resolve(tcp_host, tcp_port, nothrow) || timer.async_wait(nothrow));
        st.abort_io = nullptr;
        if (st.cancelled) co_return failed({}, phase::resolve);
        if (res.index() == 1) co_return failed(timed_out(b), phase::resolve, hop + "resolve timed out");
        auto [ec, results] = std::get<0>(std::move(res));
        if (ec) co_return failed(unreachable, phase::resolve, hop + "resolve: " + ec.message());
        for (const auto& e : results) targets.push_back(e.endpoint());
    }

    // Connect (each address in turn, all within one bound), bound to the local address if set.
    beast::tcp_stream stream(ex);
    {
        asio::ip::address local;
        const bool bind_local = !p.local_address.empty();
        if (bind_local) {
            error_code ec;
            local = asio::ip::make_address(p.local_address, ec);
            if (ec) co_return failed(errc::invalid_local_address, phase::connect, "not an IP literal");
        }
        const auto b = st.bound_for(p.timeouts.connect);
        if (st.cancelled || b.expired) co_return failed(errc::deadline_exceeded, phase::connect);
        arm(stream, b);
        st.abort_io = [&] { stream.cancel(); };
        error_code ec = asio::error::host_not_found;
        bool family_mismatch = false;
        for (const auto& t : targets) {
            auto& sock = stream.socket();
            error_code ignored;
            sock.close(ignored);
            if (bind_local && t.protocol() != tcp::endpoint(local, 0).protocol()) {
                family_mismatch = true;
                continue;
            }
            family_mismatch = false;
            sock.open(t.protocol(), ec);
            if (!ec && bind_local) {
                sock.bind(tcp::endpoint(local, 0), ec);
                if (ec) {
                    // Not an address of this host, or in use: nothing was sent, nothing will be.
                    st.abort_io = nullptr;
                    co_return failed(errc::invalid_local_address, phase::connect, "bind: " + ec.message());
                }
            }
            if (!ec) std::tie(ec) = co_await stream.async_connect(t, nothrow);
            if (!ec || ec == beast::error::timeout || st.cancelled) break;
        }
        st.abort_io = nullptr;
        if (st.cancelled) co_return failed({}, phase::connect);
        if (family_mismatch)
            co_return failed(errc::invalid_local_address, phase::connect,
                             "no address of the " + hop + "host is of the local address's family");
        if (ec == beast::error::timeout) co_return failed(timed_out(b), phase::connect, hop + "connect timed out");
        if (ec) co_return failed(unreachable, phase::connect, hop + "connect: " + ec.message());
        error_code ignored;
        stream.socket().set_option(tcp::no_delay(true), ignored);  // a request leaves in one go
        stream.expires_never();
    }

    // Ask the proxy for a tunnel to the gateway's host:port; TLS then runs inside it.
    if (proxied) {
        const auto b = st.bound_for(p.timeouts.proxy);
        if (st.cancelled || b.expired) co_return failed(errc::deadline_exceeded, phase::proxy);
        std::string ask = connect_request(ep.host, ep.port, p.proxy, p.user_agent);  // may hold the password
        struct wipe_on_exit {
            std::string& s;
            ~wipe_on_exit() { wipe(s); }
        } wipe_ask{ask};
        arm(stream, b);
        st.abort_io = [&] { stream.cancel(); };
        auto [wec, unused] = co_await asio::async_write(stream, asio::buffer(ask), nothrow);
        wipe(ask);
        beast::flat_buffer buffer(p.limits.header_bytes + 1024);
        http::response_parser<http::empty_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(p.limits.header_bytes, UINT32_MAX)));
        parser.skip(true);  // an answer to CONNECT has no body to read
        error_code rec = wec;
        if (!wec) std::tie(rec, std::ignore) = co_await http::async_read_header(stream, buffer, parser, nothrow);
        st.abort_io = nullptr;
        if (st.cancelled) co_return failed({}, phase::proxy);
        if (rec == beast::error::timeout)
            co_return failed(timed_out(b), phase::proxy, "the proxy did not answer the CONNECT in time");
        if (rec == http::error::header_limit)
            co_return failed(errc::proxy_protocol_error, phase::proxy, "the proxy's answer is over the header limit");
        if (rec && rec.category() == http::make_error_code(http::error::bad_version).category() &&
            rec != http::error::end_of_stream && rec != http::error::partial_message)
            co_return failed(errc::proxy_protocol_error, phase::proxy, "the proxy's answer is not HTTP: " + rec.message());
        if (rec) co_return failed(errc::proxy_closed, phase::proxy, "proxy: " + rec.message());
        const unsigned status = parser.get().result_int();
        if (auto e = proxy_status_error(status))
            co_return failed(e, phase::proxy,
                             "the proxy answered " + std::to_string(status) + " " +
                                 escape_text(std::string(parser.get().reason().substr(0, 200))));
        if (buffer.size() != 0)
            co_return failed(errc::proxy_protocol_error, phase::proxy, "bytes after the proxy's 2xx answer");
        stream.expires_never();
    }

    // TLS: SNI and host name check for a DNS name, IP SAN check (no SNI) for an IP literal.
    auto conn =
        std::make_unique<connection>(stream.release_socket(), *st.impl->ctx, st.impl.get(), ep.host + ":" + ep.port);
    auto& tls = conn->tls;
    SSL* ssl_handle = tls.native_handle();
    if (!is_ip) {
        SSL_set_tlsext_host_name(ssl_handle, ep.host.c_str());
        SSL_set1_host(ssl_handle, ep.host.c_str());
        SSL_set_hostflags(ssl_handle, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    } else {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_handle), ep.host.c_str());
    }
    SSL_set_verify(ssl_handle, SSL_VERIFY_PEER, SSL_get_verify_callback(ssl_handle));
    // Resume the last session with this host:port (a TLS 1.3 ticket or a TLS 1.2 session).
    auto& slot = conn->slot;
    bool offered_resumption = false;
    if (st.impl->resumption()) {
        SSL_set_ex_data(ssl_handle, resume_slot_index(), &slot);
        if (SSL_SESSION* cached = st.impl->session_for(slot.key)) {
            offered_resumption = SSL_set_session(ssl_handle, cached) == 1;
            SSL_SESSION_free(cached);
        }
    }
    {
        const auto b = st.bound_for(p.timeouts.handshake);
        if (st.cancelled || b.expired) co_return failed(errc::deadline_exceeded, phase::handshake);
        disarm_on_exit disarm{tls};
        arm(tls, b);
        st.abort_io = [&] { tls.cancel(); };
        const auto ec = co_await tls.handshake();
        st.abort_io = nullptr;
        if (st.cancelled) co_return failed({}, phase::handshake);
        if (ec == beast::error::timeout) co_return failed(timed_out(b), phase::handshake, "TLS handshake timed out");
        if (ec) {
            if (offered_resumption) st.impl->keep_session(slot.key, nullptr);  // never offer it again
            std::string detail;
            auto e = tls_error(ec, ssl_handle, detail);
            if (proxied && e == errc::connection_failed) {
                e = errc::proxy_closed;  // the tunnel ended before TLS did: the proxy's doing or the gateway's
                detail = "the tunnel closed during the TLS handshake: " + ec.message();
            }
            co_return failed(e, phase::handshake, std::move(detail));
        }
        r.tls_resumed = SSL_session_reused(ssl_handle) == 1;
    }

    co_return conn;
}

asio::awaitable<http_result> exchange(op_state& st, const endpoint& ep, request_t& req) {
    http_result r;
    const auto& p = st.params();
    // Every early exit goes through here: once the caller has cancelled, the reason is always
    // operation_aborted, whatever the phase saw.
    auto fail = [&](error_code ec, phase ph, std::string detail = {}) {
        r.ec = st.cancelled ? error_code(asio::error::operation_aborted) : ec;
        r.failed = ph;
        r.detail = std::move(detail);
    };
    auto done = [&](error_code ec, phase ph, std::string detail = {}) {
        fail(ec, ph, std::move(detail));
        return std::move(r);
    };

    // The request in one piece: one TLS record and one send, where Beast's serializer over
    // an ssl::stream would send the header and the body as two. Wiped when sent.
    std::string wire = serialize(req);
    struct wipe_on_exit {
        std::string& s;
        ~wipe_on_exit() { wipe(s); }
    } wipe_wire{wire};

    // A connection the server kept open for this host:port, or a new one.
    std::unique_ptr<connection> conn;
    bool reused = false;
    if (st.idle && st.idle->slot.key == ep.host + ":" + ep.port && st.idle->tls.still_open()) {
        conn = std::move(st.idle);
        conn->clean = false;  // until this exchange, too, ends cleanly
        reused = true;
    }
    st.idle.reset();  // another host's, or closed by the server: dropped
    struct disarm_conn {
        std::unique_ptr<connection>& c;
        ~disarm_conn() {
            if (c) c->tls.expires_never();
        }
    } disarm{conn};

    for (;;) {
        if (!conn) {
            conn = co_await open_connection(st, ep, r, fail);
            if (!conn) co_return std::move(r);
        }
        auto& tls = conn->tls;

        // Write the request and read the whole answer under one bound: a server that drips bytes
        // does not extend it.
        const auto b = st.bound_for(p.timeouts.exchange);
        if (st.cancelled || b.expired) co_return done(errc::deadline_exceeded, phase::exchange);
        arm(tls, b);
        st.abort_io = [&] { tls.cancel(); };
        r.request_sent = true;
        const auto wec = co_await tls.write(asio::buffer(wire));
        // A kept connection the server closed meanwhile: once, transparently, on a new one.
        auto stale = [&](const error_code& ec, bool got_some) {
            return reused && !st.cancelled && !got_some && ec != beast::error::timeout;
        };
        if (wec && stale(wec, false)) {
            st.abort_io = nullptr;
            conn.reset();
            reused = false;
            r.request_sent = false;
            continue;
        }
        if (st.cancelled) co_return done({}, phase::exchange);
        if (wec == beast::error::timeout) co_return done(timed_out(b), phase::exchange, "write timed out");
        if (wec) co_return done(errc::connection_failed, phase::exchange, "write: " + wec.message());

        beast::flat_buffer buffer(p.limits.header_bytes + p.limits.body_bytes + 4096);
        // The answer carries tokens: its read buffer (allocated once, never grown) is wiped whole.
        struct wipe_buffer {
            beast::flat_buffer& b;
            ~wipe_buffer() {
                b.clear();
                const auto all = b.prepare(b.capacity());
                wipe(all.data(), all.size());
            }
        } wipe_read{buffer};
        bool keep = false;
        bool retry_fresh = false;
        for (int interim = 0;; ++interim) {
            http::response_parser<http::string_body> parser;
            parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(p.limits.header_bytes, UINT32_MAX)));
            parser.body_limit(p.limits.body_bytes);
            auto rec = co_await tls.read(buffer, parser);
            if (st.cancelled) co_return done({}, phase::exchange);
            if (rec == beast::error::timeout) co_return done(timed_out(b), phase::exchange, "answer timed out");
            // A body delimited by the end of the connection, ended without close_notify: accept what
            // the framing allows (a truncated JSON body is still caught when it is parsed).
            if (rec == ssl::error::stream_truncated && parser.is_header_done() && !parser.chunked() &&
                !parser.content_length()) {
                rec = {};
                parser.put_eof(rec);
            }
            // (The request may have reached the server: only when ambiguous retries are allowed.)
            if (rec && interim == 0 && p.retry.retry_ambiguous && stale(rec, parser.got_some() || buffer.size() > 0)) {
                retry_fresh = true;
                break;
            }
            if (rec) {
                std::string detail;
                auto e = read_error(rec, parser.is_header_done(), detail);
                fail(e, phase::exchange, std::move(detail));
                co_return std::move(r);
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
        st.abort_io = nullptr;
        if (retry_fresh) {
            conn.reset();
            reused = false;
            r = http_result{};
            continue;
        }
        r.connection_reused = reused;

        if (keep) {
            conn->clean = true;
            tls.expires_never();
            st.idle = std::move(conn);  // for this operation's next exchange
        } else {
            co_await close_politely(st, *conn);
            if (st.cancelled) co_return done({}, phase::shutdown);
        }
        co_return std::move(r);
    }
}

// The gateway's clock from its Date header: the offset goes to diagnostics; the first one of
// the operation beyond 15 s is logged as a warning (a TOTP from our clock is then likely refused).
void note_clock(op_state& st, std::string_view date) {
    const auto when = parse_http_date(date);
    if (!when) return;
    const auto offset = std::chrono::duration_cast<std::chrono::seconds>(*when - std::chrono::system_clock::now());
    const bool first = !st.diag.clock_offset;
    st.diag.clock_offset = offset;
    if (first && (offset > std::chrono::seconds(15) || offset < std::chrono::seconds(-15)))
        st.log(log_level::warning, "the gateway's clock is " + std::to_string(std::abs(offset.count())) + " s " +
                                       (offset.count() > 0 ? "ahead of" : "behind") +
                                       " ours (its Date header): TOTP codes made from our clock may be refused");
}

std::string describe(const error_code& ec, unsigned status, const std::string& server_code) {
    std::string s;
    if (status) s = "HTTP " + std::to_string(status) + " ";
    s += ec ? ec.message() : std::string("ok");
    if (!server_code.empty()) s += " [server code " + server_code + "]";
    return s;
}

asio::awaitable<classified> run_step(op_state& st, step_kind kind, const endpoint& ep,
                                     std::function<request_t()> make) {
    const auto& pol = st.params().retry;
    const int max_attempts = std::max(1, pol.max_attempts);
    auto ex = co_await asio::this_coro::executor;
    for (int attempt = 1;; ++attempt) {
        auto req = make();
        const auto t0 = steady::now();
        http_result hr = co_await exchange(st, ep, req);
        wipe_request(req);
        classified c;
        if (hr.ec) {
            c.ec = hr.ec;
            c.detail = std::move(hr.detail);
        } else if (!hr.content_encoding.empty() && !beast::iequals(hr.content_encoding, "identity") &&
                   hr.status >= 200 && hr.status < 300) {
            // We never send Accept-Encoding: an encoded body is one we cannot trust to parse.
            c.ec = errc::malformed_response;
            c.detail = "unrequested Content-Encoding: " + hr.content_encoding;
        } else {
            c = classify_response(kind, hr.status, hr.content_type, hr.body);
        }
        wipe(hr.body);
        redact(c.server_message, st.secrets);
        redact(c.server_code, st.secrets);
        redact(c.detail, st.secrets);
        // The server's words reach logs, diagnostics and terminals: no control character survives.
        escape_in_place(c.server_message);
        escape_in_place(c.server_code);
        escape_in_place(c.detail);

        attempt_record rec;
        rec.number = ++st.diag.attempts;
        rec.step = to_string(kind);
        rec.result = c.ec;
        rec.http_status = hr.status;
        rec.failed_phase = hr.failed;
        rec.tls_resumed = hr.tls_resumed;
        rec.connection_reused = hr.connection_reused;
        rec.elapsed = std::chrono::duration_cast<milliseconds>(steady::now() - t0);
        if (hr.status) st.diag.http_status = hr.status;
        st.diag.server_code = c.server_code;
        st.diag.server_message = c.server_message;
        st.diag.detail = c.detail;
        st.diag.failed_phase = hr.failed;
        if (!hr.date.empty()) note_clock(st, hr.date);
        if (!hr.retry_after.empty() && (hr.status == 429 || hr.status == 503)) {
            rec.retry_after = parse_retry_after(hr.retry_after, std::chrono::system_clock::now());
            if (rec.retry_after) st.diag.retry_after = rec.retry_after;
        }
        // Built only when someone reads it: a login with logging off allocates no log text.
        const bool logging = st.params().logger.enabled(log_level::info);
        const std::string head = !logging ? std::string()
                                          : "attempt " + std::to_string(attempt) + "/" + std::to_string(max_attempts) +
                                                " " + to_string(kind) + ": " + describe(c.ec, hr.status, c.server_code);
        if (!c.ec) st.impl->refund_success();
        if (!c.ec || c.ec == asio::error::operation_aborted) {
            st.diag.history.push_back(std::move(rec));
            st.log(log_level::info, head);
            co_return c;
        }
        if (!is_retryable(c.ec, hr.request_sent, pol) || attempt >= max_attempts) {
            st.diag.history.push_back(std::move(rec));
            st.log(log_level::info,
                   head + (attempt >= max_attempts && is_retryable(c.ec, hr.request_sent, pol) ? "; no attempts left"
                                                                                               : "; not retried"));
            co_return c;
        }
        milliseconds wait;
        const auto left = st.time_left();
        if (rec.retry_after) {
            wait = *rec.retry_after;
            if (wait > pol.max_retry_after || wait >= left) {
                c.ec = errc::rate_limited;
                c.detail =
                    "Retry-After of " + std::to_string(rec.retry_after->count()) + " s is longer than the time left";
                st.diag.detail = c.detail;
                rec.result = c.ec;
                st.log(log_level::info, head + "; Retry-After " + std::to_string(rec.retry_after->count()) +
                                            " s exceeds the time left, giving up");
                st.diag.history.push_back(std::move(rec));
                co_return c;
            }
        } else {
            wait = backoff_delay(pol, attempt, st.impl->draw(), hr.status == 429);
            if (wait >= left) {
                st.diag.history.push_back(std::move(rec));
                st.log(log_level::info, head + "; no time left for another attempt");
                co_return c;
            }
        }
        if (!st.impl->spend_retry()) {
            st.diag.detail = c.detail.empty() ? "retry budget exhausted" : c.detail + "; retry budget exhausted";
            st.diag.history.push_back(std::move(rec));
            st.log(log_level::info, head + "; retry budget exhausted, not retried");
            co_return c;
        }
        rec.wait = wait;
        st.diag.history.push_back(std::move(rec));
        st.log(log_level::info, head + "; retrying in " + std::to_string(wait.count()) + " ms");

        const auto actual = st.params().on_backoff ? st.params().on_backoff(wait) : wait;
        asio::steady_timer timer(ex, actual);
        st.abort_io = [&] { timer.cancel(); };
        co_await timer.async_wait(nothrow);
        st.abort_io = nullptr;
        if (st.cancelled) {
            c.ec = asio::error::operation_aborted;
            st.diag.failed_phase = phase::backoff;
            co_return c;
        }
    }
}

struct outcome {
    error_code ec;
    session s;
};

// The pair of a session that a following step sends back (sid, Auth), and the user it is for.
struct session_ref {
    std::string token;
    std::string sid;
    std::string user_id;  // the token's sub

    explicit session_ref(const session& s)
        : token(s.token), sid(s.sid), user_id(s.claims ? s.claims->sub : std::string()) {}
    session_ref(const session_ref&) = default;
    ~session_ref() { wipe(token); }
};

}  // namespace

struct step_args {
    struct generate_otp {
        session_ref view;
    };
    struct two_factor {
        session_ref view;
        second_factor factor;
    };
    struct logout {
        session_ref trade;
    };
    struct totp_validate {
        session_ref view;
        secret mpin;
    };
    std::variant<login_request, generate_otp, two_factor, logout, totp_login_request, totp_validate> op;
};

namespace {

// The app token: the caller's, the cached one, or a new one from the OAuth2 step.
asio::awaitable<std::pair<error_code, secret>> acquire_bearer(op_state& st) {
    const auto& p = st.params();
    secret bearer = p.access_token;
    if (bearer.empty()) {
        std::lock_guard lock(st.impl->mu);
        if (!st.impl->app_token.empty() && steady::now() < st.impl->app_token_expiry) bearer = st.impl->app_token;
    }
    if (bearer.empty()) {
        auto c = co_await run_step(st, step_kind::app_token, p.gateway.app_token, [&] {
            auto auth = basic_authorization(p.consumer_key, p.consumer_secret.reveal());
            auto r = make_request(p, p.gateway.app_token, auth, std::string(app_token_body()));
            wipe(auth);
            return r;
        });
        if (c.ec) co_return std::pair{c.ec, secret()};
        bearer = secret(std::string(c.result.at("access_token").get_string()));
        std::int64_t expires_in = 3600;
        if (const auto* e = c.result.if_contains("expires_in"); e && e->is_int64() && e->get_int64() > 0)
            expires_in = e->get_int64();
        const auto margin = std::min<std::int64_t>(60, expires_in / 10);
        std::lock_guard lock(st.impl->mu);
        st.impl->app_token = bearer;
        st.impl->app_token_expiry = steady::now() + std::chrono::seconds(expires_in - margin);
    }
    st.secrets.push_back(bearer);
    co_return std::pair{error_code{}, std::move(bearer)};
}

// One step after the checks: `Authorization` (Bearer for generation 1, the consumer key for
// generation 2), the extra headers of the step, its body; retried by run_step. Always a named
// variable: GCC 12 miscompiles a braced temporary with std::string members inside co_await.
struct step_spec {
    step_kind kind;
    const endpoint* ep;
    std::string body;                   // wiped once sent
    const session_ref* pair = nullptr;  // sid + Auth
    const char* sid_header = "sid";
    std::string_view content_type = "application/json";
};

asio::awaitable<classified> run_gen1(op_state& st, step_spec& spec) {
    const auto& p = st.params();
    // Not a structured binding: the lambda below captures `bearer` (Clang 14 cannot capture one).
    auto acquired = co_await acquire_bearer(st);
    if (acquired.first) co_return classified{acquired.first};
    const secret& bearer = acquired.second;
    auto c = co_await run_step(st, spec.kind, *spec.ep, [&] {
        std::string auth = "Bearer ";
        auth.append(bearer.reveal());
        auto r = make_request(p, *spec.ep, auth, spec.body, spec.content_type);
        wipe(auth);
        if (spec.pair) {
            r.set(spec.sid_header, spec.pair->sid);
            r.set("Auth", spec.pair->token);
        }
        return r;
    });
    wipe(spec.body);
    // A rejected bearer: forget the cached app token so the next call fetches a new one.
    if (c.ec == errc::unauthorized && p.access_token.empty()) {
        std::lock_guard lock(st.impl->mu);
        st.impl->app_token.clear();
    }
    co_return c;
}

asio::awaitable<classified> run_gen2(op_state& st, step_spec& spec) {
    const auto& p = st.params();
    auto c = co_await run_step(st, spec.kind, *spec.ep, [&] {
        auto r = make_request(p, *spec.ep, p.consumer_key, spec.body);
        r.set("neo-fin-key", p.neo_fin_key);
        if (spec.pair) {
            r.set("sid", spec.pair->sid);
            r.set("Auth", spec.pair->token);
        }
        return r;
    });
    wipe(spec.body);
    co_return c;
}

outcome to_outcome(classified c, op_state& st, const char* what) {
    if (c.ec) return outcome{c.ec, {}};
    auto s = session_from_data(std::move(c.result));
    if (!s) return outcome{errc::missing_fields, {}};
    if (st.params().logger.enabled(log_level::info))
        st.log(log_level::info, what + (s->ucc.empty() ? std::string() : " for " + s->ucc));
    return outcome{{}, std::move(*s)};
}

asio::awaitable<outcome> run_steps(std::shared_ptr<op_state> stp, std::shared_ptr<step_args> args) {
    op_state& st = *stp;
    const auto& p = st.params();
    const auto& gw = p.gateway;
    st.secrets = {p.consumer_secret, p.access_token};
    auto remember = [&](std::string_view s) {
        if (!s.empty() && s.size() <= secret::max_size) st.secrets.emplace_back(s);
    };
    remember(p.proxy.password.reveal());  // a proxy's answer reaches the detail: never its password
    auto& op = args->op;

    if (auto* req = std::get_if<login_request>(&op)) {
        remember(req->password.reveal());
        remember(req->mpin.reveal());
        step_spec spec{step_kind::login, &gw.login, login_body(*req)};
        auto c = co_await run_gen1(st, spec);
        co_return to_outcome(std::move(c), st, "logged in");
    }
    if (auto* a = std::get_if<step_args::generate_otp>(&op)) {
        remember(a->view.token);
        step_spec spec{step_kind::otp_generate, &gw.otp_generate, otp_generate_body(a->view.user_id)};
        auto c = co_await run_gen1(st, spec);
        if (!c.ec) st.log(log_level::info, "OTP sent");
        co_return outcome{c.ec, {}};
    }
    if (auto* a = std::get_if<step_args::two_factor>(&op)) {
        remember(a->view.token);
        remember(a->factor.otp.reveal());
        remember(a->factor.mpin.reveal());
        step_spec spec{step_kind::second_factor, &gw.login, second_factor_body(a->factor, a->view.user_id), &a->view};
        auto c = co_await run_gen1(st, spec);
        co_return to_outcome(std::move(c), st, "second factor accepted");
    }
    if (auto* a = std::get_if<step_args::logout>(&op)) {
        remember(a->trade.token);
        step_spec spec{step_kind::logout, &gw.logout, std::string(),
                       &a->trade,         "Sid",      "application/x-www-form-urlencoded"};
        auto c = co_await run_gen1(st, spec);
        if (!c.ec) st.log(log_level::info, "logged out");
        co_return outcome{c.ec, {}};
    }
    if (auto* r = std::get_if<totp_login_request>(&op)) {
        remember(r->totp.reveal());
        step_spec spec{step_kind::totp_login, &gw.totp_login, totp_login_body(*r)};
        auto c = co_await run_gen2(st, spec);
        co_return to_outcome(std::move(c), st, "TOTP login accepted");
    }
    auto& a = std::get<step_args::totp_validate>(op);
    remember(a.view.token);
    remember(a.mpin.reveal());
    step_spec spec{step_kind::totp_validate, &gw.totp_validate, totp_validate_body(a.mpin.reveal()), &a.view};
    auto c = co_await run_gen2(st, spec);
    co_return to_outcome(std::move(c), st, "MPIN validated");
}

// What can be checked before anything is sent: the step's input, then the client's credentials
// and endpoint for it. Sets diag.detail where there is more to say than the code.
error_code check(const client_params& p, diagnostics& diag, const step_args& args) {
    const auto& gw = p.gateway;
    auto can_send = [&](const endpoint& ep, credentials need) {
        std::string why;
        auto ec = validate(p, ep, need, &why);
        if (ec) diag.detail = why;
        return ec;
    };
    auto session_with_user = [](const session_ref& s) -> error_code {
        if (auto ec = validate_session(s.token, s.sid)) return ec;
        return s.user_id.empty() ? error_code(errc::invalid_session) : error_code();
    };
    const auto& op = args.op;
    error_code ec;
    if (const auto* req = std::get_if<login_request>(&op)) {
        if (!(ec = validate(*req))) ec = can_send(gw.login, credentials::oauth2);
    } else if (const auto* a = std::get_if<step_args::generate_otp>(&op)) {
        if (!(ec = session_with_user(a->view))) ec = can_send(gw.otp_generate, credentials::oauth2);
    } else if (const auto* f = std::get_if<step_args::two_factor>(&op)) {
        ec = validate_session(f->view.token, f->view.sid);
        if (!ec) ec = validate(f->factor);
        if (!ec && (!f->factor.otp.empty() || !f->factor.userid.empty())) ec = session_with_user(f->view);
        if (!ec) ec = can_send(gw.login, credentials::oauth2);
    } else if (const auto* l = std::get_if<step_args::logout>(&op)) {
        if (!(ec = validate_session(l->trade.token, l->trade.sid))) ec = can_send(gw.logout, credentials::oauth2);
    } else if (const auto* t = std::get_if<totp_login_request>(&op)) {
        if (!(ec = validate(*t))) ec = can_send(gw.totp_login, credentials::consumer_key);
    } else {
        const auto& v = std::get<step_args::totp_validate>(op);
        ec = validate_session(v.view.token, v.view.sid);
        if (!ec && !is_mpin(v.mpin.reveal())) ec = errc::invalid_mpin;
        if (!ec) ec = can_send(gw.totp_validate, credentials::consumer_key);
    }
    return ec;
}

// The checks (unless made before the call queued), the steps, then the polite close of a
// connection the server kept open for them. It runs holding a slot of max_in_flight.
asio::awaitable<outcome> run_op(std::shared_ptr<op_state> stp, std::shared_ptr<step_args> args) {
    outcome o;
    if (auto ec = stp->checked ? error_code() : check(stp->params(), stp->diag, *args)) {
        o.ec = ec;
    } else if (stp->cancelled) {
        o.ec = asio::error::operation_aborted;  // cancelled after its turn came, before it ran
        stp->diag.failed_phase = phase::queue;
    } else {
        o = co_await run_steps(stp, std::move(args));
    }
    if (auto idle = std::move(stp->idle)) {
        // Kept for the next operation (on this operation's strand, which its stream runs on),
        // unless the caller cancelled or the pool is full.
        if (!stp->cancelled && stp->params().keep_alive_idle.count() > 0) idle = stp->impl->park(std::move(idle), stp->strand);
        if (idle) co_await close_politely(*stp, *idle);
    }
    stp->permit = flight_permit();  // the next queued operation may start
    co_return o;
}

// How a call ends: its diagnostics written, then its handler through the handler's executor.
template <class Handler, class Deliver>
void complete(const std::shared_ptr<client_impl>& impl, diagnostics* diag, diagnostics&& d, Handler&& h,
              const Deliver& deliver, outcome&& o) {
    if (auto s = asio::get_associated_cancellation_slot(h); s.is_connected()) s.clear();
    if (diag) *diag = std::move(d);
    auto hex = asio::get_associated_executor(h, impl->ex);
    asio::dispatch(hex, [h = std::move(h), o = std::move(o), deliver]() mutable { deliver(std::move(h), std::move(o)); });
}

// Starts the operation, its slot held (or the client not gated). It runs on a strand of its own,
// or on the strand of a connection an earlier operation left open, which it takes and tries
// first (exchange() checks host and liveness): that strand is the one the connection's stream
// handlers run on. `queued` is the line's record of a call that waited: its cancellation slot is
// already wired to it, and it forwards a cancellation to the operation from now on.
template <class Handler, class Deliver>
void run_admitted(std::shared_ptr<client_impl> impl, std::shared_ptr<step_args> args, diagnostics* diag, Handler handler,
                  Deliver deliver, steady::time_point deadline, std::function<void(const std::shared_ptr<op_state>&)> wire_cancel) {
    const bool gated = impl->gated();
    auto parked = impl->params.keep_alive ? impl->take_parked() : std::nullopt;
    auto strand = parked ? parked->strand : asio::make_strand(impl->ex);
    auto st = std::make_shared<op_state>(std::move(impl), std::move(strand));
    if (gated) st->permit = flight_permit(st->impl.get());
    st->deadline = deadline;
    if (parked) st->idle = std::move(parked->conn);
    if (wire_cancel) {
        wire_cancel(st);
    } else if (auto slot = asio::get_associated_cancellation_slot(handler); slot.is_connected()) {
        slot.assign([st](asio::cancellation_type type) {
            if (type != asio::cancellation_type::none) asio::post(st->strand, [st] { st->cancel(); });
        });
    }
    // co_spawn starts the coroutine through post: the handler never runs inside this call.
    asio::co_spawn(st->strand, run_op(st, std::move(args)),
                   [st, diag, h = std::move(handler), deliver](std::exception_ptr e, outcome o) mutable {
                       if (e) o = outcome{errc::internal_error, {}};
                       st->permit = flight_permit();
                       st->abort_io = nullptr;
                       complete(st->impl, diag, std::move(st->diag), std::move(h), deliver, std::move(o));
                   });
}

// A call that found every slot taken, waiting in line: its deadline counts from the call.
template <class Handler, class Deliver>
struct queued_call_of final : client_impl::queued_call, std::enable_shared_from_this<queued_call_of<Handler, Deliver>> {
    std::shared_ptr<client_impl> impl;
    std::shared_ptr<step_args> args;
    diagnostics* diag;
    diagnostics d;  // what its checks said
    Handler handler;
    Deliver deliver;
    steady::time_point since = steady::now();
    std::shared_ptr<op_state> op;             // under gate_mu, once started
    bool cancel_requested = false;            // under gate_mu: a cancellation before `op` exists

    queued_call_of(std::shared_ptr<client_impl> i, std::shared_ptr<step_args> a, diagnostics* dg, diagnostics&& checked,
                   Handler&& h, const Deliver& dl, steady::time_point dead)
        : impl(std::move(i)), args(std::move(a)), diag(dg), d(std::move(checked)), handler(std::move(h)), deliver(dl) {
        deadline = dead;
    }

    void expire() override { fail(errc::deadline_exceeded); }

    void start() override {
        const auto waited = std::chrono::duration_cast<milliseconds>(steady::now() - since);
        auto self = this->shared_from_this();
        run_admitted(impl, std::move(args), diag, std::move(handler), deliver, deadline,
                     [self, waited](const std::shared_ptr<op_state>& st) {
                         st->checked = true;
                         st->diag = std::move(self->d);
                         st->diag.queued = waited;
                         std::lock_guard lock(self->impl->gate_mu);
                         self->op = st;
                         if (self->cancel_requested) st->cancelled = true;  // before its coroutine runs
                     });
    }

    // Its deadline passed (`ec` deadline_exceeded) or its caller cancelled while it waited.
    void fail(error_code ec) {
        auto self = this->shared_from_this();
        asio::post(impl->ex, [self, ec] {  // never inside the caller's emit(), nor the timer's cancel
            auto& q = *self;
            q.d.failed_phase = phase::queue;
            q.d.queued = std::chrono::duration_cast<milliseconds>(steady::now() - q.since);
            if (ec == errc::deadline_exceeded)
                q.d.detail = "still queued behind max_in_flight (" + std::to_string(q.impl->params.max_in_flight) +
                             ") operations of this client when the deadline passed";
            complete(q.impl, q.diag, std::move(q.d), std::move(q.handler), q.deliver, outcome{ec, {}});
        });
    }

    void cancel() {
        std::shared_ptr<op_state> running;
        {
            std::lock_guard lock(impl->gate_mu);
            switch (st) {
            case state::done:
                return;
            case state::started:
                if (!op) {
                    cancel_requested = true;
                    return;
                }
                running = op;
                break;
            case state::queued:
                st = state::done;
                impl->gate_queue.erase(pos);
                impl->line_changed();
                break;
            }
        }
        if (running) {
            asio::post(running->strand, [running] { running->cancel(); });
            return;
        }
        fail(asio::error::operation_aborted);
    }
};

template <class Handler, class Deliver>
void launch(std::shared_ptr<client_impl> impl, std::shared_ptr<step_args> args, diagnostics* diag, Handler handler,
            Deliver deliver) {
    const auto& limit = impl->params.retry.deadline;
    const auto deadline = limit.count() > 0 ? steady::now() + limit : steady::time_point::max();
    if (!impl->gated() || impl->try_enter()) {
        run_admitted(std::move(impl), std::move(args), diag, std::move(handler), deliver, deadline, {});
        return;
    }
    // Every slot is taken: the input is checked now (bad input fails at once, not in its turn).
    diagnostics checked;
    if (auto ec = check(impl->params, checked, *args)) {
        asio::post(impl->ex, [impl, diag, checked = std::move(checked), h = std::move(handler), deliver, ec]() mutable {
            complete(impl, diag, std::move(checked), std::move(h), deliver, outcome{ec, {}});
        });
        return;
    }
    auto slot = asio::get_associated_cancellation_slot(handler);
    auto q = std::make_shared<queued_call_of<Handler, Deliver>>(impl, std::move(args), diag, std::move(checked),
                                                                 std::move(handler), deliver, deadline);
    if (slot.is_connected()) {
        slot.assign([q](asio::cancellation_type type) {
            if (type != asio::cancellation_type::none) q->cancel();
        });
    }
    if (impl->enter_or_queue(q)) {  // a slot came free meanwhile
        {
            std::lock_guard lock(impl->gate_mu);
            q->st = client_impl::queued_call::state::started;
        }
        q->start();
    }
}

}  // namespace

asio::any_io_executor executor_of(asio::io_context& ctx) noexcept {
    return ctx.get_executor();
}

std::shared_ptr<client_impl> make_client_impl(asio::any_io_executor ex, client_params params) {
    auto impl = std::make_shared<client_impl>();
    impl->ex = std::move(ex);
    impl->params = std::move(params);
    impl->retry_tokens = impl->params.retry.budget.capacity;
    impl->line_timer.emplace(impl->ex);
    if (impl->params.tls_context) {
        impl->ctx = impl->params.tls_context;
    } else {
        impl->own_ctx = make_tls_context(impl->params);
        impl->ctx = impl->own_ctx.get();
    }
    return impl;
}

void start_login(std::shared_ptr<client_impl> impl, login_request req, diagnostics* diag, login_handler handler) {
    auto args = std::make_shared<step_args>(step_args{std::move(req)});
    start_step(std::move(impl), std::move(args), diag, std::move(handler));
}

void start_step(std::shared_ptr<client_impl> impl, std::shared_ptr<step_args> a, diagnostics* diag, login_handler h) {
    launch(std::move(impl), std::move(a), diag, std::move(h),
           [](login_handler&& h, outcome&& o) { std::move(h)(o.ec, std::move(o.s)); });
}

void start_step(std::shared_ptr<client_impl> impl, std::shared_ptr<step_args> a, diagnostics* diag, ack_handler h) {
    launch(std::move(impl), std::move(a), diag, std::move(h), [](ack_handler&& h, outcome&& o) { std::move(h)(o.ec); });
}

std::shared_ptr<step_args> generate_otp_args(const session& view) {
    return std::make_shared<step_args>(step_args{step_args::generate_otp{session_ref(view)}});
}
std::shared_ptr<step_args> second_factor_args(const session& view, second_factor f) {
    return std::make_shared<step_args>(step_args{step_args::two_factor{session_ref(view), std::move(f)}});
}
std::shared_ptr<step_args> logout_args(const session& trade) {
    return std::make_shared<step_args>(step_args{step_args::logout{session_ref(trade)}});
}
std::shared_ptr<step_args> totp_login_args(totp_login_request r) {
    return std::make_shared<step_args>(step_args{std::move(r)});
}
std::shared_ptr<step_args> totp_login_args(const identity& mobilenumber, const identity& ucc, secret totp) {
    totp_login_request r;
    r.mobilenumber = mobilenumber;
    r.ucc = ucc;
    r.totp = std::move(totp);
    return totp_login_args(std::move(r));
}
std::shared_ptr<step_args> totp_validate_args(const session& view, secret mpin) {
    return std::make_shared<step_args>(step_args{step_args::totp_validate{session_ref(view), std::move(mpin)}});
}

}  // namespace neo::detail

namespace neo {

client::client(executor_type ex, client_params params)
    : impl_(detail::make_client_impl(std::move(ex), std::move(params))) {}

client::client(boost::asio::io_context& ctx, client_params params) : client(ctx.get_executor(), std::move(params)) {}

client::~client() = default;

client::executor_type client::get_executor() const noexcept {
    return impl_->ex;
}

const client_params& client::params() const noexcept {
    return impl_->params;
}

}  // namespace neo
