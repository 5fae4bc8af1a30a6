// The HTTP request of one attempt (see http_request.hpp).
#include "http_request.hpp"

#include <neo/secret.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

namespace neo::detail {

namespace beast = boost::beast;
namespace http = beast::http;

std::string host_header(const endpoint& ep) {
    boost::system::error_code ec;
    const auto a = boost::asio::ip::make_address(ep.host, ec);
    std::string h = !ec && a.is_v6() ? "[" + ep.host + "]" : ep.host;
    if (ep.port != "443") h += ":" + ep.port;
    return h;
}

request_t make_request(const client_params& p, const endpoint& ep, std::string_view authorization, std::string body,
                       std::string_view content_type) {
    request_t req{http::verb::post, ep.target, 11};
    req.set(http::field::host, host_header(ep));
    req.set(http::field::user_agent, p.user_agent);
    req.set(http::field::content_type, content_type);
    req.set(http::field::accept, "application/json");
    req.set(http::field::authorization, authorization);
    req.keep_alive(p.keep_alive);
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
}

void wipe_request(request_t& req) {
    wipe(req.body());
    for (auto& f : req) {
        if (f.name() == http::field::authorization || beast::iequals(f.name_string(), "Auth")) {
            auto v = f.value();
            wipe(const_cast<char*>(v.data()), v.size());
        }
    }
}

std::string serialize(request_t& req) {
    std::size_t size = 64 + req.target().size() + req.body().size();
    for (const auto& f : req) size += f.name_string().size() + f.value().size() + 4;
    std::string out;
    out.reserve(size);
    auto append = [&](const char* p, std::size_t n) {
        if (out.size() + n > out.capacity()) {
            std::string bigger;
            bigger.reserve(2 * (out.size() + n));
            bigger = out;
            wipe(out);
            out.swap(bigger);
        }
        out.append(p, n);
    };
    http::serializer<true, http::string_body> sr{req};
    boost::system::error_code ec;
    do {
        sr.next(ec, [&](boost::system::error_code&, const auto& buffers) {
            for (const auto b : beast::buffers_range_ref(buffers)) append(static_cast<const char*>(b.data()), b.size());
            sr.consume(beast::buffer_bytes(buffers));
        });
    } while (!ec && !sr.is_done());
    return out;
}

}  // namespace neo::detail
