// Wipes a string that held a secret when the scope ends, however it ends.
#pragma once

#include <neo/secret.hpp>

#include <string>

namespace neo::common {

struct wipe_guard {
    std::string& s;
    explicit wipe_guard(std::string& str) : s(str) {}
    wipe_guard(const wipe_guard&) = delete;
    wipe_guard& operator=(const wipe_guard&) = delete;
    ~wipe_guard() { neo::wipe(s); }
};

}  // namespace neo::common
