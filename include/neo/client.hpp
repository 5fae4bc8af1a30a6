// neo/client.hpp: the I/O object that logs in.
#pragma once

#include <neo/detail/config.hpp>
#include <neo/detail/link_check.hpp>

#include <neo/client_params.hpp>
#include <neo/diagnostics.hpp>
#include <neo/login_request.hpp>
#include <neo/session.hpp>
#include <neo/with_diagnostics.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/system/error_code.hpp>

#include <memory>
#include <type_traits>

namespace boost::asio {
class io_context;
}

NEO_VISIBLE_BEGIN
namespace neo {

/// The completion signature of `async_login`.
using login_signature = void(boost::system::error_code, session);
using login_handler = boost::asio::any_completion_handler<login_signature>;
/// The completion signature of the steps that yield nothing but success or an error
/// (`async_generate_otp`, `async_logout`).
using ack_signature = void(boost::system::error_code);
using ack_handler = boost::asio::any_completion_handler<ack_signature>;

/// The default completion token: `co_await client.async_login(req)` inside an
/// `asio::awaitable` yields the session and throws `boost::system::system_error` on failure.
/// For an exception that also says why, `co_await client.async_login(req,
/// neo::with_diagnostics(asio::use_awaitable))` throws `neo::error_with_diagnostics` (see
/// neo/with_diagnostics.hpp for why it is not the default).
using default_completion_token = boost::asio::deferred_t;

namespace detail {
struct NEO_HIDDEN client_impl;
struct NEO_HIDDEN client_access;
std::shared_ptr<client_impl> make_client_impl(boost::asio::any_io_executor ex, client_params params);
void start_login(std::shared_ptr<client_impl> impl, login_request req, diagnostics* diag, login_handler handler);

template <class T>
inline constexpr bool is_diagnostics_v = std::is_same_v<std::decay_t<T>, diagnostics>;

// The client's executor, for an initiation's get_executor() (asio::cancel_after and the other
// completion token adapters that run something of their own ask for it).
boost::asio::any_io_executor executor_of(const std::shared_ptr<client_impl>& impl) noexcept;

struct initiate_login {
    std::shared_ptr<client_impl> impl{};
    using executor_type = boost::asio::any_io_executor;
    executor_type get_executor() const noexcept { return executor_of(impl); }
    template <class Handler>
    void operator()(Handler&& h, login_request req, diagnostics* diag) const {
        start_login(impl, std::move(req), diag, login_handler(std::forward<Handler>(h)));
    }
};

// The arguments of one step of the family, made by compiled code (kept out of this header).
struct NEO_HIDDEN step_args;
std::shared_ptr<step_args> generate_otp_args(const session& view);
std::shared_ptr<step_args> second_factor_args(const session& view, second_factor f);
std::shared_ptr<step_args> logout_args(const session& trade);
std::shared_ptr<step_args> totp_login_args(totp_login_request r);
std::shared_ptr<step_args> totp_login_args(const identity& mobilenumber, const identity& ucc, secret totp);
std::shared_ptr<step_args> totp_validate_args(const session& view, secret mpin);
std::shared_ptr<step_args> warm_up_args(generation g);
void start_step(std::shared_ptr<client_impl> impl, std::shared_ptr<step_args> a, diagnostics* diag, login_handler h);
void start_step(std::shared_ptr<client_impl> impl, std::shared_ptr<step_args> a, diagnostics* diag, ack_handler h);

// The step's arguments ride in the initiation (a type these headers make visible), never as an
// argument of their own: a deferred operation's arguments become template arguments of the
// awaiter that a user's coroutine frame holds, and a hidden type there makes GCC warn in the
// user's file ("declared with greater visibility than the type of its field").
template <class Signature>
struct initiate_step {
    std::shared_ptr<client_impl> impl{};
    std::shared_ptr<step_args> args{};
    using executor_type = boost::asio::any_io_executor;
    executor_type get_executor() const noexcept { return executor_of(impl); }
    template <class Handler>
    void operator()(Handler&& h, diagnostics* diag) const {
        start_step(impl, args, diag, boost::asio::any_completion_handler<Signature>(std::forward<Handler>(h)));
    }
};
}  // namespace detail

/// Logs in to the Kotak Neo Trade API. Cheap to keep, meant to live as long as the engine: it
/// holds the TLS context (made once) and the cached OAuth2 app token.
///
/// Every step of the family (async_login, async_generate_otp, async_session_2fa, async_logout,
/// async_totp_login, async_totp_validate) runs through the same machinery: input checked before
/// anything is sent, the same retry policy, phase bounds, deadline, cancellation, TLS rules and
/// diagnostics. The `session` arguments are copied into the operation.
///
/// Copies share one state (TLS context, TLS sessions, kept-alive connections, retry budget, cached
/// app token, max_in_flight line): a copy is a second handle, like a `std::shared_ptr`. This is a
/// deliberate difference from Asio's I/O objects, which are move-only because each owns one
/// socket: a client owns no single socket but a pool that several parts of an engine share, and
/// the budget and the line only bound anything when everyone goes through the same state. (The
/// `session_manager` is move-only: it is one account's state machine, not something to share.)
/// Thread safety: distinct objects safe; a shared object is safe for concurrent operations
/// (each operation runs on its own strand of the client's executor).
class client {
public:
    using executor_type = boost::asio::any_io_executor;

