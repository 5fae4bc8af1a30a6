// The warm-up (see warm_up.hpp).
#include "warm_up.hpp"

#include "../net/open_connection.hpp"
#include "attempts.hpp"

#include <neo/error.hpp>

namespace neo::detail {

namespace asio = boost::asio;
using boost::system::error_code;

std::vector<const endpoint*> warm_up_hosts(const client_params& p, generation g, bool have_app_token) {
    const auto& gw = p.gateway;
    std::vector<const endpoint*> all;
    if (g == generation::one) {
        if (!have_app_token) all.push_back(&gw.app_token);
        all.insert(all.end(), {&gw.login, &gw.otp_generate});
    } else {
        all.insert(all.end(), {&gw.totp_login, &gw.totp_validate});
    }
    std::vector<const endpoint*> hosts;
    for (const endpoint* ep : all) {
        bool seen = false;
        for (const endpoint* h : hosts) seen = seen || host_key(*h) == host_key(*ep);
        if (!seen) hosts.push_back(ep);
    }
    return hosts;
}

asio::awaitable<error_code> warm_up(op_state& st, std::vector<const endpoint*> hosts) {
    st.diag.step = "warm_up";
    st.diag.step_attempts = 0;
    for (const endpoint* ep : hosts) {
        const auto key = host_key(*ep);
        // Warm already: a live kept connection with at least half of the idle bound left (the
        // login is meant to come within it). An older one is replaced (closed as it is dropped).
        if (auto kept = st.idle.take(key)) {
            const bool warm = steady::now() - kept->used < st.params().keep_alive_idle / 2 && kept->tls.still_open();
            if (warm) (void)st.idle.keep(std::move(kept));
            if (warm) continue;
        }
        const auto t0 = steady::now();
        http_result r;
        auto net = st.net();
        auto conn = co_await open_connection(net, *ep, r);
        attempt_record rec = new_attempt(st, "warm_up", *ep, r, t0);
        rec.path.clear();  // a connection, no request
        rec.verdict = conn ? "connected" : "not retried";
        keep_attempt(st, std::move(rec));
        if (!conn) {
            st.diag.failed_phase = r.failed;
            st.diag.detail = r.detail;
            st.log(log_level::warning, "warm-up of " + key + ": " + (r.detail.empty() ? r.ec.message() : r.detail));
            co_return r.ec;
        }
        conn->clean = true;
        conn->used = steady::now();
        (void)st.idle.keep(std::move(conn));
        st.log(log_level::info, std::string("warmed up ") + key + (r.tls_resumed ? " (TLS resumed)" : ""));
    }
    co_return error_code{};
}

}  // namespace neo::detail
