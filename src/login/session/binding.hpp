// What a session is bound to: the gateway it came from, the environment, the generation, the
// identity and the application. A saved or pending session is used only by a manager whose
// binding is the same. Private.
#pragma once

#include <neo/detail/config.hpp>
#include <neo/gateway.hpp>

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace neo::detail {

struct NEO_HIDDEN session_binding {
    /// "uat", "prod" (the library's gateways) or "other" (any other origin, e.g. a mock).
    std::string environment;
    int generation = 0;
    /// The origins (https://host:port) of every host the login talks to, in step order.
    std::vector<std::string> origins;
    /// Generation 2's trade session: the `baseUrl` it returned (every later call goes there).
    std::string base_url;
    /// (field, value) pairs: "mobile", "pan", "userid", "ucc"; normalized.
    std::vector<std::pair<std::string, std::string>> identity;
    /// HMAC-SHA256 of the consumer key under a random salt (both hex): the key itself is never kept.
    std::string key_salt;
    std::string key_digest;

    /// The binding of a manager: `consumer_key` is digested under a fresh random salt.
    static session_binding of(const gateway& gw, int generation, std::vector<std::pair<std::string, std::string>> id,
                              std::string_view consumer_key);

    boost::json::object to_json() const;
    /// Nullopt-like: false when `v` is not a well-formed binding.
    static bool from_json(const boost::json::value& v, session_binding& out);

    /// Why a session saved under `saved` may not be used by this binding (`consumer_key`: this
    /// manager's, digested under the saved salt), in plain words naming what differs (hosts,
    /// environments, never a secret); empty when it may.
    std::string differs(const session_binding& saved, std::string_view consumer_key) const;
};

/// "https://host:port" of an endpoint (an IPv6 host in brackets).
NEO_HIDDEN std::string origin_of(const endpoint& ep);

}  // namespace neo::detail
