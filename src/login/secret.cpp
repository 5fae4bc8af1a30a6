#include <neo/secret.hpp>

#include <openssl/crypto.h>

#include <ostream>

namespace neo {

void wipe(void* p, std::size_t n) noexcept {
    if (p && n) OPENSSL_cleanse(p, n);
}

secret::secret(secret&& other) noexcept : value_(std::move(other.value_)) { other.clear(); }

secret& secret::operator=(const secret& other) {
    if (this != &other) {
        clear();
        value_ = other.value_;
    }
    return *this;
}

secret& secret::operator=(secret&& other) noexcept {
    if (this != &other) {
        clear();
        value_ = std::move(other.value_);
        other.clear();
    }
    return *this;
}

secret::~secret() { clear(); }

void secret::clear() noexcept {
    // Wipe the whole capacity: a short string lives in the object, a long one on the heap.
    wipe(value_.data(), value_.capacity());
    value_.clear();
}

bool operator==(const secret& a, const secret& b) noexcept {
    const auto x = a.reveal(), y = b.reveal();
    return x.size() == y.size() && CRYPTO_memcmp(x.data(), y.data(), x.size()) == 0;
}

std::ostream& operator<<(std::ostream& os, const secret& s) { return os << (s.empty() ? "" : "***"); }

} // namespace neo
