// neo/logger.hpp: an injected logger. The library never writes a secret or a token to it.
#pragma once

#include <neo/detail/config.hpp>

#include <functional>
#include <string>
#include <string_view>

NEO_VISIBLE_BEGIN
namespace neo {

enum class log_level { trace = 0, debug, info, warning, error, off };
const char* to_string(log_level l) noexcept;

/// Lines at `level` or above go to `sink`. No sink: nothing is logged.
/// The sink is called on the operation's strand; it must not block for long.
struct logger {
    log_level level = log_level::warning;
    std::function<void(log_level, std::string_view)> sink{};

    bool enabled(log_level l) const noexcept { return sink && l >= level && l != log_level::off; }
    void log(log_level l, std::string_view line) const {
        if (enabled(l)) sink(l, line);
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
