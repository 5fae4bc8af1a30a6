// neo/totp.hpp: RFC 6238 time-based one-time passwords, for unattended generation 2 logins.
#pragma once

#include <neo/detail/config.hpp>

#include <neo/secret.hpp>

#include <chrono>
#include <cstdint>
#include <optional>

NEO_VISIBLE_BEGIN
namespace neo {

/// A TOTP generator (RFC 6238 over RFC 4226): HMAC-SHA1 through OpenSSL, 30 s steps, 6 digits by
/// default, from the user's base32 seed (the text under the QR code).
///
/// The decoded key is held in a `neo::secret` (wiped on destruction, never printed).
/// Thread safety: const member functions may be called concurrently.
class totp {
public:
    /// `base32_seed`: RFC 4648 base32, case-insensitive; spaces, '-' and '=' padding are ignored.
    /// `digits`: 6 to 8. Throws `boost::system::system_error` with `errc::invalid_totp_secret`
    /// (the message never contains the seed).
    explicit totp(const secret& base32_seed, unsigned digits = 6, std::chrono::seconds step = std::chrono::seconds(30));

    /// As the constructor, without throwing: nullopt for an invalid seed or parameters.
    static std::optional<totp> from_base32(const secret& base32_seed, unsigned digits = 6,
                                           std::chrono::seconds step = std::chrono::seconds(30)) noexcept;

    /// The code for the step that holds `t`, zero-padded to `digits()`.
    secret code(std::chrono::system_clock::time_point t = std::chrono::system_clock::now()) const;
    /// The code of the gateway's moment: now plus `clock_offset`, the gateway's clock minus ours
    /// (what `diagnostics::clock_offset` measured from its Date header).
    secret code(std::chrono::seconds clock_offset) const;
    /// The code for a step counter (RFC 4226 HOTP).
    secret code_at(std::uint64_t counter) const;
    /// The step counter of `t`.
    std::uint64_t counter(std::chrono::system_clock::time_point t) const noexcept;

    unsigned digits() const noexcept { return digits_; }
    std::chrono::seconds step() const noexcept { return step_; }

private:
    totp() = default;
    secret key_{};
    unsigned digits_ = 6;
    std::chrono::seconds step_{30};
};

}  // namespace neo
NEO_VISIBLE_END
