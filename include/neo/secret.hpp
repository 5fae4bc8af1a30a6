// neo/secret.hpp: a string that wipes itself and never prints its content.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>

namespace neo {

/// Holds a password, MPIN, OTP, consumer secret or token. The bytes are wiped
/// (`OPENSSL_cleanse`) when the holder is destroyed, assigned over or moved from; streaming a
/// `secret` prints `***`. Read the content only where it must go on the wire: `reveal()`.
class secret {
public:
    secret() = default;
    secret(std::string value) noexcept : value_(std::move(value)) {}
    secret(std::string_view value) : value_(value) {}
    secret(const char* value) : value_(value ? value : "") {}
    secret(const secret& other) : value_(other.value_) {}
    secret(secret&& other) noexcept;
    secret& operator=(const secret& other);
    secret& operator=(secret&& other) noexcept;
    ~secret();

    bool empty() const noexcept { return value_.empty(); }
    std::size_t size() const noexcept { return value_.size(); }
    std::string_view reveal() const noexcept { return value_; }
    void clear() noexcept;

    friend bool operator==(const secret& a, const secret& b) noexcept;

private:
    std::string value_;
};

/// Prints `***` (or nothing for an empty secret), never the content.
std::ostream& operator<<(std::ostream& os, const secret& s);

/// Overwrites `n` bytes at `p` in a way the compiler cannot remove.
void wipe(void* p, std::size_t n) noexcept;
inline void wipe(std::string& s) noexcept { wipe(s.data(), s.size()); s.clear(); }

} // namespace neo
