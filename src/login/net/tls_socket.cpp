// The TLS layer: OpenSSL on the non-blocking socket (see tls_socket.hpp).
#include "tls_socket.hpp"

#include "common/nothrow.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <new>

namespace neo::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

struct tls_socket::watch {
    tcp::socket* sock;
    unsigned tick = 0;  // which bound is current: a stale expiry does nothing
    bool expired = false;
};

namespace {

using common::nothrow;

// The BIO between OpenSSL and the socket: send() with MSG_NOSIGNAL (a peer gone must not raise
// SIGPIPE in the user's process), recv(), both MSG_DONTWAIT (whatever the descriptor's mode: no
// ioctl to make it non-blocking), and "retry" when the socket would block.
tls_socket::io_state& state(BIO* b) { return *static_cast<tls_socket::io_state*>(BIO_get_data(b)); }

// A send() or recv() that failed (not EINTR): "retry" in `direction` when the socket would
// block, else the errno kept for error_for().
int failed(BIO* b, tls_socket::io_state& s, int direction) {
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        BIO_set_flags(b, direction | BIO_FLAGS_SHOULD_RETRY);
    else
        s.last_errno = errno;
    return 0;
}

int bio_write(BIO* b, const char* data, std::size_t n, std::size_t* written) {
    auto& s = state(b);
    BIO_clear_retry_flags(b);
    for (;;) {
        const auto r = ::send(s.fd, data, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (r >= 0) {
            *written = static_cast<std::size_t>(r);
            return 1;
        }
        if (errno == EINTR) continue;
        return failed(b, s, BIO_FLAGS_WRITE);
    }
}

int bio_read(BIO* b, char* data, std::size_t n, std::size_t* read) {
    auto& s = state(b);
    BIO_clear_retry_flags(b);
    for (;;) {
        const auto r = ::recv(s.fd, data, n, MSG_DONTWAIT);
        if (r > 0) {
            *read = static_cast<std::size_t>(r);
            return 1;
        }
        if (r == 0) {
            s.eof = true;
            return 0;
        }
        if (errno == EINTR) continue;
        return failed(b, s, BIO_FLAGS_READ);
    }
}

long bio_ctrl(BIO* b, int cmd, long, void*) {
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;  // nothing buffered here
    case BIO_CTRL_EOF:
        return state(b).eof ? 1 : 0;
    default:
        return 0;
    }
}

BIO_METHOD* socket_method() {
    static BIO_METHOD* const m = [] {
        BIO_METHOD* bm = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "neo socket");
        if (!bm) throw std::bad_alloc();
        BIO_meth_set_write_ex(bm, bio_write);
        BIO_meth_set_read_ex(bm, bio_read);
        BIO_meth_set_ctrl(bm, bio_ctrl);
        BIO_meth_set_create(bm, [](BIO* b) {
            BIO_set_init(b, 1);
            return 1;
        });
        return bm;
    }();
    return m;
}

}  // namespace

