// A user's file: every asynchronous operation of the public API with every completion token,
// awaited from a free-function coroutine (the default token and the others) and from a lambda
// coroutine, started with a callback and with use_future. test/user_code/check.sh compiles it with
// GCC and Clang, -Wall -Wextra -Wpedantic -Werror, with default and with hidden visibility: a
// public header that makes a user's file warn fails there.
#include <neo/login.hpp>
#include <neo/mock/gateway.hpp>
#include <neo/mock/proxy.hpp>
#include <neo/with_diagnostics.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <future>

namespace asio = boost::asio;

namespace {

neo::login_request password_login() {
    return {.mobilenumber = "9999999908", .password = "pw"};
}
neo::totp_login_request totp_login() {
    return {.mobilenumber = "9999999908", .ucc = "TESTYA24", .totp = "123456"};
}

// The default token, in a free function: the README's own flows.
asio::awaitable<void> default_token(neo::client& c, neo::session_manager& m, asio::any_io_executor ex) {
    neo::diagnostics d;
    neo::session v = co_await c.async_login(password_login());
    v = co_await c.async_login(password_login(), d);
    co_await c.async_generate_otp(v);
    co_await c.async_generate_otp(v, d);
    neo::session t = co_await c.async_session_2fa(v, {.otp = "123456"});
    t = co_await c.async_session_2fa(v, {.otp = "123456"}, d);
    co_await c.async_logout(t);
    co_await c.async_logout(t, d);
    v = co_await c.async_totp_login(totp_login());
    v = co_await c.async_totp_login(totp_login(), d);
    v = co_await c.async_totp_login("9999999908", "TESTYA24", neo::secret{"123456"});
    v = co_await c.async_totp_login("9999999908", "TESTYA24", neo::secret{"123456"}, d);
    t = co_await c.async_totp_validate(v, neo::secret{"123456"});
    t = co_await c.async_totp_validate(v, neo::secret{"123456"}, d);
    t = co_await m.async_session();
    v = co_await m.async_generate_otp();
    co_await m.async_invalidate(t);
    t = co_await neo::async_login(ex, c.params(), password_login());
    t = co_await neo::async_login(ex, c.params(), password_login(), d);
}

// Any other token that an awaitable can await, in a free function.
template <class Token>
asio::awaitable<void> with_token(neo::client& c, neo::session_manager& m, asio::any_io_executor ex, Token token) {
    neo::diagnostics d;
    neo::session v;
    (void)co_await c.async_login(password_login(), token);
    (void)co_await c.async_login(password_login(), d, token);
    (void)co_await c.async_generate_otp(v, token);
    (void)co_await c.async_generate_otp(v, d, token);
    (void)co_await c.async_session_2fa(v, {.mpin = "1234", .mobilenumber = "9999999908"}, token);
    (void)co_await c.async_session_2fa(v, {.otp = "123456"}, d, token);
    (void)co_await c.async_logout(v, token);
    (void)co_await c.async_logout(v, d, token);
    (void)co_await c.async_totp_login(totp_login(), token);
    (void)co_await c.async_totp_login(totp_login(), d, token);
    (void)co_await c.async_totp_login("9999999908", "TESTYA24", neo::secret{"123456"}, token);
    (void)co_await c.async_totp_validate(v, neo::secret{"123456"}, token);
    (void)co_await c.async_totp_validate(v, neo::secret{"123456"}, d, token);
    (void)co_await m.async_session(token);
    (void)co_await m.async_generate_otp(token);
    (void)co_await m.async_invalidate(v, token);
    (void)co_await neo::async_login(ex, c.params(), password_login(), token);
    (void)co_await neo::async_login(ex, c.params(), password_login(), d, token);
}

}  // namespace

int main() {
    asio::io_context io;
    neo::mock::gateway mock(io.get_executor());
    neo::mock::proxy proxy(io.get_executor());
    neo::client c{io, mock.client_params()};
    neo::session_manager m{c, neo::totp_recipe{.mobilenumber = "9999999908",
                                               .ucc = "TESTYA24",
                                               .totp_seed = neo::secret{"JBSWY3DPEHPK3PXP"},
                                               .mpin = "1234"}};
    auto ex = io.get_executor();

    asio::co_spawn(io, default_token(c, m, ex), asio::detached);
    asio::co_spawn(io, with_token(c, m, ex, asio::deferred), asio::detached);
    asio::co_spawn(io, with_token(c, m, ex, asio::use_awaitable), asio::detached);
    asio::co_spawn(io, with_token(c, m, ex, asio::as_tuple(asio::use_awaitable)), asio::detached);
    asio::co_spawn(io, with_token(c, m, ex, asio::as_tuple(asio::deferred)), asio::detached);
    asio::co_spawn(io, with_token(c, m, ex, neo::with_diagnostics(asio::use_awaitable)), asio::detached);

    // A lambda coroutine with the default token.
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            neo::session v = co_await c.async_totp_login(totp_login());
            neo::session t = co_await c.async_totp_validate(v, neo::secret{"123456"});
            co_await c.async_generate_otp(v);
            t = co_await c.async_session_2fa(v, {.otp = "123456"});
            co_await c.async_logout(t);
            t = co_await m.async_session();
        },
        asio::detached);

    // Callbacks.
    neo::session v;
    auto on_session = [](boost::system::error_code, neo::session) {};
    auto on_ack = [](boost::system::error_code) {};
    c.async_login(password_login(), on_session);
    c.async_generate_otp(v, on_ack);
    c.async_session_2fa(v, {.otp = "123456"}, on_session);
    c.async_logout(v, on_ack);
    c.async_totp_login(totp_login(), on_session);
    c.async_totp_validate(v, neo::secret{"123456"}, on_session);
    m.async_session(on_session);
    m.async_generate_otp(on_session);
    m.async_invalidate(v, on_ack);
    m.invalidate(v);
    (void)m.headers_for(v).find("Sid");
    (void)neo::judge_api_answer(401, "");
    neo::async_login(ex, c.params(), password_login(), on_session);

    // Futures.
    std::future<neo::session> f1 = c.async_totp_login(totp_login(), asio::use_future);
    std::future<void> f2 = c.async_logout(v, asio::use_future);
    std::future<neo::session> f3 = m.async_session(asio::use_future);
    std::future<void> f4 = m.async_invalidate(v, asio::use_future);

    io.run_for(std::chrono::seconds(5));
    mock.stop();
    proxy.stop();
    return 0;
}
