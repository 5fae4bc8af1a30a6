// neo/mock/pki.hpp: throwaway certificates made in memory, for the mock gateway and tests.
#pragma once

#include <neo/detail/config.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

NEO_VISIBLE_BEGIN
namespace neo::mock {

/// A certificate and its private key, both PEM.
struct certificate_pem {
    std::string certificate{};
    std::string private_key{};
};

/// The key of an issued certificate.
enum class key_kind {
    ec_p256,  ///< the default
    rsa_2048,
    rsa_1024,  ///< weak: refused by clients at OpenSSL security level 2 (for tests)
};

/// What a server certificate says.
struct certificate_options {
    std::string common_name = "neo mock gateway";
    std::vector<std::string> dns_names{"localhost"};
    std::vector<std::string> ip_addresses{"127.0.0.1"};
    /// Validity, relative to now: [now + not_before, now + not_after].
    std::chrono::seconds not_before{-3600};
    std::chrono::seconds not_after{24 * 3600};
    key_kind key = key_kind::ec_p256;
};

/// A self-signed CA with a fresh EC P-256 key, made in memory; nothing is written to disk.
class certificate_authority {
public:
    explicit certificate_authority(std::string common_name = "neo mock CA");
    /// The CA's certificate, PEM: what a client trusts.
    const std::string& certificate() const noexcept;
    /// A server certificate signed by this CA.
    certificate_pem issue(const certificate_options& options = {}) const;
    /// An intermediate CA signed by this one. A server using a certificate it issues must send
    /// the intermediate's certificate after its own (the chain), or clients cannot verify it.
    certificate_authority intermediate(std::string common_name = "neo mock intermediate CA") const;

    /// A server certificate signed by its own key (no CA at all).
    static certificate_pem self_signed(const certificate_options& options = {});

private:
    struct NEO_HIDDEN impl;
    certificate_authority(std::string common_name, const certificate_authority* issuer);
    std::shared_ptr<impl> impl_{};
};

}  // namespace neo::mock
NEO_VISIBLE_END
