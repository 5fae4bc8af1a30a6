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

namespace detail {
bool secrets_equal(std::string_view a, std::string_view b) noexcept;  // constant time for equal lengths
std::ostream& print_secret(std::ostream& os, bool empty);
}  // namespace detail

/// Holds a password, MPIN, OTP, TOTP seed, consumer secret or token: up to `Capacity` bytes.
///
/// The bytes live inside the object, never on the heap, so no copy of them survives in a freed
/// block; they are wiped when the holder is destroyed, cleared, assigned over or moved from.
/// Streaming one prints `***`. Read the content only where it must go on the wire: `reveal()`.
/// A longer value sets `overflowed()` and is rejected with a typed error by whatever it is given
/// to. Secrets of different capacities convert into each other (an overflow carries over), so a
/// `neo::secret` can be given wherever a field holds a shorter one (`login_request::mpin`, ...).
template <std::size_t Capacity>
class basic_secret {
public:
    static constexpr std::size_t max_size = Capacity;

    basic_secret() noexcept = default;
    basic_secret(std::string_view value) noexcept : value_(value) {}
    basic_secret(const char* value) noexcept : value_(value) {}
    basic_secret(const std::string& value) noexcept : value_(value) {}
    /// Takes the string's content and wipes the string.
    basic_secret(std::string&& value) noexcept : value_(value) { wipe(value); }
    basic_secret(const basic_secret& other) noexcept : value_(other.value_) {}
    basic_secret(basic_secret&& other) noexcept : value_(other.value_) { other.clear(); }
    template <std::size_t N>
    requires(N != Capacity) basic_secret(const basic_secret<N>& other)
    noexcept { take(other); }
    template <std::size_t N>
    requires(N != Capacity) basic_secret(basic_secret<N>&& other)
    noexcept {
        take(other);
        other.clear();
    }
    basic_secret& operator=(const basic_secret& other) noexcept {
        if (this != &other) {
            clear();
            value_ = other.value_;
        }
        return *this;
    }
    basic_secret& operator=(basic_secret&& other) noexcept {
        if (this != &other) {
            clear();
            value_ = other.value_;
            other.clear();
        }
        return *this;
    }
    template <std::size_t N>
    requires(N != Capacity) basic_secret& operator=(const basic_secret<N>& other) noexcept {
        clear();
        take(other);
        return *this;
    }
    template <std::size_t N>
    requires(N != Capacity) basic_secret& operator=(basic_secret<N>&& other) noexcept {
        clear();
        take(other);
        other.clear();
        return *this;
    }
    ~basic_secret() { clear(); }

    bool empty() const noexcept { return value_.empty(); }
    std::size_t size() const noexcept { return value_.size(); }
    bool overflowed() const noexcept { return value_.overflowed(); }
    std::string_view reveal() const noexcept { return value_.view(); }
    static constexpr std::size_t capacity() noexcept { return Capacity; }
    void clear() noexcept {
        wipe(value_.mutable_data(), value_.size());
        value_.clear();
    }

    /// Compares the contents (in constant time when the lengths are equal).
    friend bool operator==(const basic_secret& a, const basic_secret& b) noexcept {
        return detail::secrets_equal(a.reveal(), b.reveal());
    }
    template <std::size_t N>
    requires(N != Capacity) friend bool operator==(const basic_secret& a, const basic_secret<N>& b) noexcept {
        return detail::secrets_equal(a.reveal(), b.reveal());
    }
    /// Prints `***` (or nothing for an empty secret), never the content.
    friend std::ostream& operator<<(std::ostream& os, const basic_secret& s) {
        return detail::print_secret(os, s.empty());
    }

private:
    template <std::size_t N>
    void take(const basic_secret<N>& other) noexcept {
        if (other.overflowed())
            value_.set_overflowed();
        else
            value_.assign(other.reveal());
    }
    struct storage : fixed_string<Capacity> {
        using fixed_string<Capacity>::fixed_string;
        using fixed_string<Capacity>::mutable_data;
        using fixed_string<Capacity>::set_overflowed;
    };
    storage value_{};
};

/// Tokens and anything else: 2 KiB.
using secret = basic_secret<2048>;

}  // namespace neo
NEO_VISIBLE_END
