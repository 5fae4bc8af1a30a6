// neo/session_manager.hpp: a trade session that is simply there, for many coroutines at once.
#pragma once

#include <neo/detail/config.hpp>

#include <neo/client.hpp>
#include <neo/api_call.hpp>
#include <neo/diagnostics.hpp>
#include <neo/login_request.hpp>
#include <neo/secret.hpp>
#include <neo/session.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>

NEO_VISIBLE_BEGIN
namespace neo {

/// Completes with the OTP the user received (4 digits), or an error.
using otp_handler = boost::asio::any_completion_handler<void(boost::system::error_code, secret)>;
/// Called after the gateway has sent an OTP; must eventually call the handler once (from any
/// thread). Used by `password_recipe` for an OTP second factor.
using otp_source = std::function<void(otp_handler)>;

/// Generation 1: `login` (identity + password or MPIN), then the second factor: the MPIN when
/// `mpin` is set (sent with the identity of `login`), else an OTP from `otp` (after
/// `async_generate_otp`, unless `generate_otp` is false because the source already holds a code
/// sent earlier). With neither, the manager hands out the view session itself.
struct password_recipe {
    login_request login{};
    basic_secret<16> mpin{};
    otp_source otp{};
    bool generate_otp = true;
};

/// Generation 2: `async_totp_login` with a code computed from `totp_seed` (base32, see
/// `neo::totp`) at each login, then `async_totp_validate` with `mpin`. Unattended.
/// `totp_source`, when set, gives the code instead (e.g. one typed by a user); then
/// `totp_seed` may stay empty.
struct totp_recipe {
    identity mobilenumber{};
    identity ucc{};
    /// Base32, at most 128 characters.
    basic_secret<128> totp_seed{};
    basic_secret<16> mpin{};
    std::function<secret()> totp_source{};
};

struct session_manager_options {
    /// A session is renewed once less than this is left before its token's `exp`. Callers keep
    /// getting the current (still valid) session while the renewal runs. Default: 5 minutes.
    std::chrono::seconds renew_margin{300};
    /// Renewal on time, not on demand: at `exp - renew_margin` the manager logs in by itself,
    /// whether or not anyone calls, so that an engine idle overnight finds a fresh session at the
    /// open (and the first call pays nothing). `warm_up_lead` before it, the connections of the
    /// login are opened (`client::async_warm_up`), so the renewal sends only its requests. A
    /// failed renewal is tried again after the client's backoff (`retry_policy`, counted per
    /// failure) while the session still has `min_validity` left; callers keep the current session
    /// meanwhile. The timer is work in the io_context: `run()` does not return while the manager
    /// lives (destroying the manager stops it). Default: off (renewal when a call finds the
    /// session within `renew_margin`).
    bool proactive_renewal = false;
    /// With `proactive_renewal`: how long before the renewal the connections are warmed up. Cut
    /// to half the client's `keep_alive_idle`, so they are still kept when the renewal comes.
    /// 0: no warm-up. Default: 5 s.
    std::chrono::seconds warm_up_lead{5};
    /// A held or saved session with less than this left before its `exp` is not handed out
    /// (the caller would start work with a token about to die): the call waits for a new login.
    /// The callers waiting for a login get its session whatever its lifetime (nothing fresher
    /// exists). Keep it below the gateway's token lifetime. Default: 30 s.
    std::chrono::seconds min_validity{30};
    /// When set: the session is saved there after each login (mode 0600, written to a new file
    /// with a random name, fsynced, renamed, then the directory fsynced), and on the first call a
    /// saved session bound to what this manager is bound to is used instead of logging in.
    ///
    /// Binding: the file (format `neo-session/2`) records the gateway's environment (uat, prod,
    /// or another origin), the origin of every host of the login, generation 2's `baseUrl`, the
    /// generation, the identity and an HMAC-SHA256 of the consumer key under a random salt (never
    /// the key). A saved session bound to anything else is ignored with a warning that names what
    /// differs ("saved for gateway uat, this is prod"); none of it is sent anywhere.
    ///
    /// Across processes: a login is single flight across processes too. An advisory lock
    /// (`flock` on `SESSION_FILE.lock` (the session file's name plus `.lock`), trusted by the same rules) is held from the decision
    /// to log in until the new session is saved; a process that finds it held waits (attempts on
    /// a timer, never blocking the event loop, within the client's `retry.deadline`, else
    /// `errc::deadline_exceeded`), then uses what the holder saved, logging in itself only if
    /// nothing usable is there. A holder that dies releases the lock.
    ///
    /// Trust, by descriptor: the directory is opened once (O_DIRECTORY|O_NOFOLLOW) and checked
    /// with fstat (owned by us or root, no other user can write to it unless it is sticky, as
    /// /tmp); the file is opened, created, renamed and removed relative to it, and trusted only
    /// when it is a regular file with one link, owned by the effective user, with no group or
    /// other permission bits (opened with O_NOFOLLOW|O_NONBLOCK: nothing blocks). A save never
    /// replaces what is not such a file (a FIFO, a device, a symbolic link): it fails with a
    /// warning and the login's result still reaches its callers. The components above the
    /// directory are the user's choice. A session without an `exp`, with an implausible one
    /// (over a year ahead) or with less than `min_validity` left is not reused. Whatever is
    /// refused is ignored with a warning in the client's log and a fresh login follows.
    /// `invalidate()` removes the file. Default: empty (no file).
    std::string session_file{};
};

/// A change of the manager's session, as a subscriber gets it (see `session_manager::subscribe`).
struct session_event {
    enum class kind {
        new_session,  ///< a login (the first, a renewal, after an invalidation) gave a new session
        invalidated,  ///< the session was invalidated (revoked, reported rejected, or forgotten)
        login_failed  ///< a login failed (a first login, an on-demand or a scheduled renewal)
    };
    kind what = kind::new_session;
    /// new_session: the session (also what `current()` returns now); otherwise null.
    std::shared_ptr<const session> current{};
    boost::system::error_code error{};  ///< login_failed: why
    /// new_session and login_failed: the login's diagnostics (every attempt of every step).
    std::shared_ptr<const diagnostics> diag{};
};
const char* to_string(session_event::kind k) noexcept;

/// Ends a subscription when destroyed (or when `reset()`); movable, not copyable.
class subscription {
public:
    subscription() = default;
    subscription(subscription&&) noexcept = default;
    subscription& operator=(subscription&& o) noexcept {
        if (this != &o) {
            reset();
            end_ = std::move(o.end_);
        }
        return *this;
    }
    subscription(const subscription&) = delete;
    subscription& operator=(const subscription&) = delete;
    ~subscription() { reset(); }
    /// Ends it: after this returns, the callback is never called again (a call already running
    /// on another thread finishes first).
    void reset() noexcept {
        if (end_) std::exchange(end_, nullptr)();
    }
    explicit operator bool() const noexcept { return static_cast<bool>(end_); }

