// 05: a custom retry policy and a logger; the mock answers 503 twice, then 200.
#include <neo/login.hpp>
#include <neo/mock/gateway.hpp>

#include <boost/asio/io_context.hpp>

#include <iostream>

int main() {
    using namespace std::chrono_literals;
    boost::asio::io_context io;
    neo::mock::gateway mock(io.get_executor());
    mock.script(neo::mock::route::login, {{.status = 503}, {.status = 503, .headers = {{"Retry-After", "0"}}}});

    neo::client_params params = mock.client_params();
    params.retry = {
        .max_attempts = 6, .initial_backoff = 20ms, .initial_backoff_429 = 100ms, .max_backoff = 200ms, .deadline = 5s};
    params.timeouts.exchange = 2s;
    params.logger = {.level = neo::log_level::info, .sink = [](neo::log_level l, std::string_view line) {
                         std::cout << "[" << neo::to_string(l) << "] " << line << "\n";
                     }};
    neo::client client{io, params};
    neo::diagnostics diag;
    int rc = 1;
    client.async_login({.mobilenumber = "9999999908", .password = "mock-password"}, diag,
                       [&](boost::system::error_code ec, neo::session) {
                           std::cout << (ec ? ec.message() : "logged in") << " after " << diag.attempts
                                     << " attempts\n";
                           for (const auto& a : diag.history)
                               std::cout << "  #" << a.number << " " << a.step << " HTTP " << a.http_status
                                         << " waited " << a.wait.count() << " ms\n";
                           rc = ec ? 1 : 0;
                           mock.stop();
                       });
    io.run();
    return rc;
}
