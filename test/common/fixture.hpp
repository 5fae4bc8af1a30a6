// The integration fixture: one io_context, the mock gateway on it, a client pointed at it.
#pragma once

#include "nothrow.hpp"

#include <neo/login.hpp>
#include <neo/mock/gateway.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/socket.h>
#include <unistd.h>
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace neo_test {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// ---- the whole-suite secret check ---------------------------------------------------------------
// Every log line and error text the suite sees at trace level is kept here; main.cpp's global
// fixture asserts at the end that no secret of the fixture and no token any mock issued is in it.
struct suite_record {
    std::mutex mu;
    std::vector<std::string> texts;
    std::vector<std::string> tokens;
    void text(std::string_view t) {
        std::lock_guard lock(mu);
        texts.emplace_back(t);
    }
    void issued(const std::vector<std::string>& ts) {
        std::lock_guard lock(mu);
        tokens.insert(tokens.end(), ts.begin(), ts.end());
    }
};
/// Whether `text` holds `secret`: anywhere for a long secret (a token, a password); as a whole
/// word for a short one (an OTP, an MPIN, a TOTP code), since "4321" inside a port number such as
/// 43210 is not that OTP, while the library's redaction hides whole words.
inline bool holds_secret(std::string_view text, std::string_view secret) {
    if (secret.empty()) return false;
    if (secret.size() >= 8) return text.find(secret) != std::string_view::npos;
    auto alnum = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    for (auto at = text.find(secret); at != std::string_view::npos; at = text.find(secret, at + 1)) {
        const bool starts = at == 0 || !alnum(text[at - 1]);
        const bool ends = at + secret.size() == text.size() || !alnum(text[at + secret.size()]);
        if (starts && ends) return true;
    }
    return false;
}
/// Secrets some tests use beside the mock's fixture (the suite-wide check knows them too).
inline const std::vector<std::string>& other_test_secrets() {
    static const std::vector<std::string> s = {"proxy-pass-7731", "not-the-password"};
    return s;
}

inline suite_record& suite() {
    static suite_record r;
    return r;
}
/// Logs everything at trace level into the suite record (and into `also`, when given).
inline void capture_log(neo::client_params& p, std::vector<std::string>* also = nullptr) {
    p.logger.level = neo::log_level::trace;
    p.logger.sink = [also](neo::log_level, std::string_view line) {
        suite().text(line);
        if (also) also->emplace_back(line);
    };
}
/// Records what a caller would print about an outcome.
inline void capture_outcome(const boost::system::error_code& ec, const neo::diagnostics& d) {
    suite().text(ec.message());
    suite().text(d.server_code);
    suite().text(d.server_message);
    suite().text(d.detail);
}

inline neo::login_request good_request() {
    return {.mobilenumber = "9999999908", .password = "mock-password"};
}

/// The session manager's recipes for the mock's fixture user: generation 2 (TOTP seed and MPIN)
/// and generation 1 (password, then the MPIN as the second factor).
inline neo::totp_recipe totp_recipe() {
    neo::mock::fixture fx;
    return {.mobilenumber = "9999999908", .ucc = "TESTYA24", .totp_seed = fx.totp_secret, .mpin = "123456"};
}
inline neo::password_recipe mpin_recipe() {
    return {.login = good_request(), .mpin = "123456", .otp = {}};
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
    ~fixture() { suite().issued(mock.issued_tokens()); }

    /// Params for the mock: its origin and CA, the fixture app, instant backoff, a capturing log.
    neo::client_params params() {
        neo::client_params p = mock.client_params();
        capture_log(p, &log_lines);
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
            capture_outcome(ec, r.diag);
        });
        run(bound);
        return r;
    }

    /// Runs `n` logins one after the other (bounded), then stops the mock; how many succeeded.
    int logins_in_turn(neo::client& c, int n) {
        int done = 0, ok = 0;
        std::function<void()> next = [&] {
            c.async_login(good_request(), [&](boost::system::error_code ec, neo::session) {
                ok += !ec;
                if (++done == n)
                    mock.stop();
                else
                    next();
            });
        };
        next();
        run();
        return ok;
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
    /// True if no captured log line holds the secret `s` (holds_secret: short ones as words).
    bool log_free_of_secret(std::string_view s) const {
        for (const auto& l : log_lines)
            if (holds_secret(l, s)) return false;
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

/// Counts the test program's `operator new` calls while `on` (the replacement lives in
/// freed_memory_test.cpp, which owns the program's operator new and delete).
struct allocation_count {
    std::atomic<bool> on{false};
    std::atomic<std::size_t> n{0};
};
allocation_count& allocations();

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