    /// For the manager: `end` is called once, by reset().
    explicit subscription(std::function<void()> end) : end_(std::move(end)) {}

private:
    std::function<void()> end_{};
};

namespace detail {
struct NEO_HIDDEN manager_impl;
// The manager's executor (its client's), for the initiations' get_executor().
boost::asio::any_io_executor executor_of(const std::shared_ptr<manager_impl>& impl) noexcept;
void start_session_wait(const std::shared_ptr<manager_impl>& impl, login_handler h, diagnostics* diag);
void start_otp_generation(const std::shared_ptr<manager_impl>& impl, login_handler h, diagnostics* diag);
struct initiate_session_wait {
    std::shared_ptr<manager_impl> impl{};
    using executor_type = boost::asio::any_io_executor;
    executor_type get_executor() const noexcept { return executor_of(impl); }
    template <class Handler>
    void operator()(Handler&& h, diagnostics* diag) const {
        start_session_wait(impl, login_handler(std::forward<Handler>(h)), diag);
    }
};
void start_invalidation(const std::shared_ptr<manager_impl>& impl, std::size_t rejected, ack_handler h);
std::size_t session_key(const session& s) noexcept;
struct initiate_invalidation {
    std::shared_ptr<manager_impl> impl{};
    using executor_type = boost::asio::any_io_executor;
    executor_type get_executor() const noexcept { return executor_of(impl); }
    template <class Handler>
    void operator()(Handler&& h, std::size_t rejected) const {
        start_invalidation(impl, rejected, ack_handler(std::forward<Handler>(h)));
    }
};
struct initiate_otp_generation {
    std::shared_ptr<manager_impl> impl{};
    using executor_type = boost::asio::any_io_executor;
    executor_type get_executor() const noexcept { return executor_of(impl); }
    template <class Handler>
    void operator()(Handler&& h, diagnostics* diag) const {
        start_otp_generation(impl, login_handler(std::forward<Handler>(h)), diag);
    }
};
}  // namespace detail

/// Keeps a trade session for an engine: one login however many callers wait (single flight),
/// renewal before expiry, optional persistence across restarts.
///
/// - `async_session`: completes with a session whose token has not expired. Callers that arrive
///   while a login runs wait for that one login; its failure reaches each of them, and the next
///   call tries again. Cancelling one caller (per-operation cancellation) completes that caller
///   with `operation_aborted` and leaves the login running for the others.
/// - The login steps go through the `client` (its retry policy, bounds, deadline and log).
///
/// Thread safety: every member function may be called from any thread; the state lives on a
/// strand of the client's executor, so a multi-threaded `io_context` is fine. Handlers run on
/// their associated executor (by default the client's), never inside `async_session`.
/// Destroying the manager while a login runs is safe: the login finishes and its waiters complete.
class session_manager {
public:
    using executor_type = client::executor_type;

    /// Throws `boost::system::system_error` with `errc::invalid_totp_secret` for a bad seed.
    session_manager(client c, password_recipe r, session_manager_options o = {});
    session_manager(client c, totp_recipe r, session_manager_options o = {});
    session_manager(session_manager&&) noexcept = default;
    /// The manager assigned over stops as if destroyed (its proactive renewal ends).
    session_manager& operator=(session_manager&& other) noexcept;
    ~session_manager();

