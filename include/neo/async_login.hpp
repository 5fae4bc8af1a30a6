// neo/async_login.hpp: a one-shot login without keeping a client.
#pragma once

#include <neo/detail/config.hpp>

#include <neo/client.hpp>

NEO_VISIBLE_BEGIN
namespace neo {

namespace detail {
boost::asio::any_io_executor executor_of(boost::asio::io_context& ctx) noexcept;
}  // namespace detail

/// Makes a client for this one call (its TLS context included) and logs in. Prefer a
/// `neo::client` when logging in more than once. See `client::async_login` for the contract.
template <class Token = default_completion_token>
requires(!detail::is_diagnostics_v<Token>) auto async_login(boost::asio::any_io_executor ex, client_params params,
                                                            login_request req, Token&& token = {}) {
    return boost::asio::async_initiate<Token, login_signature>(
        detail::initiate_login{detail::make_client_impl(std::move(ex), std::move(params))}, token, std::move(req),
        static_cast<diagnostics*>(nullptr));
}

template <class Token = default_completion_token>
auto async_login(boost::asio::any_io_executor ex, client_params params, login_request req, diagnostics& diag,
                 Token&& token = {}) {
    return boost::asio::async_initiate<Token, login_signature>(
        detail::initiate_login{detail::make_client_impl(std::move(ex), std::move(params))}, token, std::move(req),
        &diag);
}

template <class Token = default_completion_token>
requires(!detail::is_diagnostics_v<Token>) auto async_login(boost::asio::io_context& ctx, client_params params,
                                                            login_request req, Token&& token = {}) {
    return neo::async_login(detail::executor_of(ctx), std::move(params), std::move(req), std::forward<Token>(token));
}

template <class Token = default_completion_token>
auto async_login(boost::asio::io_context& ctx, client_params params, login_request req, diagnostics& diag,
                 Token&& token = {}) {
    return neo::async_login(detail::executor_of(ctx), std::move(params), std::move(req), diag,
                            std::forward<Token>(token));
}

}  // namespace neo
NEO_VISIBLE_END
