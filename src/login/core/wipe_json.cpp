// Wiping JSON strings: see wipe_json.hpp.
#include "wipe_json.hpp"

#include <neo/secret.hpp>

namespace neo::detail {

void wipe_json(boost::json::object& o) noexcept {
    for (auto& kv : o) wipe_json(kv.value());
}

void wipe_json(boost::json::value& v) noexcept {
    if (auto* s = v.if_string()) {
        wipe(s->data(), s->size());
    } else if (auto* o = v.if_object()) {
        wipe_json(*o);
    } else if (auto* a = v.if_array()) {
        for (auto& x : *a) wipe_json(x);
    }
}

void wipe_session(session& s) noexcept {
    for (std::string* p : {&s.token, &s.sid, &s.rid, &s.hs_server_id, &s.base_url}) wipe(*p);
    wipe_json(s.data);
    if (s.claims) {
        wipe(s.claims->jti);
        wipe_json(s.claims->all);
    }
}

}  // namespace neo::detail
