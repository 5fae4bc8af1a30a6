// The fake back end behind the mock's contract: app tokens, live sessions, OTPs sent, rate windows
// and every token handed out, with the gateway's parameters (fixture user, lifetimes, limits,
// clock offset). Thread-safe; no I/O.
#pragma once

#include <neo/mock/gateway.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace neo::mock::contract {

class backend {
public:
    explicit backend(gateway_params params) : params_(std::move(params)) {}

    const gateway_params& params() const noexcept { return params_; }
    // The port the trade session's baseUrl names (generation 2).
    void set_port(std::uint16_t port) noexcept { port_ = port; }
    // The mock's clock: ours, shifted by gateway_params::clock_offset.
    std::chrono::system_clock::time_point clock_now() const;

    // Counts a call of `key` (its Authorization) in the rate window; true when over the limit.
    bool over_rate_limit(const std::string& key);
    std::string issue_app_token();
    bool app_token_valid(const std::string& token) const;
    // A fresh token and the `data` object of a session; the session is live from now on.
    // `bearer`: the app token it was issued under (generation 1).
    boost::json::object issue_session(bool trade, bool gen2, std::string_view bearer = {});
    // The sid/Auth pair names a live session of this kind.
    bool session_valid(std::string_view sid, std::string_view auth, bool trade, bool gen2) const;
    void end_session(std::string_view sid);
    // Ends every live session; returns how many.
    std::size_t revoke_all();
    // The OTP generation of `user` under `bearer`: the OTP belongs to the newest live view session
    // issued to the fixture user under that same app token (the SDK keeps one Bearer for every
    // step; the request names no session).
    void otp_sent(const std::string& user, std::string_view bearer);
    // True once per OTP generation, for the view session `sid` it was sent for, presented under
    // the Bearer that session was issued under, when `otp` is the fixture's.
    bool take_otp(std::string_view sid, std::string_view bearer, std::string_view otp);

    std::vector<std::string> issued_tokens() const;
    std::size_t live_sessions() const;
    void reset_rate_windows();
    // Forgets tokens, sessions, OTPs and the tokens issued.
    void reset();

private:
    struct live_session {
        std::string token;
        std::chrono::steady_clock::time_point expiry;
        bool trade = false;
        bool gen2 = false;
        std::string bearer;     // the app token it was issued under (generation 1)
        std::uint64_t seq = 0;  // issue order
    };
    const gateway_params params_;
    std::uint16_t port_ = 0;
    mutable std::mutex mu_;  // guards what follows
    std::map<std::string, std::chrono::steady_clock::time_point> app_tokens_;
    std::map<std::string, std::pair<std::chrono::steady_clock::time_point, unsigned>> rate_;
    std::map<std::string, live_session, std::less<>> sessions_;  // by sid
    std::map<std::string, bool, std::less<>> otp_sent_;          // by the view session's sid
    std::uint64_t seq_ = 0;
    std::vector<std::string> issued_;                            // every token handed out
};

}  // namespace neo::mock::contract
