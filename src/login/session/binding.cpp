// A session's binding: see binding.hpp.
#include "binding.hpp"

#include <neo/secret.hpp>

#include <boost/json/value.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>

namespace neo::detail {

namespace json = boost::json;

namespace {

std::string hex(const unsigned char* p, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
        s += digits[p[i] >> 4];
        s += digits[p[i] & 0xf];
    }
    return s;
}

std::string digest_key(std::string_view salt, std::string_view key) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (!HMAC(EVP_sha256(), salt.data(), static_cast<int>(salt.size()),
              reinterpret_cast<const unsigned char*>(key.data()), key.size(), mac, &len))
        return {};
    auto s = hex(mac, len);
    OPENSSL_cleanse(mac, sizeof mac);
    return s;
}

bool same_endpoints(const gateway& a, const gateway& b) {
    auto same = [](const endpoint& x, const endpoint& y) {
        return x.host == y.host && x.port == y.port && x.target == y.target;
    };
    return same(a.app_token, b.app_token) && same(a.login, b.login) && same(a.otp_generate, b.otp_generate) &&
           same(a.totp_login, b.totp_login) && same(a.totp_validate, b.totp_validate);
}

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x.substr(0, 300);
    return s;
}

const char* what_is(const std::string& field) {
    if (field == "mobile") return "mobile number";
    if (field == "pan") return "PAN";
    if (field == "userid") return "user id";
    return "UCC";
}

}  // namespace

std::string origin_of(const endpoint& ep) {
    const bool v6 = ep.host.find(':') != std::string::npos;
    return "https://" + (v6 ? "[" + ep.host + "]" : ep.host) + ":" + ep.port;
}

session_binding session_binding::of(const gateway& gw, int generation,
                                    std::vector<std::pair<std::string, std::string>> id,
                                    std::string_view consumer_key) {
    session_binding b;
    b.environment = same_endpoints(gw, gateway::uat()) ? "uat" : same_endpoints(gw, gateway::prod()) ? "prod" : "other";
    b.generation = generation;
    const auto add = [&](const endpoint& ep) {
        auto o = origin_of(ep);
        if (std::find(b.origins.begin(), b.origins.end(), o) == b.origins.end()) b.origins.push_back(std::move(o));
    };
    if (generation == 1) {
        add(gw.app_token);
        add(gw.login);
        add(gw.otp_generate);
    } else {
        add(gw.totp_login);
        add(gw.totp_validate);
    }
    b.identity = std::move(id);
    unsigned char salt[16];
    if (RAND_bytes(salt, sizeof salt) != 1) std::fill(std::begin(salt), std::end(salt), 0);
    b.key_salt = hex(salt, sizeof salt);
    b.key_digest = digest_key(b.key_salt, consumer_key);
    return b;
}

json::object session_binding::to_json() const {
    json::object id;
    for (const auto& [k, v] : identity) id[k] = v;
    json::array origins_json;
    for (const auto& o : origins) origins_json.emplace_back(o);
    json::object o{{"environment", environment},         {"generation", generation},
                   {"origins", std::move(origins_json)}, {"identity", std::move(id)},
                   {"consumer_key_salt", key_salt},      {"consumer_key_hmac_sha256", key_digest}};
    if (!base_url.empty()) o["base_url"] = base_url;
    return o;
}

bool session_binding::from_json(const json::value& v, session_binding& out) {
    const auto* o = v.if_object();
    if (!o) return false;
    auto str = [&](const char* k, std::string& dst) {
        const auto* x = o->if_contains(k);
        if (!x || !x->is_string() || x->get_string().size() > 512) return false;
        dst = std::string(x->get_string());
        return true;
    };
    const auto* gen = o->if_contains("generation");
    const auto* origins = o->if_contains("origins");
    const auto* id = o->if_contains("identity");
    if (!str("environment", out.environment) || !str("consumer_key_salt", out.key_salt) ||
        !str("consumer_key_hmac_sha256", out.key_digest) || !gen || !gen->is_int64() || !origins ||
        !origins->is_array() || origins->get_array().size() > 8 || !id || !id->is_object() ||
        id->get_object().size() > 8)
        return false;
    out.base_url.clear();
    if (o->contains("base_url") && !str("base_url", out.base_url)) return false;
    out.generation = static_cast<int>(std::clamp<std::int64_t>(gen->get_int64(), 0, 9));
    out.origins.clear();
    for (const auto& x : origins->get_array()) {
        if (!x.is_string() || x.get_string().size() > 512) return false;
        out.origins.emplace_back(x.get_string());
    }
    out.identity.clear();
    for (const auto& [k, x] : id->get_object()) {
        if (!x.is_string() || x.get_string().size() > 128) return false;
        out.identity.emplace_back(std::string(k), std::string(x.get_string()));
    }
    return true;
}

std::string session_binding::differs(const session_binding& saved, std::string_view consumer_key) const {
    if (saved.environment != environment)
        return "saved for gateway " + saved.environment.substr(0, 16) + ", this is " + environment;
    if (saved.generation != generation)
        return "saved by a generation " + std::to_string(saved.generation) + " login, this is generation " +
               std::to_string(generation);
    if (saved.origins != origins) return "saved for " + joined(saved.origins) + ", this is " + joined(origins);
    for (const auto& [k, v] : identity) {
        const auto it = std::find_if(saved.identity.begin(), saved.identity.end(),
                                     [&, &key = k](const auto& p) { return p.first == key; });
        if (it == saved.identity.end() || it->second != v)
            return std::string("saved for another user (") + what_is(k) + ")";
    }
    if (saved.identity.size() != identity.size()) return "saved for another user";
    if (saved.key_salt.empty() || digest_key(saved.key_salt, consumer_key) != saved.key_digest)
        return "saved for another application (consumer key)";
    return {};
}

}  // namespace neo::detail
