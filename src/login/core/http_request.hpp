// The HTTP request of one attempt: its headers, its serialization into one buffer, and the wiping
// of the tokens it carries. No I/O.
#pragma once

#include <neo/client_params.hpp>
#include <neo/gateway.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>
#include <string_view>

namespace neo::detail {

using request_t = boost::beast::http::request<boost::beast::http::string_body>;

// The Host header's value: [v6] in brackets, the port only when it is not 443.
std::string host_header(const endpoint& ep);

// A POST to `ep` with the client's User-Agent, Accept, Connection and the given Authorization.
request_t make_request(const client_params& p, const endpoint& ep, std::string_view authorization, std::string body,
                       std::string_view content_type = "application/json");

// Overwrites the body and the headers that carry tokens (Authorization, Auth).
void wipe_request(request_t& req);

// The request in one string, sized for its headers and body from the start; should it still have
// to grow, the old buffer is wiped before it is freed.
std::string serialize(request_t& req);

}  // namespace neo::detail
