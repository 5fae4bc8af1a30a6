// One TLS connection (see connection.hpp).
#include "connection.hpp"

namespace neo::detail {

connection::~connection() {
    if (!clean) return;
    SSL* h = tls.native_handle();
    SSL_set_shutdown(h, SSL_get_shutdown(h) | SSL_RECEIVED_SHUTDOWN);
    tls.shutdown_now();
    SSL_set_shutdown(h, SSL_get_shutdown(h) | SSL_SENT_SHUTDOWN);
}

}  // namespace neo::detail
