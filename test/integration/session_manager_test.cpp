// neo::session_manager against the mock: single flight, renewal, failure fan-out, waiter
// cancellation, persistence, and a multi-threaded io_context.
#include "fixture.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <neo/detail/request.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <fstream>
#include <optional>
#include <set>
#include <thread>

using namespace neo_test;
using neo::errc;
using neo::mock::route;

namespace {

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string b64url(const std::string& s) {
    auto t = neo::detail::base64_encode(s);
    while (!t.empty() && t.back() == '=') t.pop_back();
    for (auto& c : t) c = c == '+' ? '-' : c == '/' ? '_' : c;
    return t;
}

// A session file's text (format 2) with the given binding object whose token carries `claims`
// (a JSON object); `base_url` goes into the data (and must match the binding's to be used).
std::string saved_file(const boost::json::object& binding, const std::string& claims,
                       const std::string& base_url = "") {
    boost::json::object data{{"token", b64url(R"({"alg":"RS256"})") + "." + b64url(claims) + ".c2ln"}, {"sid", "x"}};
    if (!base_url.empty()) data["baseUrl"] = base_url;
    return boost::json::serialize(
        boost::json::object{{"format", "neo-session/2"}, {"binding", binding}, {"data", std::move(data)}});
}

struct temp_file {
    std::string path;
    temp_file() {
        path = (std::filesystem::temp_directory_path() /
                ("neo-session-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++)))
                   .string();
        std::remove(path.c_str());
    }
    ~temp_file() {
        std::remove(path.c_str());
        std::remove((path + ".lock").c_str());
    }
    static int& counter() {
        static int n = 0;
        return n;
    }
    std::string read() const {
        std::ifstream in(path);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
};

// Starts `n` coroutines awaiting the manager at once; counts the outcomes.
struct crowd {
    std::atomic<int> ok{0}, failed{0}, done{0};
    boost::system::error_code last_error;
    std::mutex mu;
    std::set<std::string> tokens;

    void start(asio::any_io_executor ex, neo::session_manager& m, int n, std::function<void()> on_all_done) {
        for (int i = 0; i < n; ++i) {
            asio::co_spawn(
                ex,
                [&, n, on_all_done]() -> asio::awaitable<void> {
                    auto [ec, s] = co_await m.async_session(nothrow);
                    {
                        std::lock_guard lock(mu);
                        if (ec) {
                            last_error = ec;
                        } else {
                            tokens.insert(s.token);
                        }
                    }
                    (ec ? failed : ok)++;
                    if (++done == n) on_all_done();
                },
                asio::detached);
        }
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(session_manager)

BOOST_FIXTURE_TEST_CASE(a_thousand_awaiters_cause_one_login, fixture) {
    neo::session_manager m{neo::client{io, params()}, totp_recipe()};
    crowd c;
    c.start(io.get_executor(), m, 1000, [&] { mock.stop(); });
    run(30s);
    BOOST_TEST(c.ok == 1000);
    BOOST_TEST(c.failed == 0);
    BOOST_TEST(c.tokens.size() == 1u);
    BOOST_TEST(m.logins_started() == 1u);
    BOOST_TEST(count(route::totp_login) == 1u);
    BOOST_TEST(count(route::totp_validate) == 1u);
}

BOOST_FIXTURE_TEST_CASE(otp_generated_in_one_run_is_used_in_the_next_on_the_same_view_session, fixture) {
    temp_file file;
    auto recipe = [] {
        return neo::password_recipe{.login = good_request(),
                                    .mpin = {},
                                    .otp = [](neo::otp_handler h) { std::move(h)(boost::system::error_code{}, neo::secret("4321")); },
                                    .generate_otp = false};
    };
    neo::session view, trade;
    boost::system::error_code no_source;
    std::size_t second_logins = 99;
    run_coro([&]() -> asio::awaitable<void> {
        {
            neo::session_manager first{neo::client{io, params()}, recipe(), {.session_file = file.path}};
            view = co_await first.async_generate_otp();
        }
        // Another process: a new manager on the same file.
        neo::session_manager second{neo::client{io, params()}, recipe(), {.session_file = file.path}};
        trade = co_await second.async_session();
        second_logins = count(route::login);
        neo::session_manager mpin_only{neo::client{io, params()}, mpin_recipe()};
        std::tie(no_source, std::ignore) = co_await mpin_only.async_generate_otp(nothrow);
    });
    BOOST_TEST(view.claims->scope.at(0) == "View");
    BOOST_TEST(trade.claims->scope.at(0) == "Trade");
    BOOST_TEST(second_logins == 1u);  // the second manager logged in no more
    BOOST_TEST(count(route::otp_generate) == 1u);
    BOOST_TEST(count(route::second_factor) == 1u);
    const auto reqs = mock.requests();
    BOOST_REQUIRE(!reqs.empty());
    for (const auto& r : reqs)
        if (r.route == route::second_factor) BOOST_TEST(r.header("sid") == view.sid);
    BOOST_TEST(file.read().find("\"stage\"") == std::string::npos);  // the trade session replaced it
    BOOST_TEST(no_source == errc::no_second_factor);
    BOOST_TEST(count(route::login) == 1u);  // nothing sent for it
}

BOOST_FIXTURE_TEST_CASE(generation1_with_mpin_and_with_an_otp_source, fixture) {
    neo::session_manager with_mpin{neo::client{io, params()}, mpin_recipe()};
    int otp_asked = 0;
    neo::password_recipe r{.login = good_request(), .mpin = {}, .otp = [&](neo::otp_handler h) {
                               ++otp_asked;
                               // The user types the OTP later, from elsewhere.
                               asio::post(io, [h = std::move(h)]() mutable {
                                   std::move(h)(boost::system::error_code{}, neo::secret("4321"));
                               });
                           }};
    neo::session_manager with_otp{neo::client{io, params()}, std::move(r)};
    neo::session a, b;
    run_coro([&]() -> asio::awaitable<void> {
        a = co_await with_mpin.async_session();
        b = co_await with_otp.async_session();
    });
    BOOST_TEST(a.claims->scope.at(0) == "Trade");
    BOOST_TEST(b.claims->scope.at(0) == "Trade");
    BOOST_TEST(otp_asked == 1);
    BOOST_TEST(count(route::login) == 2u);
    BOOST_TEST(count(route::otp_generate) == 1u);
    BOOST_TEST(count(route::second_factor) == 2u);
}

BOOST_FIXTURE_TEST_CASE(renews_before_expiry_without_a_gap, fixture_short_tokens) {
    // Tokens live 20 s; the margin is 30 s, so every session is already "due" for renewal:
    // the second call must get the current session at once while a renewal starts.
    neo::session_manager m{neo::client{io, params()}, totp_recipe(), {.renew_margin = 30s, .min_validity = 1s}};
    neo::session first, second, third;
    std::size_t logins_during_second = 0;
    run_coro([&]() -> asio::awaitable<void> {
        first = co_await m.async_session();
        second = co_await m.async_session();
        logins_during_second = m.logins_started();
        // Poll (bounded) until the renewed session is handed out.
        asio::steady_timer t(io);
        for (int i = 0; i < 300; ++i) {
            third = co_await m.async_session();
            if (third.token != first.token) break;
            t.expires_after(10ms);
            co_await t.async_wait(asio::use_awaitable);
        }
    });
    BOOST_TEST(second.token == first.token);  // no waiting for the renewal
    BOOST_TEST(logins_during_second == 2u);   // but the renewal started
    BOOST_TEST(third.token != first.token);   // and then replaced the session
    BOOST_TEST(count(route::totp_login) >= 2u);
    BOOST_TEST((third.expires_at() > std::chrono::system_clock::now()));
    bool logged = false;
    for (const auto& l : log_lines) logged |= l.find("renewing before expiry") != std::string::npos;
    BOOST_TEST(logged);
}

BOOST_FIXTURE_TEST_CASE(many_callers_inside_the_margin_start_exactly_one_renewal, fixture_short_tokens) {
    // Tokens live 20 s and the margin is 30 s: once the first session is there, every caller is
    // inside the margin. Fifty of them at once get the current session and share one renewal.
    neo::session_manager m{neo::client{io, params()}, totp_recipe(), {.renew_margin = 30s, .min_validity = 1s}};
    neo::session first;
    std::vector<std::string> got;
    run_coro([&]() -> asio::awaitable<void> {
        first = co_await m.async_session();
        for (int i = 0; i < 50; ++i)
            m.async_session([&](boost::system::error_code ec, neo::session s) {
                if (!ec) got.push_back(s.token);
            });
        // Until the renewal has finished (bounded), then a little longer for any other to start.
        asio::steady_timer t(io);
        for (int i = 0; i < 500 && (got.size() < 50u || count(route::totp_validate) < 2u); ++i) {
            t.expires_after(10ms);
            co_await t.async_wait(asio::use_awaitable);
        }
        t.expires_after(200ms);
        co_await t.async_wait(asio::use_awaitable);
    });
    BOOST_TEST(got.size() == 50u);
    for (const auto& token : got) BOOST_TEST((token == first.token));  // none waited for the renewal
    BOOST_TEST(m.logins_started() == 2u);                               // the first login and one renewal
    BOOST_TEST(count(route::totp_login) == 2u);
    BOOST_TEST(count(route::totp_validate) == 2u);
}

BOOST_FIXTURE_TEST_CASE(fresh_sessions_are_not_renewed, fixture) {
    neo::session_manager m{neo::client{io, params()}, totp_recipe(), {.renew_margin = 60s}};
    run_coro([&]() -> asio::awaitable<void> {
        for (int i = 0; i < 5; ++i) co_await m.async_session();
    });
    BOOST_TEST(m.logins_started() == 1u);
    BOOST_TEST(count(route::totp_login) == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_failure_reaches_every_waiter_and_the_next_call_tries_again, fixture) {
    neo::session_manager m{neo::client{io, params()}, totp_recipe()};
    mock.script(route::totp_validate, {{.status = 401}});
    crowd c;
    neo::session later;
    c.start(io.get_executor(), m, 50, [&] {
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                later = co_await m.async_session();
                mock.stop();
            },
            asio::detached);
    });
    run();
    BOOST_TEST(c.failed == 50);
    BOOST_TEST(c.last_error == errc::unauthorized);
    BOOST_TEST(!later.token.empty());
    BOOST_TEST(m.logins_started() == 2u);
    BOOST_TEST(count(route::totp_validate) == 2u);
}

// Two callers of one manager: the first cancelled once `cancel_after` has passed, the second
// left alone; when both have completed, the mock stops (so the io_context runs dry).
struct two_callers {
    asio::cancellation_signal sig;
    boost::system::error_code cancelled_ec, other_ec;
    std::chrono::milliseconds cancelled_after{}, other_after{};
    int finished = 0;
    std::optional<asio::steady_timer> cancel;

    two_callers(fixture& f, neo::session_manager& m, std::chrono::milliseconds cancel_after) {
        const auto t0 = steady::now();
        auto since = [t0] { return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0); };
        m.async_session(asio::bind_cancellation_slot(sig.slot(), [&f, this, since](boost::system::error_code ec,
                                                                                     neo::session) {
            cancelled_ec = ec;
            cancelled_after = since();
            if (++finished == 2) f.mock.stop();
        }));
        m.async_session([&f, this, since](boost::system::error_code ec, neo::session) {
            other_ec = ec;
            other_after = since();
            if (++finished == 2) f.mock.stop();
        });
        cancel.emplace(f.io, cancel_after);
        cancel->async_wait([this](auto) { sig.emit(asio::cancellation_type::terminal); });
    }
};

// Another process holds the session file's lock: the wait never blocks the event loop (a timer
// ticks through it), a cancelled waiter completes at once, and the others fail with
// deadline_exceeded when the client's deadline passes, with nothing sent.
BOOST_FIXTURE_TEST_CASE(waiting_for_another_process_s_lock_is_bounded_and_cancellable, fixture) {
    temp_file file;
    const int fd = ::open((file.path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    BOOST_REQUIRE(fd >= 0);
    BOOST_REQUIRE(::flock(fd, LOCK_EX) == 0);  // an open file description of its own: "another process"
    auto p = params();
    p.retry.deadline = 600ms;
    neo::session_manager m{neo::client{io, p}, totp_recipe(), {.session_file = file.path}};
    two_callers c(*this, m, 100ms);
    int ticks = 0;
    asio::steady_timer tick(io);
    std::function<void()> on_tick = [&] {
        tick.expires_after(10ms);
        tick.async_wait([&](boost::system::error_code ec) {
            if (ec || c.finished == 2) return;
            ++ticks;
            on_tick();
        });
    };
    on_tick();
    run();
    ::close(fd);
    BOOST_TEST((c.cancelled_ec == asio::error::operation_aborted));
    BOOST_TEST(c.cancelled_after.count() < 300);
    BOOST_TEST((c.other_ec == errc::deadline_exceeded), c.other_ec.message());
    BOOST_TEST(c.other_after.count() >= 600);
    BOOST_TEST(c.other_after.count() < 3000);
    BOOST_TEST(ticks >= 30);  // the loop kept running while the manager waited
    BOOST_TEST(count(route::totp_login) == 0u);
    BOOST_TEST(!log_free_of("another process holds the session file's lock"));
}

BOOST_FIXTURE_TEST_CASE(cancelling_one_waiter_leaves_the_login_to_the_others, fixture) {
    neo::session_manager m{neo::client{io, params()}, totp_recipe()};
    mock.script(route::totp_login, {{.delay = 300ms}});
    two_callers c(*this, m, 50ms);
    run();
    BOOST_TEST((c.cancelled_ec == asio::error::operation_aborted));
    BOOST_TEST(c.cancelled_after.count() < 250);  // before the login could have finished
    BOOST_TEST(!c.other_ec);
    BOOST_TEST(c.other_after.count() >= 300);
    BOOST_TEST(m.logins_started() == 1u);
    BOOST_TEST(count(route::totp_login) == 1u);
}

BOOST_FIXTURE_TEST_CASE(invalidate_forces_a_new_login, fixture) {
    temp_file file;
    neo::session_manager m{neo::client{io, params()}, totp_recipe(), {.session_file = file.path}};
    neo::session a, b;
    bool file_gone = false;
    run_coro([&]() -> asio::awaitable<void> {
        a = co_await m.async_session();
        m.invalidate();
        asio::steady_timer t(io, 5ms);
        co_await t.async_wait(asio::use_awaitable);
        file_gone = !std::filesystem::exists(file.path);
        b = co_await m.async_session();
    });
    BOOST_TEST(file_gone);
    BOOST_TEST(a.token != b.token);
    BOOST_TEST(m.logins_started() == 2u);
    BOOST_TEST(std::filesystem::exists(file.path));  // saved again
}

BOOST_FIXTURE_TEST_CASE(persistence_round_trip, fixture) {
    temp_file file;
    neo::session saved, reused;
    std::size_t second_logins = 99;
    {
        neo::session_manager m{neo::client{io, params()}, totp_recipe(), {.session_file = file.path}};
        run_coro([&]() -> asio::awaitable<void> {
            saved = co_await m.async_session();
            // A restart: a new client and manager reading the same file.
            neo::session_manager again{neo::client{io, params()}, totp_recipe(), {.session_file = file.path}};
            reused = co_await again.async_session();
            second_logins = again.logins_started();
        });
    }
    struct stat st {};
    BOOST_REQUIRE(::stat(file.path.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0600);
    const auto name = std::filesystem::path(file.path).filename().string();
    for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(file.path).parent_path()))
        BOOST_TEST(e.path().filename().string().rfind("." + name + ".tmp", 0) != 0, e.path());  // no temporary left
    BOOST_TEST(reused.token == saved.token);
    BOOST_TEST(reused.sid == saved.sid);
    BOOST_TEST(reused.base_url == saved.base_url);
    BOOST_TEST(second_logins == 0u);
    BOOST_TEST(count(route::totp_login) == 1u);
}

namespace {

struct bad_file_row {
    std::string content;
    std::string why;  // in the warning
};

// Files that are trusted (ours, 0600) but must not be used, made from a genuine file's binding.
std::vector<bad_file_row> bad_file_rows(const boost::json::object& genuine) {
    const auto binding = genuine.at("binding").as_object();
    const std::string base_url(genuine.at("data").at("baseUrl").as_string());
    auto with = [&](const char* key, boost::json::value v) {
        auto b = binding;
        b[key] = std::move(v);
        return b;
    };
    const std::string good_exp = R"({"exp":)" + std::to_string(unix_now() + 3600) + "}";
    return {
        {"garbage{", "not a JSON object"},
        {std::string(70 * 1024, ' '), "larger than"},
        {R"({"format":"neo-session/1","who":"totp:TESTYA24","data":{"token":"a.b.c","sid":"x"}})",
         "saved in an older format (neo-session/1)"},
        {saved_file(with("environment", "uat"), good_exp, base_url), "saved for gateway uat, this is other"},
        {saved_file(with("environment", "prod"), good_exp, base_url), "saved for gateway prod, this is other"},
        {saved_file(with("origins", boost::json::array{"https://127.0.0.1:1"}), good_exp, base_url),
         "saved for https://127.0.0.1:1, this is https://127.0.0.1:"},
        {saved_file(with("generation", 1), good_exp, base_url), "saved by a generation 1 login, this is generation 2"},
        {saved_file(with("identity", boost::json::object{{"mobile", binding.at("identity").at("mobile")}, {"ucc", "OTHER"}}),
                    good_exp, base_url),
         "saved for another user (UCC)"},
        {saved_file(with("consumer_key_hmac_sha256", boost::json::string(64, '0')), good_exp, base_url),
         "saved for another application (consumer key)"},
        {saved_file(binding, good_exp, "https://elsewhere.example"), "its base URL is not the one its binding records"},
        // no exp; an implausible exp (year 2100); exp in 2001; exp in 10 s, below min_validity
        {saved_file(binding, R"({"sub":"TESTYA24"})", base_url), "the token has no expiry"},
        {saved_file(binding, R"({"exp":4102444800})", base_url), "implausible"},
        {saved_file(binding, R"({"exp":1000000000})", base_url), "expired or is about to"},
        {saved_file(binding, R"({"exp":)" + std::to_string(unix_now() + 10) + "}", base_url), "expired or is about to"},
    };
}

void plant(const std::string& path, const std::string& content) {
    std::ofstream(path, std::ios::trunc) << content;
    ::chmod(path.c_str(), 0600);  // trusted: only the content is wrong
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(corrupt_foreign_unbound_or_expired_files_are_ignored, fixture) {
    temp_file file;
    boost::json::object genuine;
    std::vector<bad_file_row> rows;
    std::vector<std::size_t> logins;
    std::vector<std::vector<std::string>> logs;
    std::size_t reused_logins = 99;
    run_coro([&]() -> asio::awaitable<void> {
        // A genuine file first: its binding is this manager's (gateway, generation 2, identity, key).
        {
            neo::session_manager m{neo::client{io, params()}, totp_recipe(), {.session_file = file.path}};
            co_await m.async_session();
        }
        genuine = boost::json::parse(file.read()).as_object();
        rows = bad_file_rows(genuine);
        for (const auto& r : rows) {
            plant(file.path, r.content);
            log_lines.clear();
            neo::session_manager m{neo::client{io, params()}, totp_recipe(), {.session_file = file.path}};
            co_await m.async_session();
            logins.push_back(m.logins_started());
            logs.push_back(log_lines);
        }
        // The rows' control: the genuine file itself is used as it is.
        plant(file.path, boost::json::serialize(genuine));
        neo::session_manager m{neo::client{io, params()}, totp_recipe(), {.session_file = file.path}};
        co_await m.async_session();
        reused_logins = m.logins_started();
    }, 60s);
    BOOST_TEST(genuine.at("format") == "neo-session/2");
    BOOST_TEST(genuine.at("binding").at("base_url") == genuine.at("data").at("baseUrl"));
    BOOST_TEST(boost::json::serialize(genuine).find(params().consumer_key) == std::string::npos);  // a digest only
    BOOST_REQUIRE(logins.size() == rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        BOOST_TEST(logins[i] == 1u, rows[i].why);  // a fresh login each time
        bool warned = false;
        for (const auto& l : logs[i])
            warned = warned || (l.find("ignoring the session file") != std::string::npos &&
                                l.find(rows[i].why) != std::string::npos);
        BOOST_TEST(warned, rows[i].why);
    }
    BOOST_TEST(reused_logins == 0u);
    // Nothing of a refused session was sent: the mock saw one login per row and the genuine one.
    BOOST_TEST(count(route::totp_login) == rows.size() + 1);
    BOOST_TEST(count(route::totp_validate) == rows.size() + 1);
}

BOOST_FIXTURE_TEST_CASE(untrusted_session_files_are_refused_and_never_block, fixture) {
    // A valid saved session, then the same bytes where another user could have put them.
    temp_file good;
    std::string saved_token, content;
    char tmpl[] = "/tmp/neo-trust-test-XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    auto plant = [&](const std::string& path) {
        std::ofstream(path, std::ios::trunc) << content;
        ::chmod(path.c_str(), 0600);
    };
    struct row {
        const char* why;
        std::function<std::string()> make;  // returns the path to load
    };
    // Every mode bit beyond the owner's counts, group and other alike.
    auto with_mode = [&](const char* name, mode_t mode) {
        return [&, name, mode] {
            plant(dir + "/" + name);
            ::chmod((dir + "/" + name).c_str(), mode);
            return dir + "/" + name;
        };
    };
    std::vector<row> rows = {
        {"mode gives group or other", with_mode("open", 0644)},
        {"mode gives group or other", with_mode("group-read", 0640)},
        {"mode gives group or other", with_mode("other-read", 0604)},
        {"mode gives group or other", with_mode("group-write", 0660)},
        {"mode gives group or other", with_mode("group-exec", 0610)},
        {"directory is writable by other users", [&] {
             BOOST_REQUIRE(::mkdir((dir + "/team").c_str(), 0700) == 0);
             ::chmod((dir + "/team").c_str(), 0770);  // group-writable, no sticky bit
             plant(dir + "/team/s");                  // the file itself is 0600
             return dir + "/team/s";
         }},
        {"symbolic link", [&] {
             plant(dir + "/target");
             BOOST_REQUIRE(::symlink((dir + "/target").c_str(), (dir + "/link").c_str()) == 0);
             return dir + "/link";
         }},
        {"not a regular file", [&] {
             BOOST_REQUIRE(::mkfifo((dir + "/fifo").c_str(), 0600) == 0);
             return dir + "/fifo";
         }},
        {"more than one link", [&] {
             plant(dir + "/linked");
             BOOST_REQUIRE(::link((dir + "/linked").c_str(), (dir + "/second-name").c_str()) == 0);
             return dir + "/linked";
         }},
        {"its directory is not a directory (or is a symbolic link)", [&] {
             BOOST_REQUIRE(::mkdir((dir + "/real-dir").c_str(), 0700) == 0);
             plant(dir + "/real-dir/s");
             BOOST_REQUIRE(::symlink((dir + "/real-dir").c_str(), (dir + "/dir-link").c_str()) == 0);
             return dir + "/dir-link/s";
         }},
        {"not a regular file", [&] {
             BOOST_REQUIRE(::mkdir((dir + "/adir").c_str(), 0700) == 0);
             return dir + "/adir";
         }},
        {"directory is writable by other users", [&] {
             BOOST_REQUIRE(::mkdir((dir + "/shared").c_str(), 0700) == 0);
             ::chmod((dir + "/shared").c_str(), 0777);  // no sticky bit
             plant(dir + "/shared/s");
             return dir + "/shared/s";
         }},
    };
    // A file of another user needs root to make (chown); CI runs as root. As a normal user that row
    // is left out, and the test log says so.
    if (::geteuid() == 0)
        rows.push_back({"belongs to another user", [&] {
                            plant(dir + "/foreign");
                            BOOST_REQUIRE(::chown((dir + "/foreign").c_str(), 65534, 65534) == 0);
                            return dir + "/foreign";
                        }});
    else
        BOOST_TEST_MESSAGE("untrusted_session_files: not root, so the row 'a file of another user' is skipped "
                           "(making one needs chown)");
    std::vector<std::string> paths;
    // Old code blocked in open() on the FIFO: a writer unblocks it after 5 s so the test ends.
    std::atomic<bool> finished{false};
    std::thread watchdog([&] {
        for (int i = 0; i < 500 && !finished; ++i) std::this_thread::sleep_for(10ms);
        if (!finished)
            if (const int fd = ::open((dir + "/fifo").c_str(), O_WRONLY | O_NONBLOCK); fd >= 0) ::close(fd);
    });
    struct result {
        std::size_t logins = 0;
        std::string token;
        std::chrono::milliseconds took{};
        std::vector<std::string> log;
    };
    std::vector<result> results(rows.size());
    run_coro([&]() -> asio::awaitable<void> {
        {
            neo::session_manager m{neo::client{io, params()}, totp_recipe(), {.session_file = good.path}};
            saved_token = (co_await m.async_session()).token;
        }
        content = good.read();
        BOOST_REQUIRE(content.find("neo-session/2") != std::string::npos);
        for (const auto& r : rows) paths.push_back(r.make());
        for (std::size_t i = 0; i < rows.size(); ++i) {
            log_lines.clear();
            const auto t0 = steady::now();
            neo::session_manager m{neo::client{io, params()}, totp_recipe(), {.session_file = paths[i]}};
            results[i].token = (co_await m.async_session()).token;
            results[i].logins = m.logins_started();
            results[i].took = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0);
            results[i].log = log_lines;
        }
    });
    finished = true;
    watchdog.join();
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = results[i];
        const auto* why = rows[i].why;
        auto logged = [&](const std::string& text) {
            for (const auto& l : r.log)
                if (l.find(text) != std::string::npos) return true;
            return false;
        };
        BOOST_TEST(r.took.count() < 2000, why);
        BOOST_TEST(r.logins == 1u, why);  // a fresh login, not the planted session
        BOOST_TEST(r.token != saved_token, why);
        BOOST_TEST(logged("ignoring the session file '" + paths[i] + "': "), why);
        BOOST_TEST(logged(why), why);
    }
    std::system(("rm -rf " + dir).c_str());
}

// A save never replaces what is at the path unless it is a session file of ours: the login's
// result still reaches the caller, with a warning, and the thing at the path is left as it was.
BOOST_FIXTURE_TEST_CASE(a_save_never_replaces_what_is_not_a_session_file_of_ours, fixture) {
    char tmpl[] = "/tmp/neo-save-test-XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    struct row {
        const char* name;
        std::function<void(const std::string&)> make;
        const char* why;
    };
    const std::vector<row> rows = {
        {"fifo", [](const std::string& p) { BOOST_REQUIRE(::mkfifo(p.c_str(), 0600) == 0); }, "not a regular file"},
        {"link", [&](const std::string& p) {
             std::ofstream(dir + "/elsewhere") << "the user's own file";
             BOOST_REQUIRE(::symlink((dir + "/elsewhere").c_str(), p.c_str()) == 0);
         }, "symbolic link"},
        {"dir", [](const std::string& p) { BOOST_REQUIRE(::mkdir(p.c_str(), 0700) == 0); }, "not a regular file"},
        {"hardlink", [&](const std::string& p) {
             std::ofstream(p) << "x";
             ::chmod(p.c_str(), 0600);
             BOOST_REQUIRE(::link(p.c_str(), (dir + "/other-name").c_str()) == 0);
         }, "more than one link"},
    };
    std::vector<std::string> tokens(rows.size());
    std::vector<std::vector<std::string>> logs(rows.size());
    run_coro([&]() -> asio::awaitable<void> {
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const auto path = dir + "/" + rows[i].name;
            rows[i].make(path);
            log_lines.clear();
            neo::session_manager m{neo::client{io, params()}, totp_recipe(), {.session_file = path}};
            tokens[i] = (co_await m.async_session()).token;
            logs[i] = log_lines;
        }
    });
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto path = dir + "/" + rows[i].name;
        BOOST_TEST(!tokens[i].empty(), rows[i].name);  // the login's result reached the caller
        bool warned = false;
        for (const auto& l : logs[i])
            warned = warned || (l.find("cannot save the session to '" + path + "'") != std::string::npos &&
                                l.find(rows[i].why) != std::string::npos);
        BOOST_TEST(warned, rows[i].name);
        struct stat st {};
        BOOST_TEST(::lstat(path.c_str(), &st) == 0);
    }
    struct stat st {};
    BOOST_TEST((::lstat((dir + "/fifo").c_str(), &st) == 0 && S_ISFIFO(st.st_mode)));
    BOOST_TEST((::lstat((dir + "/link").c_str(), &st) == 0 && S_ISLNK(st.st_mode)));
    std::ifstream in(dir + "/elsewhere");
    BOOST_TEST(std::string(std::istreambuf_iterator<char>(in), {}) == "the user's own file");
    for (const auto& e : std::filesystem::directory_iterator(dir))
        BOOST_TEST(e.path().filename().string().find(".tmp.") == std::string::npos, e.path());  // none left
    std::system(("rm -rf " + dir).c_str());
}

BOOST_AUTO_TEST_CASE(bad_totp_seed_is_refused_at_construction) {
    asio::io_context io;
    auto r = totp_recipe();
    r.totp_seed = "not base32!";
    try {
        neo::session_manager m{neo::client{io}, r};
        BOOST_FAIL("no exception");
    } catch (const boost::system::system_error& e) {
        BOOST_TEST(e.code() == errc::invalid_totp_secret);
        BOOST_TEST(std::string(e.what()).find("base32!") == std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(a_thousand_awaiters_on_four_threads) {
    neo::mock::gateway mock;  // its own thread
    asio::io_context io(4);
    auto p = mock.client_params();
    neo::session_manager m{neo::client{io, p}, totp_recipe()};
    crowd c;
    auto guard = asio::make_work_guard(io);
    c.start(io.get_executor(), m, 1000, [&] { guard.reset(); });
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) threads.emplace_back([&] { io.run_for(30s); });
    for (auto& t : threads) t.join();
    BOOST_TEST(c.ok == 1000);
    BOOST_TEST(c.tokens.size() == 1u);
    BOOST_TEST(m.logins_started() == 1u);
    BOOST_TEST(mock.request_count(route::totp_login) == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

// Renewal on time (proactive_renewal): nobody calls, and still the session is renewed at
// exp - renew_margin, over connections warmed warm_up_lead before; a failed renewal is tried
// again after the client's backoff; the manager's end stops the timer (the io_context runs dry).
BOOST_AUTO_TEST_SUITE(proactive_renewal)

namespace {

// Tokens live 20 s (exp in whole seconds); renewal 17 s before exp (2 to 3 s after the login).
// The warm-up's lead of 1 s is cut to half of keep_alive_idle (1 s in the first test): 0.5 s
// before the renewal, when the first login's kept connection is gone.
neo::session_manager_options on_time() {
    return {.renew_margin = 17s, .proactive_renewal = true, .warm_up_lead = 1s, .min_validity = 1s};
}

// Waits (bounded: 10 s) until `done()`.
asio::awaitable<bool> until(std::function<bool()> done) {
    asio::steady_timer t(co_await asio::this_coro::executor);
    for (int i = 0; i < 1000 && !done(); ++i) {
        t.expires_after(10ms);
        co_await t.async_wait(asio::use_awaitable);
    }
    co_return done();
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(renewed_without_a_call_over_warmed_connections, fixture_short_tokens) {
    auto p = params();
    p.keep_alive_idle = 1000ms;
    std::optional<neo::session_manager> m;
    m.emplace(neo::client{io, p}, totp_recipe(), on_time());
    run_coro([&]() -> asio::awaitable<void> {
        const auto first = co_await m->async_session();
        BOOST_TEST(m->logins_started() == 1u);
        // The warm-up's connection (the first login's is gone after 1 s), half a second before the
        // renewal's first request, which then goes over it.
        BOOST_TEST(co_await until([&] { return mock.handshakes() == 2u; }));
        const auto warmed_at = steady::now();
        BOOST_TEST(count(route::totp_login) == 1u);
        BOOST_TEST(co_await until([&] { return count(route::totp_validate) == 2u; }));
        BOOST_TEST((steady::now() - warmed_at >= 300ms));
        neo::session second;
        BOOST_TEST(co_await until([&] { return m->logins_started() == 2u && m->last_diagnostics().attempts > 0; }));
        for (int i = 0; i < 100 && (second.token.empty() || second.token == first.token); ++i)
            second = co_await m->async_session();  // the renewed one, as soon as it is there
        BOOST_TEST(second.token != first.token);
        BOOST_TEST(m->logins_started() == 2u);  // the calls started nothing
        BOOST_TEST(mock.handshakes() == 2u);    // the renewal made no connection of its own
        m.reset();  // the timer of the next renewal goes with it (else the io_context never runs dry)
    });
    bool warmed = false, scheduled = false;
    for (const auto& l : log_lines) {
        warmed |= l.find("warmed up") != std::string::npos;
        scheduled |= l.find("scheduled renewal") != std::string::npos;
    }
    BOOST_TEST(warmed);
    BOOST_TEST(scheduled);
    BOOST_TEST(count(route::totp_login) == 2u);
}

BOOST_FIXTURE_TEST_CASE(a_failed_renewal_is_tried_again_and_the_session_stays, fixture_short_tokens) {
    std::optional<neo::session_manager> m;
    auto o = on_time();
    o.warm_up_lead = 0s;
    m.emplace(neo::client{io, params()}, totp_recipe(), o);
    run_coro([&]() -> asio::awaitable<void> {
        const auto first = co_await m->async_session();
        mock.script(route::totp_login, {{.status = 400}});  // the first renewal is refused
        BOOST_TEST(co_await until([&] { return count(route::totp_validate) == 2u; }));
        BOOST_TEST(count(route::totp_login) == 3u);  // the refused one, then the retry
        neo::session second;
        asio::steady_timer t(io);
        for (int i = 0; i < 100 && (second.token.empty() || second.token == first.token); ++i) {
            second = co_await m->async_session();  // the current one meanwhile, then the renewed one
            t.expires_after(10ms);
            co_await t.async_wait(asio::use_awaitable);
        }
        BOOST_TEST(second.token != first.token);
        m.reset();
    });
    bool retried = false;
    for (const auto& l : log_lines) retried |= l.find("scheduled renewal failed: again in") != std::string::npos;
    BOOST_TEST(retried);
}

BOOST_FIXTURE_TEST_CASE(off_by_default_nothing_happens_without_a_call, fixture_short_tokens) {
    neo::session_manager m{neo::client{io, params()}, totp_recipe(), {.renew_margin = 17s, .min_validity = 1s}};
    run_coro([&]() -> asio::awaitable<void> {
        co_await m.async_session();
        asio::steady_timer t(io, 3500ms);
        co_await t.async_wait(asio::use_awaitable);
    });
    BOOST_TEST(count(route::totp_login) == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
