// RFC 6238 TOTP codes from a base32 seed (HMAC-SHA1 through OpenSSL).
#include <neo/error.hpp>
#include <neo/totp.hpp>

#include <boost/system/system_error.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

namespace neo {
namespace {

// RFC 4648 base32 into `out`; false on any character outside the alphabet.
bool base32_decode(std::string_view in, std::string& out) {
    unsigned acc = 0;
    int bits = 0;
    for (char ch : in) {
        int v;
        if (ch >= 'A' && ch <= 'Z')
            v = ch - 'A';
        else if (ch >= 'a' && ch <= 'z')
            v = ch - 'a';
        else if (ch >= '2' && ch <= '7')
            v = ch - '2' + 26;
        else if (ch == ' ' || ch == '-' || ch == '=')
            continue;
        else
            return false;
        acc = ((acc << 5) | static_cast<unsigned>(v)) & 0xfff;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    return !out.empty();
}

}  // namespace

std::optional<totp> totp::from_base32(const secret& seed, unsigned digits, std::chrono::seconds step) noexcept {
    if (digits < 6 || digits > 8 || step.count() <= 0 || seed.overflowed()) return std::nullopt;
    std::string key;
    key.reserve(seed.size());
    const bool ok = base32_decode(seed.reveal(), key);
    totp t;
    t.key_ = secret(std::move(key));  // wipes `key`
    if (!ok) return std::nullopt;
    t.digits_ = digits;
    t.step_ = step;
    return t;
}

totp::totp(const secret& seed, unsigned digits, std::chrono::seconds step) {
    auto t = from_base32(seed, digits, step);
    if (!t)
        throw boost::system::system_error(make_error_code(errc::invalid_totp_secret),
                                          "TOTP seed is not base32, or digits/step out of range");
    *this = std::move(*t);
}

std::uint64_t totp::counter(std::chrono::system_clock::time_point t) const noexcept {
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    return secs < 0 ? 0 : static_cast<std::uint64_t>(secs) / static_cast<std::uint64_t>(step_.count());
}

secret totp::code(std::chrono::system_clock::time_point t) const {
    return code_at(counter(t));
}

secret totp::code(std::chrono::seconds clock_offset) const {
    return code(std::chrono::system_clock::now() + clock_offset);
}

secret totp::code_at(std::uint64_t counter) const {
    unsigned char msg[8];
    for (int i = 7; i >= 0; --i) {
        msg[i] = static_cast<unsigned char>(counter & 0xff);
        counter >>= 8;
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    const auto key = key_.reveal();
    if (!HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), msg, sizeof msg, mac, &len) || len < 20)
        throw boost::system::system_error(make_error_code(errc::internal_error), "HMAC-SHA1 failed");
    const unsigned offset = mac[len - 1] & 0x0f;
    std::uint32_t bin = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                        (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                        (static_cast<std::uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
    wipe(mac, sizeof mac);
    char out[9];
    for (int i = static_cast<int>(digits_) - 1; i >= 0; --i) {
        out[i] = static_cast<char>('0' + bin % 10);
        bin /= 10;
    }
    secret s(std::string_view(out, digits_));
    wipe(out, sizeof out);
    return s;
}

}  // namespace neo
