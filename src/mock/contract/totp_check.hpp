// The mock's own RFC 6238 TOTP (HMAC-SHA1, 30 s steps), written apart from the library's
// neo::totp, so that a bug shared by the client and the mock cannot pass the integration suite:
// the mock checks the client's codes with code it does not share. No I/O.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace neo::mock::contract {

// The code of `digits` digits for the base32 seed (RFC 4648 alphabet, '=' padding and case
// ignored) at `at`; nullopt for a seed that is not base32.
std::optional<std::string> totp_code(std::string_view base32_seed, std::chrono::system_clock::time_point at,
                                     int digits = 6);

}  // namespace neo::mock::contract
