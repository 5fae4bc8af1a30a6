// The shapes of the gateway's answers (protocol.md): JSON error bodies of both generations, the
// canned answers of scripted statuses, the Date header, and the route a request takes. No I/O.
#pragma once

#include <neo/mock/gateway.hpp>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace neo::mock::contract {

using request_t = boost::beast::http::request<boost::beast::http::string_body>;
using response_t = boost::beast::http::response<boost::beast::http::string_body>;

response_t make_response(unsigned status, std::string body, std::string_view content_type = "application/json");
// What the gateway answers with a status and nothing more said (a scripted status without a body).
response_t canned(unsigned status);
// Generation 1: {"error":[{"code":...,"message":...}]}.
std::string error_array(std::string_view code, std::string_view message);
// Generation 2: {"status":"error","message":...,"errorCode":...}, and the failure inside a 200.
std::string gen2_error(unsigned code, std::string_view message);
std::string gen2_failure(int st_code, std::string_view message);
// {"data": data} with status 200.
response_t ok(boost::json::object data);

// An IMF-fixdate (RFC 9110), spelled out by hand: no locale can change it.
std::string http_date(std::chrono::system_clock::time_point t);

// The endpoint a request is for (login and second factor share a path: told apart by the sid,
// Auth, otp or userId the second factor carries).
route route_of(const request_t& req);

}  // namespace neo::mock::contract
