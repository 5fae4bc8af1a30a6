// The mock's TOTP (see totp_check.hpp): RFC 4648 base32, RFC 4226 HOTP with OpenSSL's HMAC, RFC
// 6238 time steps.
#include "totp_check.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>

namespace neo::mock::contract {

namespace {

std::optional<std::string> from_base32(std::string_view in) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char c : in) {
        if (c == '=') break;
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a';
        else if (c >= '2' && c <= '7')
            v = c - '2' + 26;
        else
            return std::nullopt;
        buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xff));
        }
    }
    if (out.empty()) return std::nullopt;
    return out;
}

}  // namespace

std::optional<std::string> totp_code(std::string_view base32_seed, std::chrono::system_clock::time_point at,
                                     int digits) {
    const auto key = from_base32(base32_seed);
    if (!key || digits < 1 || digits > 9) return std::nullopt;
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
    auto counter = static_cast<std::uint64_t>(seconds < 0 ? 0 : seconds / 30);
    unsigned char message[8];
    for (int i = 7; i >= 0; --i) {
        message[i] = static_cast<unsigned char>(counter & 0xff);
        counter >>= 8;
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (!HMAC(EVP_sha1(), key->data(), static_cast<int>(key->size()), message, sizeof message, mac, &mac_len) ||
        mac_len < 20)
        return std::nullopt;
    const int offset = mac[mac_len - 1] & 0x0f;
    const std::uint32_t binary =
        (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) | (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
        (static_cast<std::uint32_t>(mac[offset + 2]) << 8) | static_cast<std::uint32_t>(mac[offset + 3]);
    std::uint32_t modulus = 1;
    for (int i = 0; i < digits; ++i) modulus *= 10;
    std::string code = std::to_string(binary % modulus);
    return std::string(static_cast<std::size_t>(digits) - code.size(), '0') + code;
}

}  // namespace neo::mock::contract