    executor_type get_executor() const noexcept;

    /// Handler signature: `void(boost::system::error_code, neo::session)` (the trade session).
    /// With `neo::with_diagnostics(token)`, a failure throws an `error_with_diagnostics` holding
    /// the diagnostics of the login this caller waited for.
    template <class Token = default_completion_token>
    requires(!detail::is_diagnostics_v<Token>) auto async_session(Token&& token = {}) {
        return boost::asio::async_initiate<Token, login_signature>(detail::initiate_session_wait{impl_}, token,
                                                                   static_cast<diagnostics*>(nullptr));
    }
    /// As above; `diag` receives the diagnostics of the login this caller waited for (every
    /// attempt of every step), or is cleared when a held session was handed out at once, or says
    /// why the wait ended (`detail`) when no login ran. Written just before the handler runs.
    template <class Token = default_completion_token>
    auto async_session(diagnostics& diag, Token&& token = {}) {
        return boost::asio::async_initiate<Token, login_signature>(detail::initiate_session_wait{impl_}, token, &diag);
    }

    /// The current session, at once, without suspending: for a hot path (a cached
    /// `co_await async_session()` costs a few microseconds and a trip through the strand). Null
    /// when there is none, or when it has less than `min_validity` left; then call
    /// `async_session`. The session stays valid while the pointer is held (its token is wiped
    /// when the last holder lets go). Thread-safe.
    std::shared_ptr<const session> current() const;

    /// Calls `f` on the client's executor for every change of the session from now on: a new
    /// session, an invalidation, a failed login (see `session_event`). An engine re-authenticates
    /// its websockets and order sessions there instead of polling. The subscription ends when the
    /// returned object is destroyed. `f` must not block; it may call the manager.
    subscription subscribe(std::function<void(const session_event&)> f);

    /// Generation 1 with an OTP second factor in two steps, possibly two processes: logs in,
    /// has the gateway send the OTP, and keeps that view session (in memory and, with
    /// `session_file`, on disk, marked as waiting for its OTP). The next `async_session` (of this
    /// manager, or of one made later on the same file) completes the second factor on that view
    /// session, with the code from the recipe's `otp` source, instead of logging in again: the
    /// OTP is used under the session that asked for it. Handler signature:
    /// `void(boost::system::error_code, neo::session)` (the view session). A recipe without an
    /// `otp` source completes with `errc::no_second_factor` and sends nothing.
    template <class Token = default_completion_token>
    requires(!detail::is_diagnostics_v<Token>) auto async_generate_otp(Token&& token = {}) {
        return boost::asio::async_initiate<Token, login_signature>(detail::initiate_otp_generation{impl_}, token,
                                                                   static_cast<diagnostics*>(nullptr));
    }
    template <class Token = default_completion_token>
    auto async_generate_otp(diagnostics& diag, Token&& token = {}) {
        return boost::asio::async_initiate<Token, login_signature>(detail::initiate_otp_generation{impl_}, token,
                                                                   &diag);
    }

    /// Forgets the current session (and removes the session file): the next call logs in.
    /// Prefer `invalidate(const session&)` when a later call learns that the gateway revoked the
    /// session: this form also throws away a session that was renewed meanwhile.
    void invalidate();

    /// Forgets `rejected` only if it is still the current session (and removes the session file
    /// only if the file still holds it): any number of callers that report the same rejected
    /// session cause one new login, and a session renewed meanwhile is kept. A session reported
    /// rejected is never handed out again, even by another process's file. Use
    /// `neo::judge_api_answer` to decide whether an answer means the session is gone.
    void invalidate(const session& rejected);

    /// As `invalidate(const session&)`, completing once it has taken effect (the session
    /// forgotten, the file removed if it held it): for a program that ends right after, such as
    /// a logout. Handler signature: `void(boost::system::error_code)` (never an error today).
    template <class Token = default_completion_token>
    auto async_invalidate(const session& rejected, Token&& token = {}) {
        return boost::asio::async_initiate<Token, ack_signature>(detail::initiate_invalidation{impl_}, token,
                                                                 detail::session_key(rejected));
    }

    /// What a later Neo API call needs from `s` (a session this manager handed out): the headers
    /// the official SDK sends, in its generation, and the base URL to send them to. See
    /// `neo::api_headers`.
    api_headers headers_for(const session& s) const;

    /// How many logins this manager has started (each a whole flow), for tests and metrics.
    std::size_t logins_started() const noexcept;

    /// The diagnostics of the most recent login that has finished (every attempt of every
    /// step). Prefer the `diagnostics&` overloads or `with_diagnostics`, which give each caller
    /// those of the login it waited for; this one may already be the next login's.
    diagnostics last_diagnostics() const;

private:
    std::shared_ptr<detail::manager_impl> impl_{};
};

}  // namespace neo
NEO_VISIBLE_END
