// neo/mock/pki.hpp: throwaway certificates made in memory, for the mock gateway and tests.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace neo::mock {

/// A certificate and its private key, both PEM.
struct certificate_pem {
    std::string certificate;
    std::string private_key;
};

/// What a server certificate says.
struct certificate_options {
    std::string common_name = "neo mock gateway";
    std::vector<std::string> dns_names{"localhost"};
    std::vector<std::string> ip_addresses{"127.0.0.1"};
    /// Validity, relative to now: [now + not_before, now + not_after].
    std::chrono::seconds not_before{-3600};
    std::chrono::seconds not_after{24 * 3600};
};

/// A self-signed CA with a fresh EC P-256 key, made in memory; nothing is written to disk.
class certificate_authority {
public:
    explicit certificate_authority(std::string common_name = "neo mock CA");
    /// The CA's certificate, PEM: what a client trusts.
    const std::string& certificate() const noexcept;
    /// A server certificate signed by this CA.
    certificate_pem issue(const certificate_options& options = {}) const;

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

}  // namespace neo::mock
