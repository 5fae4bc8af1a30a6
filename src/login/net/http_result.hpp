// What one exchange (connection set-up, request, answer) came to, before the answer is classified.
#pragma once

#include <neo/diagnostics.hpp>

#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>

#include <string>

namespace neo::detail {

struct http_result {
    boost::system::error_code ec;
    phase failed = phase::none;
    bool request_sent = false;
    // It failed on a kept-alive connection the server had closed meanwhile (before any answer).
    bool stale_connection = false;
    unsigned status = 0;
    std::string content_type;
    std::string retry_after;
    std::string date;  // the server's clock
    std::string content_encoding;
    std::string body;
    bool tls_resumed = false;
    bool connection_reused = false;
    bool resolved = false;  // a new connection asked the resolver
    std::string detail;

    // Every early exit goes through here: once the caller has cancelled, the reason is always
    // operation_aborted, whatever the phase saw. Returns false (`co_return r.fail(...)` in a
    // set-up step that yields whether it succeeded).
    bool fail(bool cancelled, boost::system::error_code e, phase ph, std::string why = {}) {
        ec = cancelled ? boost::system::error_code(boost::asio::error::operation_aborted) : e;
        failed = ph;
        detail = std::move(why);
        return false;
    }
};

}  // namespace neo::detail
