// neo/logger.hpp: an injected logger. The library never writes a secret or a token to it.
#pragma once

#include <neo/detail/config.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

NEO_VISIBLE_BEGIN
namespace neo {

enum class log_level { trace = 0, debug, info, warning, error, off };
const char* to_string(log_level l) noexcept;

/// One log line with the fields an engine indexes, for `logger::record_sink`. Every view is
/// valid only during the call. Never holds a secret: `account` is the client code (UCC) or an
/// identity masked to its last four characters ("mobile ******9908", "pan ******234F").
struct log_record {
    log_level level = log_level::info;
    std::string_view message{};  ///< the line the string sink gets (redacted and escaped)
    std::string_view component{};  ///< "client" or "session_manager"
    std::uint64_t operation = 0;   ///< the operation's id within its client, from 1 (0: none)
    std::string_view step{};       ///< "login", "app_token", "totp_login", ... (empty: none yet)
    int attempt = 0;               ///< the attempt of the operation the line is about (0: none)
    std::string_view phase{};      ///< the phase that failed, as `to_string(phase)` ("none" if none)
    std::string_view account{};    ///< whose login: UCC or masked identity (empty: unknown)
};

/// Lines at `level` or above go to `sink` (the text) and to `record_sink` (the text and its
/// fields); either may be left empty. Neither set: nothing is logged, and no text is built.
/// The sinks are called on the operation's strand; they must not block for long.
struct logger {
    log_level level = log_level::warning;
    std::function<void(log_level, std::string_view)> sink{};
    std::function<void(const log_record&)> record_sink{};

    bool enabled(log_level l) const noexcept { return (sink || record_sink) && l >= level && l != log_level::off; }
    void log(log_level l, std::string_view line) const {
        if (enabled(l)) log(log_record{l, line});
    }
    void log(const log_record& r) const {
        if (!enabled(r.level)) return;
        if (sink) sink(r.level, r.message);
        if (record_sink) record_sink(r);
    }
};

/// Makes text from a server (or a path, a header) safe for a log line or a terminal: C0 controls,
/// DEL, C1 controls and bytes that are not well-formed UTF-8 become `\n`, `\r`, `\t` or `\xHH`,
/// so nobody can forge a line break, a log line or an escape sequence. Printable text, backslashes
/// included, is kept as it is, so escaping twice changes nothing. Every line the library logs has
/// been through it; a program that logs what a server sent it can use it the same way.
std::string escape_text(std::string_view text);

}  // namespace neo
NEO_VISIBLE_END