    /// Throws `boost::system::system_error` when `params.ca_file` or `params.ca_pem` cannot be
    /// loaded, or when the TLS context cannot be made. (The last argument is never passed: see
    /// neo/detail/link_check.hpp.)
    explicit client(executor_type ex, client_params params = {}, detail::link_check = NEO_DETAIL_LINK_CHECK_HERE);
    explicit client(boost::asio::io_context& ctx, client_params params = {},
                    detail::link_check = NEO_DETAIL_LINK_CHECK_HERE);
    client(const client&) = default;
    client& operator=(const client&) = default;
    client(client&&) noexcept = default;
    client& operator=(client&&) noexcept = default;
    ~client();

    executor_type get_executor() const noexcept;
    const client_params& params() const noexcept;

    /// Logs in: the OAuth2 app token (unless `access_token` is set or a cached one is still
    /// valid), then the login of the seed page, retrying transient failures.
    ///
    /// Handler signature: `void(boost::system::error_code, neo::session)`. Errors are `neo::errc`
    /// values (compare with `neo::condition` for the group), or
    /// `boost::asio::error::operation_aborted` when cancelled.
    /// Object lifetimes: the request is moved into the operation; the client may be destroyed
    /// while the operation runs (the operation keeps what it needs alive).
    /// Executor: the handler runs on its associated executor, never inside this call, also when
    /// the request is rejected before any I/O.
    /// Cancellation, as Asio defines it (the handler's associated cancellation slot, so
    /// `asio::cancel_after`, `awaitable_operators` and `parallel_group` work): `terminal` is
    /// honoured always, in every phase and during a backoff wait; `partial` and `total` only while
    /// nothing has been sent for the current step (no side effect on the gateway yet: resolving,
    /// connecting, the TLS handshake, waiting for a slot of `max_in_flight`), and are ignored
    /// after that, the operation completing as usual. A cancelled operation completes once with
    /// `operation_aborted` and leaves nothing running. The same holds for every step of the
    /// family below (`async_generate_otp`, `async_session_2fa`, `async_logout`,
    /// `async_totp_login`, `async_totp_validate`) and for `async_warm_up`, which sends nothing, so
    /// every type ends it.
    template <class Token = default_completion_token>
    requires(!detail::is_diagnostics_v<Token>) auto async_login(login_request req, Token&& token = {}) {
        return boost::asio::async_initiate<Token, login_signature>(detail::initiate_login{impl_}, token, std::move(req),
                                                                   static_cast<diagnostics*>(nullptr));
    }

    /// As above; `diag` receives the HTTP status, the server's code and message, and every
    /// attempt. `diag` must outlive the operation; it is written just before the handler runs.
    template <class Token = default_completion_token>
    auto async_login(login_request req, diagnostics& diag, Token&& token = {}) {
        return boost::asio::async_initiate<Token, login_signature>(detail::initiate_login{impl_}, token, std::move(req),
                                                                   &diag);
    }

    // ---- Generation 1, after async_login ----------------------------------------------------

    /// Asks the gateway to send the OTP for the second factor (protocol.md step 3), for the user
    /// of `view` (its token's `sub`). Handler: `void(error_code)`. Same retry, timeout,
    /// cancellation, TLS and diagnostics rules as `async_login`; a session without token, sid or
    /// `sub` completes with `errc::invalid_session` before anything is sent.
    template <class Token = default_completion_token>
    requires(!detail::is_diagnostics_v<Token>) auto async_generate_otp(const session& view, Token&& token = {}) {
        return start<ack_signature>(detail::generate_otp_args(view), nullptr, token);
    }
    template <class Token = default_completion_token>
    auto async_generate_otp(const session& view, diagnostics& diag, Token&& token = {}) {
        return start<ack_signature>(detail::generate_otp_args(view), &diag, token);
    }

    /// The second factor (protocol.md step 4): the OTP or the MPIN turns the view session into a
    /// trade session. Sends `sid` and `Auth` of `view`. Handler: `void(error_code, neo::session)`.
    template <class Token = default_completion_token>
    requires(!detail::is_diagnostics_v<Token>) auto async_session_2fa(const session& view, second_factor f,
                                                                      Token&& token = {}) {
        return start<login_signature>(detail::second_factor_args(view, std::move(f)), nullptr, token);
    }
    template <class Token = default_completion_token>
    auto async_session_2fa(const session& view, second_factor f, diagnostics& diag, Token&& token = {}) {
        return start<login_signature>(detail::second_factor_args(view, std::move(f)), &diag, token);
    }

