// A TCP relay on loopback that delays every byte by half a round-trip time in each direction, in
// front of a local server: the bench counts a login's round trips as its time over the RTT, and
// its connections as the relay's accepts. The relay's own connect to the server is not delayed,
// so a TCP handshake costs nothing here (on a real network it adds one round trip per connection).
// It runs on a thread and an io_context of its own.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <thread>

namespace neo_bench {

class delay_relay {
public:
    using tcp = boost::asio::ip::tcp;
    using steady = std::chrono::steady_clock;

    delay_relay(const std::string& host, unsigned short port, std::chrono::milliseconds rtt)
        : upstream_(boost::asio::ip::make_address(host), port), half_(rtt / 2) {
        acceptor_.open(tcp::v4());
        acceptor_.set_option(tcp::acceptor::reuse_address(true));
        acceptor_.bind(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
        acceptor_.listen();
        boost::asio::co_spawn(io_, accept_loop(), boost::asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~delay_relay() {
        io_.stop();
        thread_.join();
    }
    delay_relay(const delay_relay&) = delete;
    delay_relay& operator=(const delay_relay&) = delete;

    unsigned short port() const { return acceptor_.local_endpoint().port(); }
    int connections() const { return accepted_.load(); }

private:
    // One direction of one connection: what was read, each piece with the time it may leave.
    struct direction {
        struct piece {
            steady::time_point due;
            std::string bytes;  // empty: the end of the stream
        };
        std::deque<piece> q;
        boost::asio::steady_timer wake;
        explicit direction(boost::asio::any_io_executor ex) : wake(ex) {}
    };
    struct link {
        tcp::socket client, server;
        direction up, down;
        explicit link(boost::asio::io_context& io)
            : client(io), server(io), up(io.get_executor()), down(io.get_executor()) {}
    };

    boost::asio::awaitable<void> accept_loop() {
        namespace asio = boost::asio;
        for (;;) {
            auto l = std::make_shared<link>(io_);
            auto [ec] = co_await acceptor_.async_accept(l->client, asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
            ++accepted_;
            auto [cec] = co_await l->server.async_connect(upstream_, asio::as_tuple(asio::use_awaitable));
            if (cec) continue;
            const tcp::no_delay nd(true);
            l->client.set_option(nd);
            l->server.set_option(nd);
            asio::co_spawn(io_, read_side(l, l->client, l->up), asio::detached);
            asio::co_spawn(io_, write_side(l, l->server, l->up), asio::detached);
            asio::co_spawn(io_, read_side(l, l->server, l->down), asio::detached);
            asio::co_spawn(io_, write_side(l, l->client, l->down), asio::detached);
        }
    }

    boost::asio::awaitable<void> read_side(std::shared_ptr<link> keep, tcp::socket& from, direction& d) {
        namespace asio = boost::asio;
        char buf[65536];
        for (;;) {
            auto [ec, n] = co_await from.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
            d.q.push_back({steady::now() + half_, ec ? std::string() : std::string(buf, n)});
            d.wake.cancel();
            if (ec) co_return;
        }
    }

    boost::asio::awaitable<void> write_side(std::shared_ptr<link> keep, tcp::socket& to, direction& d) {
        namespace asio = boost::asio;
        for (;;) {
            if (d.q.empty() || d.q.front().due > steady::now()) {
                d.wake.expires_at(d.q.empty() ? steady::time_point::max() : d.q.front().due);
                co_await d.wake.async_wait(asio::as_tuple(asio::use_awaitable));
                continue;
            }
            auto p = std::move(d.q.front());
            d.q.pop_front();
            boost::system::error_code ignored;
            if (p.bytes.empty()) {
                to.shutdown(tcp::socket::shutdown_send, ignored);
                co_return;
            }
            auto [ec, n] = co_await asio::async_write(to, asio::buffer(p.bytes), asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
        }
    }

    boost::asio::io_context io_{1};
    tcp::acceptor acceptor_{io_};
    tcp::endpoint upstream_;
    std::chrono::microseconds half_;
    std::atomic<int> accepted_{0};
    std::thread thread_;
};

}  // namespace neo_bench
