// 09: after the login. An engine calls the Neo API (here the limits, as the SDK does) with the
// headers the session manager gives for its session, learns from an answer that the gateway has
// revoked the session, invalidates that session, awaits the new one and retries once. Ten such
// engines see the same rejection; one new login serves them all. Generation 2 (TOTP + MPIN).
#include <neo/login.hpp>
#include <neo/mock/gateway.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <iostream>
#include <string>

namespace asio = boost::asio;
namespace http = boost::beast::http;

struct answer {
    unsigned status = 0;
    std::string body;
};

// The engine's own HTTP code: POST jData to the session's base URL with the session's headers.
asio::awaitable<answer> post_limits(const neo::api_headers& h, asio::ssl::context& tls) {
    // base_url is "https://host:port"; the SDK's path goes after it.
    const std::string rest = h.base_url.substr(std::string("https://").size());
    const std::string host = rest.substr(0, rest.rfind(':')), port = rest.substr(rest.rfind(':') + 1);
    auto ex = co_await asio::this_coro::executor;
    asio::ssl::stream<asio::ip::tcp::socket> s(ex, tls);
    SSL_set_tlsext_host_name(s.native_handle(), host.c_str());
    s.set_verify_callback(asio::ssl::host_name_verification(host));
    asio::ip::tcp::resolver resolver(ex);
    co_await asio::async_connect(s.next_layer(), co_await resolver.async_resolve(host, port, asio::use_awaitable),
                                 asio::use_awaitable);
    co_await s.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
    http::request<http::string_body> req{http::verb::post, "/quick/user/limits", 11};
    req.set(http::field::host, host);
    for (const auto& [name, value] : h.fields) req.set(name, value);  // secrets: never log them
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.body() = R"(jData={"seg":"ALL","exch":"ALL","prod":"ALL"})";
    req.prepare_payload();
    co_await http::async_write(s, req, asio::use_awaitable);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    co_await http::async_read(s, buffer, res, asio::use_awaitable);
    co_return answer{res.result_int(), std::move(res.body())};
}

// One engine: the call, and on a revoked session one recovery and one retry.
asio::awaitable<bool> engine(int id, neo::session_manager& sessions, asio::ssl::context& tls) {
    neo::session s = co_await sessions.async_session();
    answer a = co_await post_limits(sessions.headers_for(s), tls);
    auto verdict = neo::judge_api_answer(a.status, a.body);
    if (verdict == neo::api_verdict::session_gone) {
        std::cout << "engine " << id << ": session rejected; invalidating it and retrying once\n";
        sessions.invalidate(s);  // forgets it only if it is still the current session
        s = co_await sessions.async_session();
        a = co_await post_limits(sessions.headers_for(s), tls);
        verdict = neo::judge_api_answer(a.status, a.body);
    }
    if (verdict == neo::api_verdict::ip_not_whitelisted) std::cout << "engine " << id << ": whitelist this IP\n";
    co_return verdict == neo::api_verdict::session_stands&& a.status == 200;
}

int main() {
    asio::io_context io;
    neo::mock::gateway mock(io.get_executor());
    neo::client client{io, mock.client_params()};
    neo::session_manager sessions{client, neo::totp_recipe{.mobilenumber = "9999999908",
                                                           .ucc = "TESTYA24",
                                                           .totp_seed = neo::secret(neo::mock::fixture{}.totp_secret),
                                                           .mpin = "123456",
                                                           .totp_source = {}}};
    // The engine's own TLS context, trusting the mock's CA (a real engine: the system's CAs).
    asio::ssl::context tls(asio::ssl::context::tls_client);
    tls.add_certificate_authority(asio::buffer(mock.ca_pem()));
    tls.set_verify_mode(asio::ssl::verify_peer);

    constexpr int engines = 10;
    int ok = 0, done = 0;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            co_await sessions.async_session();  // logged in
            std::cout << "revoked " << mock.revoke_sessions() << " session(s) on the gateway\n";
            for (int id = 1; id <= engines; ++id)
                asio::co_spawn(io, engine(id, sessions, tls), [&](std::exception_ptr e, bool good) {
                    ok += !e && good;
                    if (++done == engines) mock.stop();
                });
        },
        [](std::exception_ptr e) {
            if (e) std::cout << "login failed\n";
        });
    io.run();
    std::cout << ok << " of " << engines << " engines got their limits; " << sessions.logins_started()
              << " logins in all\n";
    return ok == engines && sessions.logins_started() == 2 ? 0 : 1;
}
