#include <neo/detail/redact.hpp>

namespace neo::detail {

void redact(std::string& text, const std::vector<secret>& secrets) {
    for (const auto& s : secrets) {
        const auto needle = s.reveal();
        if (needle.empty()) continue;
        for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 3))
            text.replace(pos, needle.size(), "***");
    }
}

}  // namespace neo::detail
