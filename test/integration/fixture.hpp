// The integration fixture: one io_context, the mock gateway on it, a client pointed at it.
#pragma once

#include <neo/login.hpp>
#include <neo/mock/gateway.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/socket.h>
#include <unistd.h>
#include <chrono>
#include <exception>
#include <mutex>
#include <string>
#include <vector>

namespace neo_test {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

inline neo::login_request good_request() {
    return {.mobilenumber = "9999999908", .password = "mock-password"};
}

struct login_result {
    boost::system::error_code ec;
    neo::session session;
    neo::diagnostics diag;
    int calls = 0;
    std::chrono::milliseconds elapsed{0};
};

struct fixture {
    asio::io_context io;
    neo::mock::gateway mock;
    std::vector<std::string> log_lines;
    std::vector<std::chrono::milliseconds> waits;  // backoff waits asked for

    explicit fixture(neo::mock::gateway_params mp = {}) : mock(io.get_executor(), std::move(mp)) {}

    /// Params for the mock: its origin and CA, the fixture app, instant backoff, a capturing log.
    neo::client_params params() {
        neo::client_params p = mock.client_params();
        p.logger.level = neo::log_level::trace;
        p.logger.sink = [this](neo::log_level, std::string_view line) { log_lines.emplace_back(line); };
        p.on_backoff = [this](std::chrono::milliseconds w) {
            waits.push_back(w);
            return std::chrono::milliseconds(0);
        };
        return p;
    }

    /// Runs one login to completion (bounded), then stops the mock so the io_context runs dry.
    login_result login(neo::client& c, neo::login_request req = good_request(), std::chrono::seconds bound = 20s) {
        login_result r;
        const auto t0 = steady::now();
        c.async_login(std::move(req), r.diag, [&](boost::system::error_code ec, neo::session s) {
            ++r.calls;
            r.ec = ec;
            r.session = std::move(s);
            r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0);
            mock.stop();
        });
        run(bound);
        return r;
    }

    /// Runs the io_context until it has no work left, at most `bound`; fails the test if the bound
    /// was reached (something was left running).
    void run(std::chrono::seconds bound = 20s) {
        const auto t0 = steady::now();
        io.run_for(bound);
        BOOST_TEST(io.stopped(), "io_context still had work after the bound");
        BOOST_TEST((steady::now() - t0 < bound));
    }

    /// Runs a coroutine to completion (bounded), then stops the mock; rethrows what it threw.
    template <class F>
    void run_coro(F f, std::chrono::seconds bound = 20s) {
        std::exception_ptr ex;
        bool done = false;
        asio::co_spawn(io, std::move(f), [&](std::exception_ptr e) {
            ex = e;
            done = true;
            mock.stop();
        });
        run(bound);
        BOOST_TEST(done);
        if (ex) std::rethrow_exception(ex);
    }

    /// True if no captured log line contains `s`.
    bool log_free_of(std::string_view s) const {
        for (const auto& l : log_lines)
            if (l.find(s) != std::string::npos) return false;
        return true;
    }

    std::size_t count(neo::mock::route r) const { return mock.request_count(r); }
    std::size_t logins() const { return mock.request_count(neo::mock::route::login); }
    std::size_t app_tokens() const { return mock.request_count(neo::mock::route::app_token); }
};

/// Tokens that live 20 s, for renewal tests.
struct fixture_short_tokens : fixture {
    fixture_short_tokens() : fixture(neo::mock::gateway_params{.token_lifetime = std::chrono::seconds(20)}) {}
};

// A listener that never accepts, its backlog filled: the kernel drops further SYNs, so a connect
// to it hangs until our connect timeout (Linux loopback behaviour).
struct black_hole {
    asio::ip::tcp::acceptor acceptor;
    std::vector<int> fillers;
    explicit black_hole(asio::io_context& io) : acceptor(io) {
        asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
        acceptor.open(ep.protocol());
        acceptor.bind(ep);
        acceptor.listen(0);
        const auto target = acceptor.local_endpoint();
        for (int i = 0; i < 4; ++i) {  // non-blocking connects that fill the backlog
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            ::connect(fd, target.data(), static_cast<socklen_t>(target.size()));
            fillers.push_back(fd);
        }
    }
    ~black_hole() {
        for (int fd : fillers) ::close(fd);
    }
    std::string origin() const { return "https://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()); }
};

}  // namespace neo_test
