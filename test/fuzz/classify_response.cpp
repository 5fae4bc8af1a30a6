// libFuzzer target: an HTTP answer (step, status, Content-Type, body) into a result or a typed
// error. Invariants: never a crash; success only with what the step needs; bounded texts.
#include <neo/detail/response.hpp>
#include <neo/error.hpp>
#include <neo/session.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using neo::detail::step_kind;
    if (size < 3) return 0;
    const auto step = static_cast<step_kind>(data[0] % 7);
    const unsigned status = 100 + (static_cast<unsigned>(data[1]) << 8 | data[2]) % 500;
    std::string_view rest(reinterpret_cast<const char*>(data + 3), size - 3);
    const auto nl = rest.find('\n');
    const auto content_type = nl == std::string_view::npos ? std::string_view() : rest.substr(0, nl);
    const auto body = nl == std::string_view::npos ? rest : rest.substr(nl + 1);

    const auto c = neo::detail::classify_response(step, status, content_type, body);
    if (c.server_code.size() > neo::detail::server_text_kept || c.server_message.size() > neo::detail::server_text_kept)
        __builtin_trap();
    if (!c.ec) {
        if (status < 200 || status >= 300) __builtin_trap();  // only a 2xx can succeed
        const bool yields_session = step == step_kind::login || step == step_kind::second_factor ||
                                    step == step_kind::totp_login || step == step_kind::totp_validate;
        if (yields_session) {
            const auto s = neo::session_from_data(c.result);
            if (!s || s->token.empty() || s->sid.empty()) __builtin_trap();
        }
        if (step == step_kind::app_token) {
            const auto* at = c.result.if_contains("access_token");
            if (!at || !at->is_string() || at->get_string().empty()) __builtin_trap();
        }
    } else if (c.ec.category() != neo::error_category()) {
        __builtin_trap();  // every failure is one of ours
    }
    return 0;
}
