// The neo-login command line: parsing and exit statuses (kept apart from main for the tests).
#pragma once

#include <neo/client_params.hpp>
#include <neo/login_request.hpp>
#include <neo/secret.hpp>

#include <boost/system/error_code.hpp>

#include <functional>
#include <istream>
#include <string>
#include <utility>
#include <vector>

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

/// What the run does after parsing.
enum class flow {
    view,          ///< generation 1 login only: the view session (the core contract)
    generate_otp,  ///< generation 1 login, then ask the gateway to send the OTP; prints the view session
    otp,           ///< generation 1 login, then the OTP second factor (--otp CODE, or --otp-stdin after generating)
    mpin_2fa,      ///< generation 1 login with the password, then the MPIN second factor
    totp,          ///< generation 2: TOTP login, then MPIN validation
};

struct cli_options {
    client_params params;
    login_request request;
    flow mode = flow::view;
    /// --otp CODE; empty with --otp-stdin (read after the OTP is generated).
    secret otp;
    bool otp_stdin = false;
    /// The MPIN of the second factor (--mpin-2fa) or of generation 2's validation.
    secret second_mpin;
    /// Generation 2: the request (its TOTP set from --totp), or the seed from NEO_TOTP_SECRET.
    totp_login_request totp_request;
    secret totp_seed;
    bool logout = false;
    std::string session_file;
    bool verbose = false;
    bool help = false;
};

using env_lookup = std::function<const char*(const char*)>;

/// Parses the arguments; an empty string on success, else what is wrong (never a secret).
std::string parse_cli(int argc, const char* const* argv, const env_lookup& env, std::istream& in, cli_options& out);

/// Reads one line (without its line end) straight into a secret; no heap copy is left behind.
/// A line longer than `secret::max_size` gives an overflowed secret.
secret read_secret_line(std::istream& in);

/// The flags whose value is a secret, and the environment variables that hold one.
extern const char* const secret_flags[];
extern const char* const secret_env[];

/// Makes the process non-dumpable: no core file with secrets in it, no ptrace or /proc/PID/mem
/// for other users. First thing in main.
void protect_process();

/// Overwrites the values of `secret_flags` in argv (`--flag VALUE` and `--flag=VALUE`) and of
/// `secret_env` in the environment with `*`, so /proc/PID/cmdline and /proc/PID/environ stop
/// showing them.
void hide_secrets(int argc, char** argv);

/// The command line and the secret environment variables, copied into memory of our own (wiped
/// when this goes), then hidden in place (hide_secrets): first thing in main, before anything
/// waits (standard input, the network, a lock). parse_cli reads the copies.
class taken_arguments {
public:
    taken_arguments(int argc, char** argv);
    ~taken_arguments();
    taken_arguments(const taken_arguments&) = delete;
    taken_arguments& operator=(const taken_arguments&) = delete;

    int argc() const noexcept { return static_cast<int>(args_.size()); }
    const char* const* argv() const noexcept { return pointers_.data(); }
    /// A secret variable's value as it was, any other variable from the environment.
    const char* env(const char* name) const;

private:
    std::vector<std::string> args_;
    std::vector<const char*> pointers_;
    std::vector<std::pair<std::string, std::string>> secret_env_;
};

/// The exit status for the final error of a login.
int exit_status_for(const boost::system::error_code& ec);

extern const char* const usage;

}  // namespace neo::tools
