// libFuzzer target: every error-body shape of protocol.md, and anything else shaped like JSON.
// Invariants: never a crash; code and message bounded.
#include <neo/detail/response.hpp>

#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    boost::system::error_code ec;
    const auto v = boost::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec);
    if (ec) return 0;
    std::string code, message;
    neo::detail::extract_server_error(v, code, message);
    if (code.size() > neo::detail::server_text_kept || message.size() > neo::detail::server_text_kept) __builtin_trap();
    return 0;
}
