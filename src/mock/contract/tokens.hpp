// What the mock mints: random UUIDs, JWTs shaped like the gateway's (random signature), and the
// Basic credentials it expects. No I/O.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace neo::mock::contract {

std::string base64(std::string_view in);
std::string base64url(std::string_view in);  // unpadded
std::string uuid();                          // version 4
// header.claims.signature, RS256-sized (the signature is random: nobody checks it).
std::string jwt(const boost::json::object& claims);
// "Basic " + base64(user ":" password), as RFC 7617 and the OAuth2 step send them.
std::string basic_credentials(std::string_view user, std::string_view password);
std::int64_t unix_now();

}  // namespace neo::mock::contract
