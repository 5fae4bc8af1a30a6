// libFuzzer target: Retry-After values. Invariants: a value is 0 to 86,400 s; never a crash.
#include <neo/retry_policy.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view v(reinterpret_cast<const char*>(data), size);
    // A fixed "now" (2026-11-30T00:00:00Z) keeps runs reproducible.
    const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1796083200));
    const auto r = neo::parse_retry_after(v, now);
    if (r && (r->count() < 0 || r->count() > 86400)) __builtin_trap();
    // The backoff that would follow: never negative, never above the cap.
    neo::retry_policy p;
    const double draw = size ? data[0] / 256.0 : 0.0;
    const auto d = neo::backoff_delay(p, static_cast<int>(size % 70), draw, size % 2);
    if (d.count() < 0 || d > p.max_backoff) __builtin_trap();
    return 0;
}
