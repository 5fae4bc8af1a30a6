// Wiping the strings of a JSON value (an answer or a file that held tokens) before it is freed.
// Private.
#pragma once

#include <neo/detail/config.hpp>
#include <neo/session.hpp>

#include <boost/json/value.hpp>

namespace neo::detail {

/// Overwrites every string in `v` (values, not keys) with zeros, in place.
NEO_HIDDEN void wipe_json(boost::json::value& v) noexcept;
NEO_HIDDEN void wipe_json(boost::json::object& o) noexcept;
/// Overwrites a session's token, sid and every string of its `data` and claims.
NEO_HIDDEN void wipe_session(session& s) noexcept;

/// Wipes the value it watches when it goes out of scope.
template <class Json>
struct wiping_value {
    Json& v;
    ~wiping_value() { wipe_json(v); }
};
template <class Json>
wiping_value(Json&) -> wiping_value<Json>;

}  // namespace neo::detail
