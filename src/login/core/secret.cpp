// Wiping memory, and comparing and printing secrets without revealing them.
#include <neo/secret.hpp>

#include <openssl/crypto.h>

#include <ostream>

namespace neo {

void wipe(void* p, std::size_t n) noexcept {
    if (p && n) OPENSSL_cleanse(p, n);
}

namespace detail {

bool secrets_equal(std::string_view x, std::string_view y) noexcept {
    return x.size() == y.size() && CRYPTO_memcmp(x.data(), y.data(), x.size()) == 0;
}

std::ostream& print_secret(std::ostream& os, bool empty) {
    return os << (empty ? "" : "***");
}

}  // namespace detail

}  // namespace neo
