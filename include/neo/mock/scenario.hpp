// neo/mock/scenario.hpp: scripting the mock gateway from JSON or a short list.
#pragma once

#include <neo/mock/gateway.hpp>

#include <string_view>
#include <vector>

namespace neo::mock {

struct scenario {
    std::vector<answer> app_token;
    std::vector<answer> login;
    std::vector<fault> connections;
};

/// `429:2,503,200`: statuses in order; `:N` adds `Retry-After: N`; also the words `stall`,
/// `close`, `close_mid_answer`. Throws std::invalid_argument on anything else.
std::vector<answer> parse_answer_list(std::string_view list);

/// `{"app_token":[…], "login":[…], "connections":["close_before_tls", …]}` where each answer is
/// `{"status":429, "retry_after":"2", "headers":{…}, "body":"…", "delay_ms":0, "action":"stall"}`.
/// Throws std::invalid_argument with the reason.
scenario parse_scenario(std::string_view json);

void apply(gateway& g, const scenario& s);

}  // namespace neo::mock
