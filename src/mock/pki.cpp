// Throwaway certificates for the mock: a CA and the certificates it issues, made in memory.
#include <neo/mock/pki.hpp>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace neo::mock {
namespace {

struct free_key {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct free_x509 {
    void operator()(X509* x) const { X509_free(x); }
};
struct free_bio {
    void operator()(BIO* b) const { BIO_free(b); }
};
using key_ptr = std::unique_ptr<EVP_PKEY, free_key>;
using x509_ptr = std::unique_ptr<X509, free_x509>;
using bio_ptr = std::unique_ptr<BIO, free_bio>;

void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("certificate generation failed: ") + what);
}

key_ptr new_key(key_kind kind = key_kind::ec_p256) {
    key_ptr k(kind == key_kind::ec_p256    ? EVP_EC_gen("P-256")
              : kind == key_kind::rsa_2048 ? EVP_RSA_gen(2048)
                                           : EVP_RSA_gen(1024));
    check(k != nullptr, "key");
    return k;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    check(ext != nullptr, "extension");
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

x509_ptr new_cert(const std::string& cn, EVP_PKEY* pub, long not_before, long not_after) {
    x509_ptr x(X509_new());
    check(x != nullptr, "X509_new");
    X509_set_version(x.get(), 2);
    unsigned char serial[16];
    RAND_bytes(serial, sizeof serial);
    serial[0] &= 0x7f;
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x.get()));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), not_before);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), not_after);
    X509_NAME* name = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                               0);
    X509_set_pubkey(x.get(), pub);
    return x;
}

std::string pem_of(X509* x) {
    bio_ptr b(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(b.get(), x);
    char* data = nullptr;
    const long n = BIO_get_mem_data(b.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string pem_of(EVP_PKEY* k) {
    bio_ptr b(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(b.get(), k, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long n = BIO_get_mem_data(b.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

// The extensions and signature of a server certificate, issued by `issuer` (itself when null).
void finish_leaf(X509* x, X509* issuer_cert, EVP_PKEY* issuer_key, const certificate_options& o) {
    X509* issuer = issuer_cert ? issuer_cert : x;
    X509_set_issuer_name(x, X509_get_subject_name(issuer));
    std::string san;
    for (const auto& d : o.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
    for (const auto& ip : o.ip_addresses) san += (san.empty() ? "IP:" : ",IP:") + ip;
    if (!san.empty()) add_ext(x, issuer, NID_subject_alt_name, san);
    add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(x, issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    add_ext(x, issuer, NID_ext_key_usage, "serverAuth");
    if (issuer_cert) add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
    check(X509_sign(x, issuer_key, EVP_sha256()) > 0, "certificate signature");
}

}  // namespace

struct certificate_authority::impl {
    key_ptr key;
    x509_ptr cert;
    std::string pem;
};

certificate_authority::certificate_authority(std::string common_name)
    : certificate_authority(std::move(common_name), nullptr) {}

certificate_authority::certificate_authority(std::string common_name, const certificate_authority* issuer)
    : impl_(std::make_shared<impl>()) {
    impl_->key = new_key();
    impl_->cert = new_cert(common_name, impl_->key.get(), -3600, 10L * 365 * 86400);
    X509* signer = issuer ? issuer->impl_->cert.get() : impl_->cert.get();
    X509_set_issuer_name(impl_->cert.get(), X509_get_subject_name(signer));
    add_ext(impl_->cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(impl_->cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(impl_->cert.get(), impl_->cert.get(), NID_subject_key_identifier, "hash");
    if (issuer) add_ext(impl_->cert.get(), signer, NID_authority_key_identifier, "keyid:always");
    check(X509_sign(impl_->cert.get(), issuer ? issuer->impl_->key.get() : impl_->key.get(), EVP_sha256()) > 0,
          "CA signature");
    impl_->pem = pem_of(impl_->cert.get());
}

certificate_authority certificate_authority::intermediate(std::string common_name) const {
    return certificate_authority(std::move(common_name), this);
}

certificate_pem certificate_authority::self_signed(const certificate_options& o) {
    key_ptr key = new_key(o.key);
    x509_ptr x = new_cert(o.common_name, key.get(), static_cast<long>(o.not_before.count()),
                          static_cast<long>(o.not_after.count()));
    finish_leaf(x.get(), nullptr, key.get(), o);
    return {pem_of(x.get()), pem_of(key.get())};
}

const std::string& certificate_authority::certificate() const noexcept {
    return impl_->pem;
}

certificate_pem certificate_authority::issue(const certificate_options& o) const {
    key_ptr key = new_key(o.key);
    x509_ptr x = new_cert(o.common_name, key.get(), static_cast<long>(o.not_before.count()),
                          static_cast<long>(o.not_after.count()));
    finish_leaf(x.get(), impl_->cert.get(), impl_->key.get(), o);
    return {pem_of(x.get()), pem_of(key.get())};
}

}  // namespace neo::mock
