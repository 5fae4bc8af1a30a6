// libFuzzer target: the JWT claims decoder (tokens come from the server). Invariants: never a
// crash; a decoded token has an object of claims and a non-negative size.
#include <neo/session.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view token(reinterpret_cast<const char*>(data), size);
    const auto c = neo::decode_claims(token);
    if (c && c->scope.size() > size) __builtin_trap();
    // The same text as a whole login answer's token.
    if (token.empty()) return 0;
    boost::json::object o{{"token", token}, {"sid", "s"}};
    const auto s = neo::session_from_data(o);
    if (!s || s->token != token) __builtin_trap();
    (void)s->expires_at();
    return 0;
}
