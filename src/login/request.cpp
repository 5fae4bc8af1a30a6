#include <neo/detail/request.hpp>
#include <neo/error.hpp>

#include <algorithm>
#include <cctype>

namespace neo::detail {
namespace {

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool has_control(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

constexpr char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

std::string normalize_mobile(std::string_view in) {
    if (in.size() == 10 && all_digits(in)) return "+91" + std::string(in);
    if (in.size() >= 12 && in.size() <= 16 && in.front() == '+' && all_digits(in.substr(1))) return std::string(in);
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

boost::system::error_code validate(const login_request& req) {
    if (req.mobilenumber.overflowed()) return errc::invalid_mobile_number;
    if (req.userid.overflowed()) return errc::invalid_userid;
    if (req.pan.overflowed()) return errc::invalid_pan;
    if (req.password.overflowed()) return errc::invalid_password;
    if (req.mpin.overflowed()) return errc::invalid_mpin;
    const int identities = !req.mobilenumber.empty() + !req.userid.empty() + !req.pan.empty();
    if (identities == 0) return errc::no_identity;
    if (identities > 1) return errc::several_identities;
    if (!req.mobilenumber.empty() && normalize_mobile(req.mobilenumber).empty()) return errc::invalid_mobile_number;
    if (!req.pan.empty() && normalize_pan(req.pan).empty()) return errc::invalid_pan;
    if (!req.userid.empty() && has_control(req.userid)) return errc::invalid_userid;
    if (req.password.empty() && req.mpin.empty()) return errc::no_secret;
    if (!req.password.empty() && !req.mpin.empty()) return errc::several_secrets;
    if (!req.mpin.empty() && (req.mpin.size() != 6 || !all_digits(req.mpin.reveal()))) return errc::invalid_mpin;
    if (!req.password.empty() && (req.password.size() > 256 || has_control(req.password.reveal())))
        return errc::invalid_password;
    return {};
}

boost::system::error_code validate(const client_params& p, std::string* why) {
    for (const endpoint* ep : {&p.gateway.app_token, &p.gateway.login}) {
        if (auto w = check_endpoint(*ep); !w.empty()) {
            if (why) *why = std::move(w);
            return errc::invalid_gateway;
        }
    }
    if (p.access_token.overflowed() || p.consumer_secret.overflowed()) {
        if (why) *why = "a credential is longer than neo::secret::max_size";
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
    if (!req.mobilenumber.empty()) {
        body += "\"mobileNumber\":";
        append_json_string(body, normalize_mobile(req.mobilenumber));
    } else if (!req.pan.empty()) {
        body += "\"pan\":";
        append_json_string(body, normalize_pan(req.pan));
    } else {
        body += "\"userid\":";
        append_json_string(body, req.userid);
    }
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
