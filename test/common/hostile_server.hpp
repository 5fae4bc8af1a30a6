// A test-only TLS server on loopback that does, byte by byte, what a test tells it: the
// misbehaviours of real servers and middleboxes that the mock gateway's contract does not cover.
#pragma once

#include "nothrow.hpp"

#include <neo/mock/pki.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <openssl/ssl.h>

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

namespace neo_test {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

class hostile_server {
public:
    using tls_stream = ssl::stream<tcp::socket>;
    /// What to do on each connection after the TLS handshake.
    using tls_script = std::function<asio::awaitable<void>(hostile_server&, tls_stream&)>;
    /// What to do on each accepted TCP connection instead of TLS.
    using raw_script = std::function<asio::awaitable<void>(hostile_server&, tcp::socket&)>;

    /// `configure` may adjust the server's TLS context (versions, certificate) before it is used;
    /// without a certificate from it, the server presents one from its own CA (`ca_pem()`).
    hostile_server(asio::io_context& io, tls_script script,
                   std::function<void(ssl::context&, const neo::mock::certificate_authority&)> configure = {})
        : io_(io), ctx_(ssl::context::tls_server), acceptor_(io), tls_(std::move(script)) {
        // `configure` first: a context holds one certificate per key type, so a default one loaded
        // beside the test's could be the one presented.
        if (configure) configure(ctx_, ca_);
        if (!SSL_CTX_get0_certificate(ctx_.native_handle())) {
            const auto issued = ca_.issue();
            ctx_.use_certificate_chain(asio::buffer(issued.certificate));
            ctx_.use_private_key(asio::buffer(issued.private_key), ssl::context::pem);
        }
        listen();
    }
    hostile_server(asio::io_context& io, raw_script script)
        : io_(io), ctx_(ssl::context::tls_server), acceptor_(io), raw_(std::move(script)) {
        listen();
    }
    ~hostile_server() { stop(); }

    std::string origin() const { return "https://127.0.0.1:" + std::to_string(port_); }
    const std::string& ca_pem() const { return ca_.certificate(); }
    const neo::mock::certificate_authority& ca() const { return ca_; }

    /// Closes the listener and every connection, so the io_context runs out of the server's work.
    void stop() {
        boost::system::error_code ec;
        acceptor_.close(ec);
        for (auto& w : live_)
            if (auto s = w.lock()) s->close(ec);
        live_.clear();
    }

    std::atomic<int> connections{0};
    std::atomic<int> handshakes{0};
    std::atomic<int> requests{0};  ///< complete request heads read by read_request
    std::atomic<std::size_t> request_bytes{0};
    std::atomic<std::size_t> bytes_written{0};
    std::vector<std::string> server_names;  ///< the SNI of each handshake ("" when none was sent)

    // ---- helpers for scripts ----------------------------------------------------------------

    /// Reads one request head (and its Content-Length body); returns it, or "" if the peer left.
    template <class Stream>
    asio::awaitable<std::string> read_request(Stream& s) {
        std::string buf;
        auto [ec, n] = co_await asio::async_read_until(s, asio::dynamic_buffer(buf), "\r\n\r\n", nothrow);
        if (ec) co_return std::string();
        std::string head = buf.substr(0, n);
        const auto cl = head.find("Content-Length: ");
        std::size_t body = cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 16));
        if (buf.size() - n < body) {
            auto [ec2, n2] = co_await asio::async_read(s, asio::dynamic_buffer(buf),
                                                       asio::transfer_exactly(body - (buf.size() - n)), nothrow);
            if (ec2) co_return std::string();
        }
        ++requests;
        request_bytes += buf.size();
        co_return buf;
    }

    template <class Stream>
    asio::awaitable<bool> write(Stream& s, std::string_view bytes) {
        auto [ec, n] = co_await asio::async_write(s, asio::buffer(bytes), nothrow);
        bytes_written += n;
        co_return !ec;
    }

    asio::awaitable<void> sleep(std::chrono::milliseconds d) {
        asio::steady_timer t(io_, d);
        co_await t.async_wait(nothrow);
    }

    /// Waits until the peer closes (or the server stops).
    template <class Stream>
    asio::awaitable<void> wait_for_close(Stream& s) {
        char c;
        for (;;) {
            auto [ec, n] = co_await s.async_read_some(asio::buffer(&c, 1), nothrow);
            if (ec) co_return;
        }
    }


private:
    void listen() {
        const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
        acceptor_.open(ep.protocol());
        acceptor_.set_option(tcp::acceptor::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        asio::co_spawn(io_, accept_loop(), asio::detached);
    }

    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, sock] = co_await acceptor_.async_accept(nothrow);
            if (ec) co_return;
            ++connections;
            asio::co_spawn(io_, serve(std::move(sock)), asio::detached);
        }
    }

    asio::awaitable<void> serve(tcp::socket sock) {
        if (raw_) {
            auto s = std::make_shared<tcp::socket>(std::move(sock));
            live_.push_back(s);
            co_await raw_(*this, *s);
            boost::system::error_code ec;
            s->close(ec);
            co_return;
        }
        auto stream = std::make_shared<tls_stream>(std::move(sock), ctx_);
        auto lowest = std::shared_ptr<tcp::socket>(stream, &stream->next_layer());
        live_.push_back(lowest);
        auto [hec] = co_await stream->async_handshake(ssl::stream_base::server, nothrow);
        const char* sni = SSL_get_servername(stream->native_handle(), TLSEXT_NAMETYPE_host_name);
        server_names.push_back(sni ? sni : "");
        if (hec) co_return;
        ++handshakes;
        co_await tls_(*this, *stream);
        boost::system::error_code ec;
        stream->next_layer().close(ec);
    }

    asio::io_context& io_;
    neo::mock::certificate_authority ca_;
    ssl::context ctx_;
    tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    tls_script tls_;
    raw_script raw_;
    std::list<std::weak_ptr<tcp::socket>> live_;
};

}  // namespace neo_test
