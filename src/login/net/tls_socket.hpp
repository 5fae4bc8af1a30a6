// A TLS client connection that OpenSSL drives directly on the non-blocking socket.
//
// Asio's ssl::stream runs OpenSSL against a memory BIO pair and moves every record through two
// 17 KiB buffers and one asynchronous socket operation per flush, each through the event loop;
// Beast's tcp_stream arms a timer per operation. Here OpenSSL reads and writes the socket itself
// (through a small BIO that sends with MSG_NOSIGNAL), the coroutine waits on the socket only when
// OpenSSL says it would block, and one timer bounds a whole phase (handshake, exchange, close).
//
// Errors are reported as Asio's SSL stream reports them, so that the callers' classification is
// the same: a TLS failure in Asio's "asio.ssl" category (the OpenSSL error code), the peer's
// close_notify as `asio::error::eof`, a transport closed without one as
// `ssl::error::stream_truncated`, a socket error as its system error, and a phase that outlived
// its bound as `beast::error::timeout`.
//
// Cancellation: the calling coroutine's (every wait checks its cancellation state, and the
// socket's wait is connected to its slot).
//
// Not thread-safe: every call, and the handlers of its socket and timer, run on one strand.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>

#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <memory>

namespace neo::detail {

class tls_socket {
public:
    using response_parser = boost::beast::http::response_parser<boost::beast::http::string_body>;
    using error_code = boost::system::error_code;

    // Takes a socket (connected, or not yet open: then connect() opens it) and a new SSL object
    // of `ctx`. Throws std::bad_alloc when OpenSSL cannot allocate.
    tls_socket(boost::asio::ip::tcp::socket sock, SSL_CTX* ctx);
    ~tls_socket();
    tls_socket(const tls_socket&) = delete;
    tls_socket& operator=(const tls_socket&) = delete;

    SSL* native_handle() const noexcept { return ssl_; }
    boost::asio::ip::tcp::socket& socket() noexcept { return sock_; }

    // Bounds what follows: when `d` has passed, the wait in progress ends and the call reports
    // beast::error::timeout. expires_never() lifts the bound (and releases the timer's wait, so
    // an idle connection keeps no work in the io_context).
    void expires_after(std::chrono::steady_clock::duration d);
    void expires_never();
    // Closes the socket and detaches the BIO from its descriptor, so no later OpenSSL call can
    // read or write a descriptor the system has handed to someone else meanwhile.
    void close() noexcept;

    // A new TCP connection to `to` (any earlier one closed), bound to `from` when given: the
    // descriptor is made non-blocking when it is created, then one connect(), one wait for
    // writability and one getsockopt(SO_ERROR), where Asio's async_connect adds an ioctl and a
    // poll(). TCP_NODELAY is set. Errors are system errors; `bind_failed` says bind() failed.
    boost::asio::awaitable<error_code> connect(const boost::asio::ip::tcp::endpoint& to,
                                               const boost::asio::ip::tcp::endpoint* from, bool& bind_failed);
    boost::asio::awaitable<error_code> handshake();
    // All of `data`, in as few records as OpenSSL makes of it.
    boost::asio::awaitable<error_code> write(boost::asio::const_buffer data);
    // One whole HTTP message into `parser`, with what http::async_read(stream, buffer, parser)
    // does at the edges: bytes already in `buffer` first, buffer_overflow past its max_size, the
    // end of the stream before any byte as http::error::end_of_stream, after some as the
    // parser's own verdict (partial_message, or the end of an EOF-delimited body).
    boost::asio::awaitable<error_code> read(boost::beast::flat_buffer& buffer, response_parser& parser);
    // Sends our close_notify (the caller decides whether the peer's is awaited, by the shutdown
    // flags).
    boost::asio::awaitable<error_code> shutdown();
    // The same, without waiting: skipped when the socket would block or the peer is gone.
    void shutdown_now() noexcept;

    // Open, and nothing unread: neither on the socket nor inside OpenSSL. TLS 1.3 session
    // tickets that arrived meanwhile are taken in (they are not an answer).
    bool still_open() noexcept;

    // What the BIO needs: the descriptor, the errno of its last failed call, whether EOF was seen.
    struct io_state {
        int fd = -1;
        int last_errno = 0;
        bool eof = false;
    };
    struct watch;  // shared with the timer's handler, which may outlive this object

private:
    enum class op { handshake, read, write, shutdown };
    boost::asio::awaitable<std::pair<error_code, std::size_t>> perform(op o, void* data, std::size_t n);
    boost::asio::awaitable<error_code> wait(boost::asio::ip::tcp::socket::wait_type w);
    error_code error_for(int ssl_error) const;

    boost::asio::ip::tcp::socket sock_;
    boost::asio::steady_timer timer_;
    std::shared_ptr<watch> watch_;
    std::chrono::steady_clock::time_point deadline_{};
    bool bounded_ = false;  // a bound applies (deadline_)
    bool armed_ = false;    // the timer waits for it
    io_state io_;
    SSL* ssl_ = nullptr;
};

}  // namespace neo::detail
