// 07: a trading engine's shape. Four strategy coroutines on one io_context all await the session
// manager; one login serves them, and the session is renewed before it expires while they keep
// trading. Generation 2 (TOTP + MPIN), so no human is needed.
#include <neo/login.hpp>
#include <neo/mock/gateway.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <iostream>
#include <set>
#include <string>

namespace asio = boost::asio;
using namespace std::chrono_literals;

asio::awaitable<void> strategy(int id, neo::session_manager& sessions, std::set<std::string>& seen, int& trades) {
    asio::steady_timer tick(co_await asio::this_coro::executor);
    for (int i = 0; i < 10; ++i) {
        // Every order asks the manager: it answers at once with the current session, logs in
        // once for everybody when there is none, and renews ahead of expiry.
        const neo::session s = co_await sessions.async_session();
        seen.insert(s.sid);  // the sid, never the token: tokens are secrets
        ++trades;            // place an order with s.token / s.sid / s.base_url here
        tick.expires_after(250ms);
        co_await tick.async_wait(asio::use_awaitable);
    }
    std::cout << "strategy " << id << " done\n";
}

int main() {
    asio::io_context io;
    // Tokens that live 5 s, so the renewal shows within this short run.
    neo::mock::gateway mock(io.get_executor(), {.token_lifetime = 5s});

    auto params = mock.client_params();
    params.logger.level = neo::log_level::info;
    params.logger.sink = [](neo::log_level, std::string_view line) { std::cout << "  log: " << line << "\n"; };
    neo::client client{io, params};

    // In an engine: mobile, UCC, seed and MPIN come from its secret store.
    neo::session_manager sessions{client,
                                  neo::totp_recipe{.mobilenumber = "9999999908",
                                                   .ucc = "TESTYA24",
                                                   .totp_seed = neo::secret(neo::mock::fixture{}.totp_secret),
                                                   .mpin = "123456",
                                                   .totp_source = {}},
                                  {.renew_margin = 3s, .min_validity = 1s}};  // renew when less than 3 s are left

    std::set<std::string> seen;
    int trades = 0, finished = 0;
    for (int id = 1; id <= 4; ++id)
        asio::co_spawn(io, strategy(id, sessions, seen, trades), [&](std::exception_ptr e) {
            if (e) std::cout << "a strategy failed\n";
            if (++finished == 4) mock.stop();
        });
    io.run();

    std::cout << trades << " orders, " << sessions.logins_started() << " logins, " << seen.size()
              << " distinct sessions used\n";
    // One login for the four strategies, then at least one renewal, and no order without a session.
    return trades == 40 && sessions.logins_started() >= 2 && seen.size() >= 2 ? 0 : 1;
}
