// Small checks on text and JSON fields, shared by the library, the mock and the tools.
#pragma once

#include <boost/json/object.hpp>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace neo::common {

// Not empty, and nothing but ASCII digits.
inline bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Between `min` and `max` ASCII digits.
inline bool digits_between(std::string_view s, std::size_t min, std::size_t max) {
    return s.size() >= min && s.size() <= max && (s.empty() || all_digits(s));
}

// The string at `key`, or empty when absent or not a string.
inline std::string string_field(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace neo::common
