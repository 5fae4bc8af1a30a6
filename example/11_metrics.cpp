// 11: metrics without parsing logs. The client's hooks feed counters (attempts per step and
// status, TLS resumptions, reused connections, retries) and a latency histogram of whole
// operations, in plain C++; the structured log records carry the operation id and the account.
// Twenty logins against the mock, one of them retried after a 503.
#include <neo/login.hpp>
#include <neo/mock/gateway.hpp>

#include <boost/asio/io_context.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>

namespace asio = boost::asio;

struct metrics {
    std::map<std::string, int> attempts;  // "step status"
    int resumed = 0, reused = 0, retries = 0, operations = 0, failures = 0;
    // Operation latency in buckets of powers of two, in milliseconds: <1, <2, <4, ... <1024, more.
    std::array<int, 12> histogram{};

    void on_attempt(const neo::attempt_record& a) {
        ++attempts[a.step + " " + std::to_string(a.http_status)];
        resumed += a.tls_resumed;
        reused += a.connection_reused;
        retries += a.wait.count() > 0 || std::string(a.verdict) == "retrying";
    }
    void on_operation(const neo::operation_report& r) {
        ++operations;
        failures += !!r.result;
        std::size_t bucket = 0;
        for (auto ms = r.elapsed.count(); ms > 0 && bucket + 1 < histogram.size(); ms /= 2) ++bucket;
        ++histogram[bucket];
    }
};

int main() {
    asio::io_context io;
    neo::mock::gateway mock(io.get_executor());
    mock.script(neo::mock::route::login, {{.status = 503}});
    metrics m;
    auto params = mock.client_params();
    params.on_attempt = [&m](const neo::attempt_record& a) { m.on_attempt(a); };
    params.on_operation = [&m](const neo::operation_report& r) { m.on_operation(r); };
    params.retry.initial_backoff = std::chrono::milliseconds(1);
    params.logger.level = neo::log_level::warning;  // records only for what matters
    params.logger.record_sink = [](const neo::log_record& r) {
        std::printf("log: op=%llu account=%.*s step=%.*s: %.*s\n", static_cast<unsigned long long>(r.operation),
                    static_cast<int>(r.account.size()), r.account.data(), static_cast<int>(r.step.size()),
                    r.step.data(), static_cast<int>(r.message.size()), r.message.data());
    };
    neo::client client{io, params};

    int left = 20;
    std::function<void()> next = [&] {
        client.async_login({.mobilenumber = "9999999908", .password = "mock-password"},
                           [&](boost::system::error_code, neo::session) {
                               if (--left > 0)
                                   next();
                               else
                                   mock.stop();
                           });
    };
    next();
    io.run();

    for (const auto& [key, n] : m.attempts) std::printf("attempts %-16s %d\n", key.c_str(), n);
    std::printf("operations %d, failed %d, retries %d, TLS resumed %d, connections reused %d\n", m.operations,
                m.failures, m.retries, m.resumed, m.reused);
    for (std::size_t i = 0; i < m.histogram.size(); ++i)
        if (m.histogram[i]) std::printf("latency < %4d ms: %d\n", 1 << i, m.histogram[i]);
    return m.operations == 20 && m.failures == 0 && m.retries == 1 ? 0 : 1;
}