tls_socket::tls_socket(tcp::socket sock, SSL_CTX* ctx)
    : sock_(std::move(sock)), timer_(sock_.get_executor()), watch_(std::make_shared<watch>(watch{&sock_})) {
    io_.fd = sock_.is_open() ? sock_.native_handle() : -1;
    ssl_ = SSL_new(ctx);
    if (!ssl_) throw std::bad_alloc();
    BIO* bio = BIO_new(socket_method());
    if (!bio) {
        SSL_free(ssl_);
        throw std::bad_alloc();
    }
    BIO_set_data(bio, &io_);
    SSL_set_bio(ssl_, bio, bio);  // the SSL owns it
    SSL_set_connect_state(ssl_);
    // Read-ahead: one recv() takes every byte that is there (whole records, several at once),
    // where OpenSSL would read each record's 5-byte header and its body apart.
    SSL_set_read_ahead(ssl_, 1);
    // Records are written from one buffer that stays put; OpenSSL's 2 x 16 KiB record buffers
    // are freed while the connection waits.
    SSL_set_mode(ssl_, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
}

tls_socket::~tls_socket() {
    watch_->sock = nullptr;
    SSL_free(ssl_);
}

// The timer is armed only when a wait begins under a bound: a phase that never waits (a close
// whose close_notify leaves at once) costs no timer at all.
void tls_socket::expires_after(std::chrono::steady_clock::duration d) {
    expires_never();
    deadline_ = std::chrono::steady_clock::now() + d;
    bounded_ = true;
}

void tls_socket::expires_never() {
    ++watch_->tick;  // an expiry already on its way does nothing
    watch_->expired = false;
    bounded_ = false;
    if (armed_) {
        armed_ = false;
        timer_.cancel();
    }
}

void tls_socket::close() noexcept {
    io_.fd = -1;  // the BIO now fails with EBADF: the number may belong to another socket soon
    error_code ignored;
    sock_.close(ignored);
}

// Cancellation is the calling coroutine's (Asio's per-operation cancellation: the socket's wait
// below takes the coroutine's slot). Its state is sticky: a cancellation that arrived while no
// wait was in progress (between two waits, or as the socket became ready) still ends the next one.
asio::awaitable<error_code> tls_socket::wait(tcp::socket::wait_type w) {
    const auto cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none) co_return asio::error::operation_aborted;
    if (bounded_) {
        if (watch_->expired || std::chrono::steady_clock::now() >= deadline_) co_return beast::error::timeout;
        if (!armed_) {
            armed_ = true;
            timer_.expires_at(deadline_);
            timer_.async_wait([w = watch_, tick = watch_->tick](error_code ec) {
                if (ec || !w->sock || w->tick != tick) return;
                w->expired = true;
                error_code ignored;
                w->sock->cancel(ignored);
            });
        }
    }
    auto [ec] = co_await sock_.async_wait(w, nothrow);
    if (cs.cancelled() != asio::cancellation_type::none) co_return asio::error::operation_aborted;
    if (watch_->expired) co_return beast::error::timeout;
    co_return ec;
}

error_code tls_socket::error_for(int ssl_error) const {
    switch (ssl_error) {
    case SSL_ERROR_ZERO_RETURN:
        return asio::error::eof;  // the peer's close_notify
    case SSL_ERROR_SYSCALL: {
        if (const unsigned long e = ERR_get_error(); e && ERR_GET_LIB(e) != ERR_LIB_SYS)
            return error_code(static_cast<int>(e), asio::error::get_ssl_category());
        if (io_.last_errno) return error_code(io_.last_errno, boost::system::system_category());
        return asio::ssl::error::stream_truncated;  // the transport ended without a close_notify
    }
    case SSL_ERROR_SSL: {
        const unsigned long e = ERR_get_error();
        if (!e) return asio::ssl::error::unexpected_result;  // never a success without a cause
        if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) return asio::ssl::error::stream_truncated;
        if (io_.last_errno && ERR_GET_LIB(e) == ERR_LIB_SYS)
            return error_code(io_.last_errno, boost::system::system_category());
        return error_code(static_cast<int>(e), asio::error::get_ssl_category());
    }
    default:
        return asio::ssl::error::unexpected_result;
    }
}

asio::awaitable<std::pair<error_code, std::size_t>> tls_socket::perform(op o, void* data, std::size_t n) {
    for (;;) {
        ERR_clear_error();
        io_.last_errno = 0;
        std::size_t done = 0;
        int rc = 0;
        switch (o) {
        case op::handshake:
            rc = SSL_do_handshake(ssl_);
            break;
        case op::read:
            rc = SSL_read_ex(ssl_, data, n, &done);
            break;
        case op::write:
            rc = SSL_write_ex(ssl_, data, n, &done);
            break;
        case op::shutdown:
            rc = SSL_shutdown(ssl_);
            if (rc == 0) rc = 1;  // ours is sent; the peer's is not awaited here
            break;
        }
        if (rc > 0) co_return std::pair{error_code{}, done};
        const int e = SSL_get_error(ssl_, rc);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            if (auto ec = co_await wait(e == SSL_ERROR_WANT_READ ? tcp::socket::wait_read : tcp::socket::wait_write))
                co_return std::pair{ec, std::size_t{0}};
            continue;
        }
        co_return std::pair{error_for(e), std::size_t{0}};
    }
}

