// The neo-login command line: parsing and exit statuses (kept apart from main for the tests).
#pragma once

#include <neo/client_params.hpp>
#include <neo/login_request.hpp>

#include <boost/system/error_code.hpp>

#include <functional>
#include <istream>
#include <string>

namespace neo::tools {

enum exit_status : int {
    exit_ok = 0,
    exit_other = 1,         ///< cancelled (SIGINT/SIGTERM) or an internal error
    exit_usage = 2,         ///< bad usage or invalid input; nothing was sent
    exit_rejected = 3,      ///< 400, 401, 403, 500, another non-retryable status, an error body
    exit_unavailable = 4,   ///< retries ran out on 429/502/503/504 or connection failures
    exit_tls = 5,           ///< untrusted, expired or wrong-host certificate; protocol version
    exit_bad_response = 6,  ///< malformed JSON, missing fields, framing, size limits, redirects
    exit_timeout = 7,       ///< deadline reached, or the last attempt's phase timed out
};

struct cli_options {
    client_params params;
    login_request request;
    bool verbose = false;
    bool help = false;
};

using env_lookup = std::function<const char*(const char*)>;

/// Parses the arguments; an empty string on success, else what is wrong (never a secret).
std::string parse_cli(int argc, const char* const* argv, const env_lookup& env, std::istream& in, cli_options& out);

/// The exit status for the final error of a login.
int exit_status_for(const boost::system::error_code& ec);

extern const char* const usage;

}  // namespace neo::tools
