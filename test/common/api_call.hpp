// A post-login Neo API call, the way an engine makes one with Beast (not with the library's
// code): POST jData to the session's base URL with the headers neo::api_headers gives.
#pragma once

#include <neo/api_call.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <openssl/ssl.h>

#include <string>
#include <utility>

namespace neo_test {

struct api_answer {
    unsigned status = 0;
    std::string body;
};

/// POSTs `jData={"seg":"ALL","exch":"ALL","prod":"ALL"}` to `h.base_url + path` with `h`'s fields,
/// trusting `ca_pem`. Throws on a transport error.
inline boost::asio::awaitable<api_answer> call_api(const neo::api_headers& h, std::string path,
                                                   const std::string& ca_pem) {
    namespace asio = boost::asio;
    namespace http = boost::beast::http;
    const std::string prefix = "https://";
    if (h.base_url.rfind(prefix, 0) != 0) throw std::runtime_error("base URL is not https");
    const auto rest = h.base_url.substr(prefix.size());
    const auto colon = rest.rfind(':');
    const std::string host = rest.substr(0, colon);
    const std::string port = colon == std::string::npos ? "443" : rest.substr(colon + 1);
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.add_certificate_authority(asio::buffer(ca_pem));
    ctx.set_verify_mode(asio::ssl::verify_peer);
    auto ex = co_await asio::this_coro::executor;
    asio::ssl::stream<asio::ip::tcp::socket> s(ex, ctx);
    SSL_set_tlsext_host_name(s.native_handle(), host.c_str());
    s.set_verify_callback(asio::ssl::host_name_verification(host));
    asio::ip::tcp::resolver r(ex);
    co_await asio::async_connect(s.next_layer(), co_await r.async_resolve(host, port, asio::use_awaitable),
                                 asio::use_awaitable);
    co_await s.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
    http::request<http::string_body> req{http::verb::post, path, 11};
    req.set(http::field::host, host);
    for (const auto& [k, v] : h.fields) req.set(k, v);
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.set(http::field::accept, "application/json");
    req.body() = R"(jData={"seg":"ALL","exch":"ALL","prod":"ALL"})";
    req.prepare_payload();
    co_await http::async_write(s, req, asio::use_awaitable);
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    co_await http::async_read(s, buf, res, asio::use_awaitable);
    boost::system::error_code ignored;
    s.lowest_layer().close(ignored);
    co_return api_answer{res.result_int(), std::move(res.body())};
}

}  // namespace neo_test