    /// Ends a trade session on the gateway (protocol.md step 5). Handler: `void(error_code)`.
    template <class Token = default_completion_token>
    requires(!detail::is_diagnostics_v<Token>) auto async_logout(const session& trade, Token&& token = {}) {
        return start<ack_signature>(detail::logout_args(trade), nullptr, token);
    }
    template <class Token = default_completion_token>
    auto async_logout(const session& trade, diagnostics& diag, Token&& token = {}) {
        return start<ack_signature>(detail::logout_args(trade), &diag, token);
    }

    // ---- Generation 2 (the current API): no OAuth2, `Authorization: <consumer key>` ----------

    /// tradeApiLogin: mobile number, UCC and the TOTP of the moment give a view session. Needs
    /// `params().consumer_key` (not the secret). Handler: `void(error_code, neo::session)`.
    template <class Token = default_completion_token>
    requires(!detail::is_diagnostics_v<Token>) auto async_totp_login(totp_login_request r, Token&& token = {}) {
        return start<login_signature>(detail::totp_login_args(std::move(r)), nullptr, token);
    }
    template <class Token = default_completion_token>
    auto async_totp_login(totp_login_request r, diagnostics& diag, Token&& token = {}) {
        return start<login_signature>(detail::totp_login_args(std::move(r)), &diag, token);
    }

    /// The same with the three values apart: `async_totp_login("9999999908", "TESTYA24", code)`.
    template <class Token = default_completion_token>
    requires(!detail::is_diagnostics_v<Token>) auto async_totp_login(identity mobilenumber, identity ucc, secret totp,
                                                                     Token&& token = {}) {
        return start<login_signature>(detail::totp_login_args(mobilenumber, ucc, std::move(totp)), nullptr, token);
    }
    template <class Token = default_completion_token>
    auto async_totp_login(identity mobilenumber, identity ucc, secret totp, diagnostics& diag, Token&& token = {}) {
        return start<login_signature>(detail::totp_login_args(mobilenumber, ucc, std::move(totp)), &diag, token);
    }

    /// tradeApiValidate: the MPIN (6 digits) turns the view session into a trade session that
    /// carries `base_url` and `data_center`. Handler: `void(error_code, neo::session)`.
    template <class Token = default_completion_token>
    requires(!detail::is_diagnostics_v<Token>) auto async_totp_validate(const session& view, secret mpin,
                                                                        Token&& token = {}) {
        return start<login_signature>(detail::totp_validate_args(view, std::move(mpin)), nullptr, token);
    }
    template <class Token = default_completion_token>
    auto async_totp_validate(const session& view, secret mpin, diagnostics& diag, Token&& token = {}) {
        return start<login_signature>(detail::totp_validate_args(view, std::move(mpin)), &diag, token);
    }

    // ---- Before the login ----------------------------------------------------------------

    /// Opens and TLS-handshakes a connection to every host a login of generation `g` will use
    /// (generation 1: the OAuth2 host, unless `access_token` is set or a cached app token is
    /// still valid, and the login host; generation 2: the TOTP login host), and keeps them as
    /// kept-alive connections under the usual rules (`keep_alive_idle`, checked before use), so
    /// that a login at the market open costs only its requests: no resolving, no TCP or TLS
    /// handshake. A host whose kept connection is live and has at least half of
    /// `keep_alive_idle` left is not connected again. Sends no request. Call it shortly (less
    /// than half of `keep_alive_idle`) before the login; a gateway may still close an idle
    /// connection earlier, which the login then replaces transparently.
    ///
    /// Handler: `void(error_code)`. `errc::invalid_params` at once when `keep_alive` is off or
    /// `keep_alive_idle` is 0 (nothing could be kept); otherwise the errors of a connection's
    /// set-up (resolve, connect, proxy, TLS), each host tried once, no retry. Diagnostics: one
    /// `attempt_record` per host, step "warm_up", `http_status` 0. Same phase bounds, deadline,
    /// admission (`max_in_flight`), cancellation and completion rules as `async_login`.
    template <class Token = default_completion_token>
    requires(!detail::is_diagnostics_v<Token>) auto async_warm_up(generation g, Token&& token = {}) {
        return start<ack_signature>(detail::warm_up_args(g), nullptr, token);
    }
    template <class Token = default_completion_token>
    auto async_warm_up(generation g, diagnostics& diag, Token&& token = {}) {
        return start<ack_signature>(detail::warm_up_args(g), &diag, token);
    }

private:
    template <class Signature, class Token>
    auto start(std::shared_ptr<detail::step_args> a, diagnostics* diag, Token& token) {
        return boost::asio::async_initiate<Token, Signature>(detail::initiate_step<Signature>{impl_, std::move(a)},
                                                             token, diag);
    }

    friend struct detail::client_access;
    std::shared_ptr<detail::client_impl> impl_{};
};

}  // namespace neo
NEO_VISIBLE_END
