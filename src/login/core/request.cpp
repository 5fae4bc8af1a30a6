// Input checks made before anything is sent, and the request bodies of every step.
#include <neo/detail/proxy.hpp>
#include <neo/detail/request.hpp>
#include <neo/error.hpp>
#include "common/text.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cctype>

namespace neo::detail {
namespace {

bool has_control(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

constexpr char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

std::string normalize_mobile(std::string_view in) {
    if (in.size() == 10 && common::all_digits(in)) return "+91" + std::string(in);
    if (in.size() >= 12 && in.size() <= 16 && in.front() == '+' && common::all_digits(in.substr(1)))
        return std::string(in);
    return {};
}

std::string normalize_pan(std::string_view in) {
    if (in.size() != 10) return {};
    std::string p(in);
    for (auto& c : p) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto alpha = [](char c) { return c >= 'A' && c <= 'Z'; };
    for (int i = 0; i < 10; ++i) {
        const bool ok = (i < 5 || i == 9) ? alpha(p[i]) : (p[i] >= '0' && p[i] <= '9');
        if (!ok) return {};
    }
    return p;
}

namespace {
// The identity fields shared by login_request and second_factor.
boost::system::error_code validate_identity(const identity& mobile, const identity& userid, const identity& pan) {
    if (mobile.overflowed()) return errc::invalid_mobile_number;
    if (userid.overflowed()) return errc::invalid_userid;
    if (pan.overflowed()) return errc::invalid_pan;
    const int identities = !mobile.empty() + !userid.empty() + !pan.empty();
    if (identities == 0) return errc::no_identity;
    if (identities > 1) return errc::several_identities;
    if (!mobile.empty() && normalize_mobile(mobile).empty()) return errc::invalid_mobile_number;
    if (!pan.empty() && normalize_pan(pan).empty()) return errc::invalid_pan;
    if (!userid.empty() && has_control(userid)) return errc::invalid_userid;
    return {};
}

void append_identity(std::string& body, const identity& mobile, const identity& userid, const identity& pan) {
    if (!mobile.empty()) {
        body += "\"mobileNumber\":";
        append_json_string(body, normalize_mobile(mobile));
    } else if (!pan.empty()) {
        body += "\"pan\":";
        append_json_string(body, normalize_pan(pan));
    } else {
        body += "\"userid\":";
        append_json_string(body, userid);
    }
}
}  // namespace

boost::system::error_code validate(const login_request& req) {
    if (req.password.overflowed()) return errc::invalid_password;
    if (req.mpin.overflowed()) return errc::invalid_mpin;
    if (auto ec = validate_identity(req.mobilenumber, req.userid, req.pan)) return ec;
    if (req.password.empty() && req.mpin.empty()) return errc::no_secret;
    if (!req.password.empty() && !req.mpin.empty()) return errc::several_secrets;
    if (!req.mpin.empty() && !is_mpin(req.mpin.reveal())) return errc::invalid_mpin;
    if (!req.password.empty() && (req.password.size() > 256 || has_control(req.password.reveal())))
        return errc::invalid_password;
    return {};
}

boost::system::error_code validate(const client_params& p, const endpoint& ep, credentials need, std::string* why) {
    const endpoint* eps[] = {&ep, need == credentials::oauth2 ? &p.gateway.app_token : &ep};
    for (const endpoint* e : eps) {
        if (auto w = check_endpoint(*e); !w.empty()) {
            if (why) *why = std::move(w);
            return errc::invalid_gateway;
        }
    }
    if (p.user_agent.size() > 1024 || has_control(p.user_agent) || p.neo_fin_key.size() > 256 ||
        has_control(p.neo_fin_key)) {
        if (why)
            *why = "the user agent (1 KiB at most) or neo-fin-key (256 bytes) is too long or has control characters";
        return errc::invalid_params;
    }
    if (!p.proxy.origin.empty()) {
        std::string host, port;
        auto w = parse_proxy_origin(p.proxy.origin, host, port);
        if (w.empty() && (has_control(p.proxy.user) || p.proxy.user.find(':') != std::string::npos ||
                          has_control(p.proxy.password.reveal()) || p.proxy.password.overflowed() ||
                          (p.proxy.user.empty() && !p.proxy.password.empty())))
            w = "proxy credentials: a user without ':' or control characters, and a password only with a user";
        if (w.empty() && has_control(p.proxy.no_proxy)) w = "control characters in no_proxy";
        if (!w.empty()) {
            if (why) *why = std::move(w);
            return errc::invalid_proxy;
        }
    }
    if (!p.local_address.empty()) {
        boost::system::error_code ec;
        boost::asio::ip::make_address(p.local_address, ec);
        if (ec) {
            if (why) *why = "the local address must be an IPv4 or IPv6 literal";
            return errc::invalid_local_address;
        }
    }
    if (need == credentials::consumer_key) {
        if (p.consumer_key.empty()) {
            if (why) *why = "generation 2 needs the consumer key";
            return errc::missing_credentials;
        }
        if (has_control(p.consumer_key) || p.consumer_key.size() > 1024) {
            if (why) *why = "control characters in the consumer key, or over 1024 bytes";
            return errc::missing_credentials;
        }
        return {};
    }
    if (p.access_token.overflowed() || p.consumer_secret.overflowed()) {
        if (why) *why = "a credential is longer than its field holds (consumer_secret: 512 bytes, access_token: 2048)";
        return errc::missing_credentials;
    }
    if (p.access_token.empty() && (p.consumer_key.empty() || p.consumer_secret.empty()))
        return errc::missing_credentials;
    if (has_control(p.access_token.reveal()) || has_control(p.consumer_key)) {
        if (why) *why = "control characters in the credentials";
        return errc::missing_credentials;
    }
    return {};
}

boost::system::error_code validate(const client_params& p, std::string* why) {
    return validate(p, p.gateway.login, credentials::oauth2, why);
}

bool is_mpin(std::string_view s) {
    return s.size() == 6 && common::all_digits(s);
}

boost::system::error_code validate(const second_factor& f) {
    if (f.otp.overflowed()) return errc::invalid_otp;
    if (f.mpin.overflowed()) return errc::invalid_mpin;
    if (f.otp.empty() && f.mpin.empty()) return errc::no_second_factor;
    if (!f.otp.empty() && !f.mpin.empty()) return errc::several_second_factors;
    if (!f.otp.empty()) {
        if (f.otp.size() != 4 || !common::all_digits(f.otp.reveal())) return errc::invalid_otp;
        return {};
    }
    if (!is_mpin(f.mpin.reveal())) return errc::invalid_mpin;
    return validate_identity(f.mobilenumber, f.userid, f.pan);
}

boost::system::error_code validate(const totp_login_request& r) {
    if (r.mobilenumber.overflowed() || normalize_mobile(r.mobilenumber).empty()) return errc::invalid_mobile_number;
    const std::string_view ucc = r.ucc;
    if (r.ucc.overflowed() || ucc.empty() || ucc.size() > 32 ||
        !std::all_of(ucc.begin(), ucc.end(), [](unsigned char c) { return std::isalnum(c); }))
        return errc::invalid_ucc;
    if (r.totp.size() != 6 || !common::all_digits(r.totp.reveal())) return errc::invalid_totp;
    return {};
}

boost::system::error_code validate_session(std::string_view token, std::string_view sid) {
    if (token.empty() || sid.empty() || token.size() > secret::max_size || sid.size() > 256 || has_control(token) ||
        has_control(sid))
        return errc::invalid_session;
    return {};
}

std::string otp_generate_body(std::string_view user_id) {
    std::string body = "{\"userId\":";
    append_json_string(body, user_id);
    body += ",\"sendEmail\":true,\"isWhitelisted\":true}";
    return body;
}

std::string second_factor_body(const second_factor& f, std::string_view user_id) {
    std::string body;
    body.reserve(64 + 6 * (user_id.size() + f.otp.size() + f.mpin.size() + f.mobilenumber.size() + f.userid.size() +
                           f.pan.size()));
    body += '{';
    // The SDK's shapes: an OTP, or an MPIN after a user-id login, goes as the view token's sub and
    // "otp"; an MPIN after a mobile or PAN login goes with that identity as "mpin".
    if (!f.otp.empty() || !f.userid.empty()) {
        body += "\"userId\":";
        append_json_string(body, user_id);
        body += ",\"otp\":";
        append_json_string(body, f.otp.empty() ? f.mpin.reveal() : f.otp.reveal());
    } else {
        append_identity(body, f.mobilenumber, f.userid, f.pan);
        body += ",\"mpin\":";
        append_json_string(body, f.mpin.reveal());
    }
    body += '}';
    return body;
}

std::string totp_login_body(const totp_login_request& r) {
    std::string body;
    body.reserve(96 + r.ucc.size() * 6);
    body += "{\"mobileNumber\":";
    append_json_string(body, normalize_mobile(r.mobilenumber));
    body += ",\"ucc\":";
    append_json_string(body, r.ucc);
    body += ",\"totp\":";
    append_json_string(body, r.totp.reveal());
    body += '}';
    return body;
}

std::string totp_validate_body(std::string_view mpin) {
    std::string body;
    body.reserve(32);
    body += "{\"mpin\":";
    append_json_string(body, mpin);
    body += '}';
    return body;
}

void append_json_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += hex[c >> 4];
                    out += hex[c & 15];
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
}

std::string login_body(const login_request& req) {
    std::string body;
    // Reserve the worst case once, so no reallocation leaves a copy of the secret behind.
    body.reserve(64 + 6 * (req.mobilenumber.size() + req.userid.size() + req.pan.size() + req.password.size() +
                           req.mpin.size()));
    body += '{';
    append_identity(body, req.mobilenumber, req.userid, req.pan);
    if (!req.password.empty()) {
        body += ",\"password\":";
        append_json_string(body, req.password.reveal());
    } else {
        body += ",\"mpin\":";
        append_json_string(body, req.mpin.reveal());
    }
    body += '}';
    return body;
}

std::string_view app_token_body() noexcept {
    return R"({"grant_type":"client_credentials"})";
}

std::string base64_encode(std::string_view in) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
        out += b64[v >> 18];
        out += b64[(v >> 12) & 63];
        out += b64[(v >> 6) & 63];
        out += b64[v & 63];
    }
    if (i + 1 == in.size()) {
        const unsigned v = (unsigned char)in[i] << 16;
        out += b64[v >> 18];
        out += b64[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == in.size()) {
        const unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
        out += b64[v >> 18];
        out += b64[(v >> 12) & 63];
        out += b64[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

bool base64_decode(std::string_view in, std::string& out) {
    out.clear();
    while (!in.empty() && in.back() == '=') in.remove_suffix(1);
    if (in.size() % 4 == 1) return false;
    unsigned acc = 0;
    int bits = 0;
    for (char ch : in) {
        int v;
        if (ch >= 'A' && ch <= 'Z')
            v = ch - 'A';
        else if (ch >= 'a' && ch <= 'z')
            v = ch - 'a' + 26;
        else if (ch >= '0' && ch <= '9')
            v = ch - '0' + 52;
        else if (ch == '+' || ch == '-')
            v = 62;
        else if (ch == '/' || ch == '_')
            v = 63;
        else
            return false;
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    return true;
}

std::string basic_authorization(std::string_view key, std::string_view secret) {
    std::string plain;
    plain.reserve(key.size() + 1 + secret.size());
    plain.append(key).append(1, ':').append(secret);
    std::string out = "Basic " + base64_encode(plain);
    wipe(plain);
    return out;
}

}  // namespace neo::detail
