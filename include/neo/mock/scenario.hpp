// neo/mock/scenario.hpp: scripting the mock gateway from JSON or a short list.
#pragma once

#include <neo/detail/config.hpp>

#include <neo/mock/gateway.hpp>

#include <string_view>
#include <vector>

NEO_VISIBLE_BEGIN
namespace neo::mock {

struct scenario {
    std::vector<answer> app_token{};
    std::vector<answer> login{};
    std::vector<fault> connections{};
    /// Answers for the other routes (otp_generate, second_factor, logout, totp_login,
    /// totp_validate), in the order given.
    std::vector<std::pair<route, std::vector<answer>>> more{};
};

/// The route of a name as `to_string(route)` spells it; throws std::invalid_argument otherwise.
route route_from_name(std::string_view name);

/// `429:2,503,200`: statuses in order; `:N` adds `Retry-After: N`; also the words `stall`,
/// `close`, `close_mid_answer`. Throws std::invalid_argument on anything else.
std::vector<answer> parse_answer_list(std::string_view list);

/// `{"app_token":[…], "login":[…], "totp_login":[…] (any route name), "connections":["close_before_tls", …]}`
/// where each answer is
/// `{"status":429, "retry_after":"2", "headers":{…}, "body":"…", "delay_ms":0, "action":"stall"}`.
/// Throws std::invalid_argument with the reason.
scenario parse_scenario(std::string_view json);

void apply(gateway& g, const scenario& s);

}  // namespace neo::mock
NEO_VISIBLE_END
