// neo/secret.hpp: a string that wipes itself and never prints its content.
#pragma once

#include <neo/detail/config.hpp>

#include <neo/fixed_string.hpp>

#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>

NEO_VISIBLE_BEGIN
namespace neo {

/// Overwrites `n` bytes at `p` in a way the compiler cannot remove (`OPENSSL_cleanse`).
void wipe(void* p, std::size_t n) noexcept;
inline void wipe(std::string& s) noexcept {
    wipe(s.data(), s.size());
    s.clear();
}

/// Holds a password, MPIN, OTP, TOTP seed, consumer secret or token.
///
/// The bytes live inside the object (up to `max_size`), never on the heap, so no copy of them
/// survives in a freed block; they are wiped when the holder is destroyed, cleared, assigned over
/// or moved from. Streaming a `secret` prints `***`. Read the content only where it must go on
/// the wire: `reveal()`. A longer value sets `overflowed()` and is rejected with a typed error
/// by whatever it is given to.
class secret {
public:
    static constexpr std::size_t max_size = 2048;

    secret() noexcept = default;
    secret(std::string_view value) noexcept : value_(value) {}
    secret(const char* value) noexcept : value_(value) {}
    secret(const std::string& value) noexcept : value_(value) {}
    /// Takes the string's content and wipes the string.
    secret(std::string&& value) noexcept : value_(value) { wipe(value); }
    secret(const secret& other) noexcept : value_(other.value_) {}
    secret(secret&& other) noexcept : value_(other.value_) { other.clear(); }
    secret& operator=(const secret& other) noexcept;
    secret& operator=(secret&& other) noexcept;
    ~secret() { clear(); }

    bool empty() const noexcept { return value_.empty(); }
    std::size_t size() const noexcept { return value_.size(); }
    bool overflowed() const noexcept { return value_.overflowed(); }
    std::string_view reveal() const noexcept { return value_.view(); }
    void clear() noexcept;

    /// Constant-time comparison of the contents.
    friend bool operator==(const secret& a, const secret& b) noexcept;

private:
    struct storage : fixed_string<max_size> {
        using fixed_string::fixed_string;
        using fixed_string::mutable_data;
    };
    storage value_{};
};

/// Prints `***` (or nothing for an empty secret), never the content.
/// Compares the contents (in constant time when the lengths are equal).
bool operator==(const secret& a, const secret& b) noexcept;
std::ostream& operator<<(std::ostream& os, const secret& s);

}  // namespace neo
NEO_VISIBLE_END
