// neo/with_diagnostics.hpp: errors that say why, for the completion tokens that throw.
#pragma once

#include <neo/detail/config.hpp>

#include <neo/diagnostics.hpp>

#include <boost/asio/associator.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <exception>
#include <memory>
#include <type_traits>
#include <utility>

NEO_VISIBLE_BEGIN
namespace neo {

/// What a failed operation throws through `with_diagnostics(token)`:
/// its error code, as a `boost::system::system_error`, and its diagnostics (redacted: no secret,
/// no token), so a bare `co_await client.async_login(req)` that fails says why. Like
/// Boost.MySQL's `error_with_diagnostics`. `what()` sums the diagnostics up in one line.
class error_with_diagnostics : public boost::system::system_error {
public:
    error_with_diagnostics(boost::system::error_code ec, diagnostics diag);
    const diagnostics& get_diagnostics() const noexcept { return diag_; }

private:
    diagnostics diag_;
};

/// A completion token adapter: an operation whose handler would get `(error_code, T...)` completes
/// `token` with `(std::exception_ptr, T...)` instead, the pointer null on success and holding an
/// `error_with_diagnostics` on failure. `co_await op(req, neo::with_diagnostics(asio::use_awaitable))`
/// throws that exception; a `use_future` future rethrows it; a callback or `as_tuple` receives the
/// pointer. The operation's diagnostics are those it fills (the `diagnostics&` overloads still fill
/// the caller's too); an operation without any (the session manager's) gives empty ones.
///
/// Why it is not the default token (Boost.MySQL made it theirs): the default is `asio::deferred`,
/// and Boost 1.81's Asio cannot `co_await` a deferred operation whose signature is
/// `(std::exception_ptr, T)` (its awaitable_async_op_handler tests `*result` where it means
/// `*result.ex_`, which does not compile). Changing the default to `use_awaitable` instead would
/// tie every call to `awaitable<T, any_io_executor>` and break `deferred` compositions.
template <class Token>
struct with_diagnostics_t {
    Token token{};
};

template <class Token>
with_diagnostics_t<std::decay_t<Token>> with_diagnostics(Token&& token) {
    return {std::forward<Token>(token)};
}

namespace detail {

// The caller's handler behind the adapter: (error_code, T...) in, (exception_ptr, T...) out.
template <class Handler>
struct throwing_handler {
    Handler handler;
    std::shared_ptr<diagnostics> own = std::make_shared<diagnostics>();
    diagnostics* filled = nullptr;  // what the operation writes: `own`, or the caller's

    template <class... T>
    void operator()(boost::system::error_code ec, T&&... t) {
        std::exception_ptr e;
        if (ec) e = std::make_exception_ptr(error_with_diagnostics(ec, filled ? *filled : diagnostics{}));
        std::move(handler)(std::move(e), std::forward<T>(t)...);
    }
};

template <class Signature>
struct throwing_signature;
template <class... T>
struct throwing_signature<void(boost::system::error_code, T...)> {
    using type = void(std::exception_ptr, T...);
};

// Hands the operation the handler, and a diagnostics object to fill when the caller gave none.
template <class Initiation>
struct throwing_initiation {
    Initiation init;

    template <class Handler, class... Args>
    void operator()(Handler&& h, Args&&... args) {
        throwing_handler<std::decay_t<Handler>> th{std::forward<Handler>(h)};
        [[maybe_unused]] auto fix = [&th](auto&& a) -> decltype(auto) {  // unused for no arguments
            if constexpr (std::is_same_v<std::decay_t<decltype(a)>, diagnostics*>) {
                th.filled = a ? a : th.own.get();
                return static_cast<diagnostics*>(th.filled);
            } else {
                return std::forward<decltype(a)>(a);
            }
        };
        call(std::move(th), fix(std::forward<Args>(args))...);
    }

private:
    // The handler goes in by reference here and is moved only inside `init`, after every `fix`
    // above has run: an initiation that takes its handler by value still gets `filled` set.
    template <class TH, class... Args>
    void call(TH&& th, Args&&... args) {
        std::move(init)(std::forward<TH>(th), std::forward<Args>(args)...);
    }
};

}  // namespace detail
}  // namespace neo
NEO_VISIBLE_END

namespace boost::asio {

template <class Token, class... T>
struct async_result<neo::with_diagnostics_t<Token>, void(boost::system::error_code, T...)> {
    template <class Initiation, class RawToken, class... Args>
    static auto initiate(Initiation&& init, RawToken&& token, Args&&... args) {
        // The inner token as the caller holds it (a const adapter holds a const token).
        using inner = std::conditional_t<std::is_const_v<std::remove_reference_t<RawToken>>, const Token, Token>;
        return async_initiate<inner, void(std::exception_ptr, T...)>(
            neo::detail::throwing_initiation<std::decay_t<Initiation>>{std::forward<Initiation>(init)}, token.token,
            std::forward<Args>(args)...);
    }
};

template <template <class, class> class Associator, class Handler, class DefaultCandidate>
struct associator<Associator, neo::detail::throwing_handler<Handler>, DefaultCandidate> {
    using type = typename Associator<Handler, DefaultCandidate>::type;
    static type get(const neo::detail::throwing_handler<Handler>& h) noexcept {
        return Associator<Handler, DefaultCandidate>::get(h.handler);
    }
    static auto get(const neo::detail::throwing_handler<Handler>& h, const DefaultCandidate& c) noexcept
        -> decltype(Associator<Handler, DefaultCandidate>::get(h.handler, c)) {
        return Associator<Handler, DefaultCandidate>::get(h.handler, c);
    }
};

}  // namespace boost::asio
