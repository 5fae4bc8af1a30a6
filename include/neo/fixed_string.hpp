// neo/fixed_string.hpp: a short string stored inside the object.
#pragma once

#include <neo/detail/config.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

NEO_VISIBLE_BEGIN
namespace neo {

/// Up to `Capacity` bytes, stored inside the object: no heap, no pointer to itself.
///
/// Why not std::string: a request is usually written as a braced aggregate right inside
/// `co_await client.async_login({...})`, and GCC 12 miscompiles class-type members of an aggregate
/// temporary in a co_await expression (it bit-copies them and destroys both copies). A type with
/// no self-pointer and no heap survives that; std::string does not.
///
/// A longer value is not silently cut: `overflowed()` turns true, the content is emptied, and the
/// library rejects the request with a typed error before anything is sent.
template <std::size_t Capacity>
class fixed_string {
    static_assert(Capacity > 0 && Capacity < 65535);

public:
    constexpr fixed_string() noexcept = default;
    fixed_string(std::string_view s) noexcept { assign(s); }
    fixed_string(const char* s) noexcept { assign(s ? std::string_view(s) : std::string_view()); }
    fixed_string(const std::string& s) noexcept { assign(s); }

    fixed_string& operator=(std::string_view s) noexcept { return assign(s); }
    fixed_string& operator=(const char* s) noexcept { return assign(s ? std::string_view(s) : std::string_view()); }
    fixed_string& operator=(const std::string& s) noexcept { return assign(s); }

    fixed_string& assign(std::string_view s) noexcept {
        overflow_ = s.size() > Capacity;
        size_ = overflow_ ? 0 : static_cast<std::uint16_t>(s.size());
        std::copy_n(s.data(), size_, data_);
        data_[size_] = '\0';
        return *this;
    }

    std::string_view view() const noexcept { return {data_, size_}; }
    operator std::string_view() const noexcept { return view(); }
    std::string str() const { return std::string(view()); }
    explicit operator std::string() const { return str(); }

    const char* data() const noexcept { return data_; }
    const char* c_str() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0 && !overflow_; }
    static constexpr std::size_t capacity() noexcept { return Capacity; }
    /// A value longer than Capacity was assigned (and dropped).
    bool overflowed() const noexcept { return overflow_; }
    void clear() noexcept { assign({}); }

    friend bool operator==(const fixed_string& a, const fixed_string& b) noexcept { return a.view() == b.view(); }
    friend bool operator==(const fixed_string& a, std::string_view b) noexcept { return a.view() == b; }
    friend bool operator==(const fixed_string& a, const char* b) noexcept {
        return a.view() == std::string_view(b ? b : "");
    }
    friend bool operator==(const fixed_string& a, const std::string& b) noexcept { return a.view() == b; }
    friend std::ostream& operator<<(std::ostream& os, const fixed_string& s) { return os << s.view(); }

protected:
    char* mutable_data() noexcept { return data_; }
    // Empty and overflowed, as after assigning a value too long (for a copy of an overflowed one).
    void set_overflowed() noexcept {
        clear();
        overflow_ = true;
    }

private:
    char data_[Capacity + 1] = {};
    std::uint16_t size_ = 0;
    bool overflow_ = false;
};

}  // namespace neo
NEO_VISIBLE_END
