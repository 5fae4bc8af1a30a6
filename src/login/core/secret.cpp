#include <neo/secret.hpp>

#include <openssl/crypto.h>

#include <ostream>

namespace neo {

void wipe(void* p, std::size_t n) noexcept {
    if (p && n) OPENSSL_cleanse(p, n);
}

secret& secret::operator=(const secret& other) noexcept {
    if (this != &other) {
        clear();
        value_ = other.value_;
    }
    return *this;
}

secret& secret::operator=(secret&& other) noexcept {
    if (this != &other) {
        clear();
        value_ = other.value_;
        other.clear();
    }
    return *this;
}

void secret::clear() noexcept {
    wipe(value_.mutable_data(), value_.size());
    value_.clear();
}

bool operator==(const secret& a, const secret& b) noexcept {
    const auto x = a.reveal(), y = b.reveal();
    return x.size() == y.size() && CRYPTO_memcmp(x.data(), y.data(), x.size()) == 0;
}

std::ostream& operator<<(std::ostream& os, const secret& s) {
    return os << (s.empty() ? "" : "***");
}

}  // namespace neo
