// neo/client.hpp: the I/O object that logs in.
#pragma once

#include <neo/client_params.hpp>
#include <neo/diagnostics.hpp>
#include <neo/login_request.hpp>
#include <neo/session.hpp>

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

namespace neo {

/// The completion signature of `async_login`.
using login_signature = void(boost::system::error_code, session);
using login_handler = boost::asio::any_completion_handler<login_signature>;

/// The default completion token: `co_await client.async_login(req)` inside an
/// `asio::awaitable` yields the session and throws `boost::system::system_error` on failure.
using default_completion_token = boost::asio::deferred_t;

namespace detail {
struct client_impl;
std::shared_ptr<client_impl> make_client_impl(boost::asio::any_io_executor ex, client_params params);
void start_login(std::shared_ptr<client_impl> impl, login_request req, diagnostics* diag, login_handler handler);

template <class T>
inline constexpr bool is_diagnostics_v = std::is_same_v<std::decay_t<T>, diagnostics>;

struct initiate_login {
    std::shared_ptr<client_impl> impl;
    template <class Handler>
    void operator()(Handler&& h, login_request req, diagnostics* diag) const {
        start_login(impl, std::move(req), diag, login_handler(std::forward<Handler>(h)));
    }
};
}  // namespace detail

/// Logs in to the Kotak Neo Trade API. Cheap to keep, meant to live as long as the engine: it
/// holds the TLS context (made once) and the cached OAuth2 app token.
///
/// Thread safety: distinct objects safe; a shared object is safe for concurrent `async_login`
/// calls (each operation runs on its own strand of the client's executor).
class client {
public:
    using executor_type = boost::asio::any_io_executor;

    /// Throws `boost::system::system_error` when `params.ca_file` or `params.ca_pem` cannot be
    /// loaded, or when the TLS context cannot be made.
    explicit client(executor_type ex, client_params params = {});
    explicit client(boost::asio::io_context& ctx, client_params params = {});
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
    /// Cancellation: terminal, partial and total are all honoured in every phase and during a
    /// backoff wait; the handler then gets `operation_aborted` once and nothing is left running.
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

private:
    std::shared_ptr<detail::client_impl> impl_;
};

}  // namespace neo
