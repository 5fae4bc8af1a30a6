// Redaction of secrets and escaping of hostile text: what makes any string fit for a message.
#include <neo/detail/redact.hpp>

#include <cstdint>

namespace neo::detail {

namespace {

bool word_boundary(char c) noexcept {
    switch (c) {
        case ' ':
        case '\t':
        case '\n':
        case '\r':
        case '\v':
        case '\f':
        case '(':
        case ')':
        case '[':
        case ']':
        case '{':
        case '}':
        case '<':
        case '>':
        case ',':
        case ';':
        case ':':
        case '"':
        case '\'':
        case '=':
            return true;
        default:
            return false;
    }
}

// The length of the well-formed UTF-8 sequence at s[i] of a printable character, or 0.
std::size_t printable_utf8(std::string_view s, std::size_t i) noexcept {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
    const unsigned c = b(0);
    if (c >= 0x20 && c < 0x7F) return 1;
    if (c >= 0xC2 && c <= 0xDF && cont(1)) return c == 0xC2 && b(1) < 0xA0 ? 0 : 2;  // C2 80..9F: C1
    if (c >= 0xE0 && c <= 0xEF && cont(1) && cont(2)) {
        if ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) >= 0xA0)) return 0;  // overlong, surrogate
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4 && cont(1) && cont(2) && cont(3)) {
        if ((c == 0xF0 && b(1) < 0x90) || (c == 0xF4 && b(1) >= 0x90)) return 0;  // overlong, > U+10FFFF
        return 4;
    }
    return 0;
}

}  // namespace

void redact(std::string& text, const std::vector<secret>& secrets) {
    for (const auto& s : secrets) {
        const auto needle = s.reveal();
        if (needle.empty()) continue;
        for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos)) {
            auto first = pos;
            auto last = pos + needle.size();
            while (first > 0 && !word_boundary(text[first - 1])) --first;
            while (last < text.size() && !word_boundary(text[last])) ++last;
            text.replace(first, last - first, "***");
            pos = first + 3;
        }
    }
}

void escape_in_place(std::string& text) {
    for (std::size_t i = 0; i < text.size();) {
        const auto n = printable_utf8(text, i);
        if (!n) {
            text = escape_text(text);
            return;
        }
        i += n;
    }
}

}  // namespace neo::detail

namespace neo {

std::string escape_text(std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        if (const auto n = detail::printable_utf8(text, i)) {
            out.append(text.substr(i, n));
            i += n;
            continue;
        }
        const auto c = static_cast<unsigned char>(text[i++]);
        if (c == '\n')
            out += "\\n";
        else if (c == '\r')
            out += "\\r";
        else if (c == '\t')
            out += "\\t";
        else {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
    }
    return out;
}

}  // namespace neo