asio::awaitable<error_code> tls_socket::connect(const tcp::endpoint& to, const tcp::endpoint* from, bool& bind_failed) {
    bind_failed = false;
    close();
    const int fd = ::socket(to.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0) co_return error_code(errno, boost::system::system_category());
    error_code ec;
    sock_.assign(to.protocol(), fd, ec);
    if (ec) {
        ::close(fd);
        co_return ec;
    }
    io_.fd = fd;
    if (from && ::bind(fd, from->data(), static_cast<socklen_t>(from->size())) != 0) {
        bind_failed = true;
        co_return error_code(errno, boost::system::system_category());
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // a request leaves in one go
    int rc;
    do {
        rc = ::connect(fd, to.data(), static_cast<socklen_t>(to.size()));
    } while (rc != 0 && errno == EINTR);
    if (rc == 0) co_return error_code{};
    if (errno != EINPROGRESS) co_return error_code(errno, boost::system::system_category());
    if (auto wec = co_await wait(tcp::socket::wait_write)) co_return wec;
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    co_return error_code(err, boost::system::system_category());
}

asio::awaitable<error_code> tls_socket::handshake() {
    auto [ec, n] = co_await perform(op::handshake, nullptr, 0);
    co_return ec;
}

asio::awaitable<error_code> tls_socket::write(asio::const_buffer data) {
    const char* p = static_cast<const char*>(data.data());
    std::size_t left = data.size();
    while (left > 0) {
        auto [ec, n] = co_await perform(op::write, const_cast<char*>(p), left);
        if (ec) co_return ec;
        p += n;
        left -= n;
    }
    co_return error_code{};
}

asio::awaitable<error_code> tls_socket::shutdown() {
    auto [ec, n] = co_await perform(op::shutdown, nullptr, 0);
    co_return ec;
}

void tls_socket::shutdown_now() noexcept {
    if (!sock_.is_open()) return;
    ERR_clear_error();
    SSL_shutdown(ssl_);  // the socket is non-blocking: a full buffer or a peer gone skips it
    ERR_clear_error();
}

asio::awaitable<error_code> tls_socket::read(beast::flat_buffer& buffer, response_parser& parser) {
    parser.eager(true);
    for (;;) {
        if (buffer.size() > 0) {
            error_code ec;
            const auto used = parser.put(buffer.data(), ec);
            buffer.consume(used);
            if (!ec && parser.is_done()) co_return ec;
            if (ec && ec != http::error::need_more) co_return ec;
            if (!ec && used > 0 && buffer.size() > 0) continue;
        }
        // As Beast sizes a read: at least 512 bytes, at most 64 KiB, within the buffer's limit.
        const std::size_t room = buffer.max_size() - buffer.size();
        if (room == 0) co_return http::error::buffer_overflow;
        const std::size_t want =
            std::min({std::max<std::size_t>(512, buffer.capacity() - buffer.size()), std::size_t{65536}, room});
        auto space = buffer.prepare(want);
        auto [ec, n] = co_await perform(op::read, space.data(), space.size());
        buffer.commit(n);
        if (ec == asio::error::eof) {
            if (!parser.got_some()) co_return http::error::end_of_stream;
            error_code e;
            parser.put_eof(e);
            co_return e;
        }
        if (ec) co_return ec;
        if (n == 0) co_return asio::ssl::error::unexpected_result;  // OpenSSL never says so; no spin if it did
    }
}

bool tls_socket::still_open() noexcept {
    if (io_.fd < 0 || !sock_.is_open() || SSL_has_pending(ssl_)) return false;
    char probe;
    const auto n = ::recv(io_.fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n <= 0) return false;  // closed or failed
    // Bytes arrived while it waited. A TLS 1.3 server sends its session tickets after the
    // handshake (a warmed connection gets them after its handshake ended): OpenSSL takes those
    // (and keeps them for resumption); anything else (data, a close_notify, an alert) means the
    // connection is not reusable.
    ERR_clear_error();
    std::size_t got = 0;
    const int rc = SSL_peek_ex(ssl_, &probe, 1, &got);
    const bool open = rc <= 0 && SSL_get_error(ssl_, rc) == SSL_ERROR_WANT_READ && !SSL_has_pending(ssl_);
    ERR_clear_error();
    return open;
}

}  // namespace neo::detail
