// The fake back end behind the mock's contract (see backend.hpp).
#include "backend.hpp"

#include "tokens.hpp"

#include <boost/json/array.hpp>

namespace neo::mock::contract {

namespace json = boost::json;
using steady = std::chrono::steady_clock;

std::chrono::system_clock::time_point backend::clock_now() const {
    return std::chrono::system_clock::now() + params_.clock_offset;
}

bool backend::over_rate_limit(const std::string& key) {
    if (params_.rate_limit == 0) return false;
    std::lock_guard lock(mu_);
    auto& [start, count] = rate_[key];
    const auto now = steady::now();
    if (now - start >= params_.rate_window) {
        start = now;
        count = 0;
    }
    return ++count > params_.rate_limit;
}

std::string backend::issue_app_token() {
    const std::string token = jwt({{"sub", params_.fixture.consumer_key}, {"scope", "default"}, {"jti", uuid()}});
    std::lock_guard lock(mu_);
    app_tokens_[token] = steady::now() + params_.app_token_lifetime;
    issued_.push_back(token);
    return token;
}

bool backend::app_token_valid(const std::string& token) const {
    std::lock_guard lock(mu_);
    const auto it = app_tokens_.find(token);
    return it != app_tokens_.end() && steady::now() <= it->second;
}

json::object backend::issue_session(bool trade, bool gen2, std::string_view bearer) {
    const auto& fx = params_.fixture;
    const auto now = unix_now();
    const std::string token = jwt({{"scope", json::array{trade ? "Trade" : "View"}},
                                   {"exp", now + params_.token_lifetime.count()},
                                   {"jti", uuid()},
                                   {"iat", now},
                                   {"iss", "login-service"},
                                   {"sub", fx.sub},
                                   {"ucc", fx.ucc},
                                   {"fetchcachingrule", 0},
                                   {"categorisation", ""}});
    const auto ts = std::to_string(now);
    const std::string sid = uuid();
    json::object data{{"token", token},
                      {"sid", sid},
                      {"rid", uuid()},
                      {"hsServerId", "server1"},
                      {"isUserPwdExpired", false},
                      {"caches", json::object{{"baskets", ts},
                                              {"lastUpdatedTS", ts},
                                              {"multiplewatchlists", ts},
                                              {"techchartpreferences", ts},
                                              {"watchlist", ts}}},
                      {"ucc", fx.ucc},
                      {"greetingName", fx.greeting_name},
                      {"isTrialAccount", false},
                      {"dataCenter", "mock"},
                      {"searchAPIKey", ""}};
    if (gen2) {
        data["kType"] = trade ? "Trade" : "View";
        data["status"] = "success";
        if (trade) data["baseUrl"] = "https://127.0.0.1:" + std::to_string(port_);
    }
    std::lock_guard lock(mu_);
    sessions_[sid] = live_session{token, steady::now() + params_.token_lifetime, trade, gen2, std::string(bearer), ++seq_};
    issued_.push_back(token);
    return data;
}

bool backend::session_valid(std::string_view sid, std::string_view auth, bool trade, bool gen2) const {
    std::lock_guard lock(mu_);
    const auto it = sessions_.find(sid);
    return it != sessions_.end() && it->second.token == auth && it->second.trade == trade && it->second.gen2 == gen2 &&
           steady::now() < it->second.expiry;
}

void backend::end_session(std::string_view sid) {
    std::lock_guard lock(mu_);
    if (auto it = sessions_.find(sid); it != sessions_.end()) sessions_.erase(it);
}

std::size_t backend::revoke_all() {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    const auto now = steady::now();
    for (const auto& [sid, live] : sessions_) n += now < live.expiry;
    sessions_.clear();
    return n;
}

void backend::otp_sent(const std::string& user, std::string_view bearer) {
    std::lock_guard lock(mu_);
    if (user != params_.fixture.sub) return;
    const std::string* newest = nullptr;
    std::uint64_t seq = 0;
    const auto now = steady::now();
    for (const auto& [sid, live] : sessions_)
        if (!live.trade && !live.gen2 && live.bearer == bearer && now < live.expiry && live.seq > seq) {
            newest = &sid;
            seq = live.seq;
        }
    if (newest) otp_sent_[*newest] = true;
}

bool backend::take_otp(std::string_view sid, std::string_view bearer, std::string_view otp) {
    std::lock_guard lock(mu_);
    auto it = otp_sent_.find(sid);
    const auto s = sessions_.find(sid);
    if (it == otp_sent_.end() || s == sessions_.end() || s->second.bearer != bearer || otp != params_.fixture.otp)
        return false;
    otp_sent_.erase(it);  // one use per generation
    return true;
}

std::vector<std::string> backend::issued_tokens() const {
    std::lock_guard lock(mu_);
    return issued_;
}

std::size_t backend::live_sessions() const {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    const auto now = steady::now();
    for (const auto& [sid, live] : sessions_) n += now < live.expiry;
    return n;
}

void backend::reset_rate_windows() {
    std::lock_guard lock(mu_);
    rate_.clear();
}

void backend::reset() {
    std::lock_guard lock(mu_);
    app_tokens_.clear();
    sessions_.clear();
    otp_sent_.clear();
    issued_.clear();
}

}  // namespace neo::mock::contract
