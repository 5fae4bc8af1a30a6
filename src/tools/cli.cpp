// The neo-login command line: flags, secrets from the environment or stdin, exit statuses.
#include "cli.hpp"

#include <neo/error.hpp>
#include <neo/logger.hpp>

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

#include <sys/prctl.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>

namespace neo::tools {

const char* const usage = R"(usage: neo-login [options]
Logs in to the Kotak Neo Trade API once and prints the session's data object (JSON) on stdout.

  --env uat|prod|live          the gateway (default uat; live = prod)
  --gateway https://HOST:PORT  another origin with the --env paths (default prod paths)
  --ca-file PATH               trust these CAs (PEM) instead of the system store
  --mobilenumber N | --userid U | --pan P        exactly one
  password: env NEO_PASSWORD or --password-stdin; MPIN instead: env NEO_MPIN or --mpin-stdin
  --access-token T (or env NEO_ACCESS_TOKEN), else --consumer-key K / --consumer-secret S
                               (or env NEO_CONSUMER_KEY / NEO_CONSUMER_SECRET)
  --max-attempts N (4)  --deadline-ms N (30000)  --timeout-ms N (10000, each phase)
  --backoff-initial-ms N (250; 4x after a 429)  --backoff-max-ms N (8000)
  --verbose                    more detail on stderr (never a secret)

networks:
  --proxy http://HOST:PORT     tunnel every connection through this HTTP CONNECT proxy; its
                               credentials from env NEO_PROXY_USER / NEO_PROXY_PASSWORD only
  --proxy-from-env             the proxy of HTTPS_PROXY (or https_proxy), except for the hosts
                               of NO_PROXY (or no_proxy); --proxy overrides its origin
  --local-address IP           leave from this address of the host (one whitelisted by the gateway)

  The command line is visible to every local user (ps, /proc/PID/cmdline) until neo-login has
  read it: give secrets through the environment (NEO_PASSWORD, NEO_MPIN, NEO_ACCESS_TOKEN,
  NEO_CONSUMER_SECRET, NEO_OTP, NEO_TOTP, NEO_TOTP_SECRET, NEO_PROXY_PASSWORD) or standard input,
  never as values.
  neo-login overwrites the secret values it was given in its argv and environment once read.

generation 1, second factor (prints the trade session instead of the view session):
  --generate-otp               log in and have the gateway send the OTP; prints the view session.
                               With --session-file, the view session is kept there and a later
                               run with --otp and the same file completes the second factor on
                               it, without logging in again (the OTP belongs to that session)
  --otp CODE                   the OTP (4 digits) sent after an earlier --generate-otp
                               (or env NEO_OTP); needs that run's --session-file
  --otp-stdin                  log in, have the OTP sent, then read it from standard input
  --mpin-2fa                   the MPIN is the second factor (env NEO_MPIN or --mpin-stdin);
                               the login then uses the password (both on stdin: password first).
                               Implied when NEO_PASSWORD and NEO_MPIN are both set, or with
                               --password-stdin and --mpin-stdin together.
generation 2 (current API; needs --mobilenumber and the consumer key only):
  --ucc UCC                    log in with a TOTP, then validate the MPIN (env NEO_MPIN or
                               --mpin-stdin); the TOTP comes from --totp CODE or is computed from
                               the base32 seed in env NEO_TOTP_SECRET
  --totp CODE                  the 6-digit TOTP of the moment (or env NEO_TOTP)
both:
  --session-file PATH          reuse the trade session saved there while it is valid; save the
                               new one (mode 0600) after a login
  --logout                     end the trade session afterwards (generation 1: on the gateway;
                               generation 2 logs out locally) and remove the session file;
                               prints nothing on stdout

exit status: 0 logged in; 2 bad usage or invalid input; 3 rejected (the proxy's refusal too);
4 unavailable (an unreachable proxy, or its 502/503/504, too); 5 TLS failure; 6 bad response (a
proxy answer that is not HTTP too); 7 deadline or timeout; 1 cancelled or internal error
)";

namespace {

std::optional<long long> number(std::string_view s, long long min, long long max) {
    long long v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || p != s.data() + s.size() || v < min || v > max) return std::nullopt;
    return v;
}

}  // namespace

secret read_secret_line(std::istream& in) {
    // Straight into a buffer on the stack, wiped after: no growing string leaves a copy behind.
    char buf[secret::max_size + 1];
    std::size_t n = 0;
    for (char c; in.get(c) && c != '\n';)
        if (n < sizeof buf) buf[n++] = c;
    while (n > 0 && n <= secret::max_size && buf[n - 1] == '\r') --n;
    secret s(std::string_view(buf, n));  // a line longer than max_size gives an overflowed secret
    wipe(buf, sizeof buf);
    return s;
}

std::string parse_cli(int argc, const char* const* argv, const env_lookup& env, std::istream& in, cli_options& out) {
    std::optional<environment> env_paths;
    std::string gateway_origin, access_token, consumer_key, consumer_secret;
    std::string proxy_origin;
    bool proxy_from_env = false;
    bool password_stdin = false, mpin_stdin = false;
    bool generate_otp = false, mpin_2fa = false, ucc_given = false;
    auto& p = out.params;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        // --option=value, as GNU tools take it, for every option.
        const char* inline_value = nullptr;
        if (a.size() > 2 && a.substr(0, 2) == "--")
            if (const auto eq = a.find('='); eq != std::string_view::npos) {
                inline_value = argv[i] + eq + 1;
                a = a.substr(0, eq);
            }
        bool value_taken = false;
        auto value = [&](auto& dst) -> bool {
            value_taken = true;
            if (inline_value) {
                dst = inline_value;
                return true;
            }
            if (i + 1 >= argc) return false;
            dst = argv[++i];
            return true;
        };
        auto ms = [&](std::chrono::milliseconds& dst, long long min) -> std::string {
            std::string v;
            if (!value(v)) return std::string(a) + " needs a value";
            auto n = number(v, min, 24LL * 3600 * 1000);
            if (!n) return std::string(a) + " needs a whole number of milliseconds";
            dst = std::chrono::milliseconds(*n);
            return {};
        };
        std::string v, err;
        if (a == "--help" || a == "-h") {
            out.help = true;
            return {};
        } else if (a == "--env") {
            if (!value(v)) return "--env needs a value";
            if (v == "uat")
                env_paths = environment::uat;
            else if (v == "prod" || v == "live")
                env_paths = environment::prod;
            else
                return "--env takes uat, prod or live";
        } else if (a == "--gateway") {
            if (!value(gateway_origin)) return "--gateway needs a value";
        } else if (a == "--ca-file") {
            if (!value(p.ca_file)) return "--ca-file needs a value";
        } else if (a == "--mobilenumber") {
            if (!value(out.request.mobilenumber)) return "--mobilenumber needs a value";
        } else if (a == "--userid") {
            if (!value(out.request.userid)) return "--userid needs a value";
        } else if (a == "--pan") {
            if (!value(out.request.pan)) return "--pan needs a value";
        } else if (a == "--password-stdin") {
            password_stdin = true;
        } else if (a == "--mpin-stdin") {
            mpin_stdin = true;
        } else if (a == "--access-token") {
            if (!value(access_token)) return "--access-token needs a value";
        } else if (a == "--consumer-key") {
            if (!value(consumer_key)) return "--consumer-key needs a value";
        } else if (a == "--consumer-secret") {
            if (!value(consumer_secret)) return "--consumer-secret needs a value";
        } else if (a == "--max-attempts") {
            if (!value(v)) return "--max-attempts needs a value";
            auto n = number(v, 1, 100);
            if (!n) return "--max-attempts takes a number from 1 to 100";
            p.retry.max_attempts = static_cast<int>(*n);
        } else if (a == "--deadline-ms") {
            if (err = ms(p.retry.deadline, 1); !err.empty()) return err;
        } else if (a == "--timeout-ms") {
            std::chrono::milliseconds t{};
            if (err = ms(t, 1); !err.empty()) return err;
            p.timeouts.resolve = p.timeouts.connect = p.timeouts.handshake = p.timeouts.exchange = p.timeouts.proxy = t;
            p.timeouts.shutdown = std::min(p.timeouts.shutdown, t);
        } else if (a == "--backoff-initial-ms") {
            if (err = ms(p.retry.initial_backoff, 0); !err.empty()) return err;
            p.retry.initial_backoff_429 = 4 * p.retry.initial_backoff;
        } else if (a == "--backoff-max-ms") {
            if (err = ms(p.retry.max_backoff, 0); !err.empty()) return err;
        } else if (a == "--generate-otp") {
            generate_otp = true;
        } else if (a == "--otp") {
            if (!value(v)) return "--otp needs a value";
            out.otp = secret(std::move(v));
        } else if (a == "--otp-stdin") {
            out.otp_stdin = true;
        } else if (a == "--mpin-2fa") {
            mpin_2fa = true;
        } else if (a == "--ucc") {
            if (!value(v)) return "--ucc needs a value";
            out.totp_request.ucc = v;
            ucc_given = true;
        } else if (a == "--totp") {
            if (!value(v)) return "--totp needs a value";
            out.totp_request.totp = secret(std::move(v));
        } else if (a == "--logout") {
            out.logout = true;
        } else if (a == "--session-file") {
            if (!value(out.session_file)) return "--session-file needs a value";
        } else if (a == "--proxy") {
            if (!value(proxy_origin)) return "--proxy needs a value";
        } else if (a == "--proxy-from-env") {
            proxy_from_env = true;
        } else if (a == "--local-address") {
            if (!value(p.local_address)) return "--local-address needs a value";
        } else if (a == "--verbose" || a == "-v") {
            out.verbose = true;
        } else if (!a.empty() && a.front() == '-') {
            // The option's name only (a value after '=' may be a secret), escaped.
            return "unknown option '" + escape_text(a.substr(0, 64)) + "'";
        } else {
            return "unexpected argument " + std::to_string(i) + " (not an option)";  // never its text
        }
        if (inline_value && !value_taken) return std::string(a) + " takes no value";
    }
    // A password and an MPIN both given the same way (both in the env, or both on stdin): the
    // password logs in, the MPIN is the second factor. (A stdin flag beside the other secret in
    // the env keeps the core meaning: the flag's secret logs in.)
    if (!ucc_given && !mpin_2fa) {
        const char* pw = env("NEO_PASSWORD");
        const char* mp = env("NEO_MPIN");
        const bool both_env = !password_stdin && !mpin_stdin && pw && *pw && mp && *mp;
        if (both_env || (password_stdin && mpin_stdin)) mpin_2fa = true;
    }
    // The OTP and the TOTP from the environment, when no flag gave them or chose another factor.
    if (out.otp.empty() && !ucc_given && !generate_otp && !out.otp_stdin && !mpin_2fa)
        if (const char* v = env("NEO_OTP"); v && *v) out.otp = secret(v);
    if (out.totp_request.totp.empty() && ucc_given)
        if (const char* v = env("NEO_TOTP"); v && *v) out.totp_request.totp = secret(v);
    // Which flow.
    const int second = generate_otp + !out.otp.empty() + out.otp_stdin + mpin_2fa;
    if (second > 1) return "--generate-otp, --otp, --otp-stdin and --mpin-2fa exclude each other";
    if (ucc_given && second) return "--ucc (generation 2) takes no generation 1 second factor";
    if (!ucc_given && !out.totp_request.totp.empty()) return "--totp needs --ucc";
    out.mode = ucc_given      ? flow::totp
               : generate_otp ? flow::generate_otp
               : mpin_2fa     ? flow::mpin_2fa
               : second       ? flow::otp
                              : flow::view;
    if (out.logout && (out.mode == flow::view || out.mode == flow::generate_otp))
        return "--logout needs a trade session: add --otp, --otp-stdin, --mpin-2fa or --ucc";
    if (!out.session_file.empty() && out.mode == flow::view)
        return "--session-file needs a trade session (add --otp, --otp-stdin, --mpin-2fa or --ucc) or "
               "--generate-otp";
    if (out.mode == flow::otp && !out.otp.empty() && (out.otp.size() != 4 || out.otp.overflowed()))
        return "--otp (NEO_OTP) takes the 4-digit OTP";
    // The OTP belongs to the view session whose generation sent it: a new login would send it
    // under a session that never asked for one.
    if (out.mode == flow::otp && !out.otp_stdin && out.session_file.empty())
        return "--otp (NEO_OTP) needs the --session-file of the --generate-otp run: the OTP belongs to the "
               "session that asked for it (--otp-stdin does both steps in one run)";

    // The proxy: the environment only when asked; its credentials from the environment only.
    if (proxy_from_env) p.proxy = proxy_from_environment();
    if (!proxy_origin.empty()) p.proxy.origin = std::move(proxy_origin);
    if (!p.proxy.origin.empty()) {
        if (const char* u = env("NEO_PROXY_USER"); u && *u) p.proxy.user = u;
        if (const char* pw = env("NEO_PROXY_PASSWORD"); pw && *pw) p.proxy.password = secret(pw);
    }

    try {
        if (!gateway_origin.empty())
            p.gateway = gateway::from_origin(gateway_origin, env_paths.value_or(environment::prod));
        else
            p.gateway = gateway::of(env_paths.value_or(environment::uat));
    } catch (const boost::system::system_error& e) {
        return e.what();
    }

    auto mpin_from = [&](secret& dst) -> std::string {
        if (mpin_stdin) {
            dst = read_secret_line(in);
            if (dst.empty()) return "no MPIN on standard input";
        } else if (const char* mp = env("NEO_MPIN"); mp && *mp) {
            dst = secret(mp);
        } else {
            return "no MPIN: set NEO_MPIN or use --mpin-stdin";
        }
        return {};
    };

    if (out.mode == flow::totp) {
        if (password_stdin) return "generation 2 (--ucc) takes no password";
        if (!out.request.userid.empty() || !out.request.pan.empty())
            return "generation 2 (--ucc) logs in with --mobilenumber";
        if (out.request.mobilenumber.empty()) return "generation 2 (--ucc) needs --mobilenumber";
        out.totp_request.mobilenumber = out.request.mobilenumber;
        if (out.totp_request.totp.empty()) {
            const char* seed = env("NEO_TOTP_SECRET");
            if (!seed || !*seed)
                return "no TOTP: give --totp CODE, set NEO_TOTP (the code) or NEO_TOTP_SECRET (the base32 seed)";
            out.totp_seed = secret(seed);
        }
        if (auto e = mpin_from(out.second_mpin); !e.empty()) return e;
        if (consumer_key.empty())
            if (const char* k = env("NEO_CONSUMER_KEY")) consumer_key = k;
        if (consumer_key.empty()) return "no consumer key: give --consumer-key or set NEO_CONSUMER_KEY";
        p.consumer_key = std::move(consumer_key);
        return {};
    }

    if (out.mode == flow::mpin_2fa) {
        // The password logs in; the MPIN is the second factor.
        if (password_stdin) {
            out.request.password = read_secret_line(in);
            if (out.request.password.overflowed()) return "the password on standard input is too long";
            if (out.request.password.empty()) return "no password on standard input";
        } else if (const char* pw = env("NEO_PASSWORD"); pw && *pw) {
            out.request.password = secret(pw);
        } else {
            return "no password: set NEO_PASSWORD or use --password-stdin (--mpin-2fa needs both)";
        }
        if (auto e = mpin_from(out.second_mpin); !e.empty()) return e;
    } else {
        if (password_stdin) {
            out.request.password = read_secret_line(in);
            if (out.request.password.overflowed()) return "the password on standard input is too long";
            if (out.request.password.empty()) return "no password on standard input";
        } else if (mpin_stdin) {
            out.request.mpin = read_secret_line(in);
            if (out.request.mpin.empty()) return "no MPIN on standard input";
        } else {
            const char* pw = env("NEO_PASSWORD");
            const char* mp = env("NEO_MPIN");
            const bool has_pw = pw && *pw, has_mp = mp && *mp;
            if (has_pw)
                out.request.password = secret(pw);
            else if (has_mp)
                out.request.mpin = secret(mp);
            else
                return "no password: set NEO_PASSWORD or use --password-stdin (or NEO_MPIN / --mpin-stdin)";
        }
    }

    if (access_token.empty())
        if (const char* t = env("NEO_ACCESS_TOKEN")) access_token = t;
    if (!access_token.empty()) {
        p.access_token = secret(std::move(access_token));
    } else {
        if (consumer_key.empty())
            if (const char* k = env("NEO_CONSUMER_KEY")) consumer_key = k;
        if (consumer_secret.empty())
            if (const char* s = env("NEO_CONSUMER_SECRET")) consumer_secret = s;
        if (consumer_key.empty() || consumer_secret.empty())
            return "no credentials: give --access-token (NEO_ACCESS_TOKEN) or --consumer-key and "
                   "--consumer-secret (NEO_CONSUMER_KEY, NEO_CONSUMER_SECRET)";
        p.consumer_key = std::move(consumer_key);
        p.consumer_secret = secret(std::move(consumer_secret));
    }
    return {};
}

const char* const secret_flags[] = {"--access-token", "--consumer-secret", "--otp", "--totp", nullptr};
const char* const secret_env[] = {"NEO_PASSWORD", "NEO_MPIN", "NEO_ACCESS_TOKEN", "NEO_CONSUMER_SECRET",
                                  "NEO_OTP",      "NEO_TOTP", "NEO_TOTP_SECRET",  "NEO_PROXY_PASSWORD",
                                  nullptr};

void protect_process() {
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

void hide_secrets(int argc, char** argv) {
    auto blank = [](char* p) {
        for (; *p; ++p) *p = '*';
    };
    for (int i = 1; i < argc; ++i)
        for (const char* const* f = secret_flags; *f; ++f) {
            const std::size_t n = std::strlen(*f);
            if (std::strncmp(argv[i], *f, n) != 0) continue;
            if (argv[i][n] == '=') {
                blank(argv[i] + n + 1);
            } else if (argv[i][n] == '\0' && i + 1 < argc) {
                blank(argv[++i]);
            }
            break;
        }
    for (const char* const* e = secret_env; *e; ++e)
        if (char* v = std::getenv(*e)) blank(v);
}

taken_arguments::taken_arguments(int argc, char** argv) {
    args_.reserve(static_cast<std::size_t>(argc));
    for (int i = 0; i < argc; ++i) args_.emplace_back(argv[i]);
    for (auto& a : args_) pointers_.push_back(a.c_str());
    pointers_.push_back(nullptr);
    for (const char* const* e = secret_env; *e; ++e)
        if (const char* v = std::getenv(*e)) secret_env_.emplace_back(*e, v);
    hide_secrets(argc, argv);
}

taken_arguments::~taken_arguments() {
    for (auto& a : args_) wipe(a);
    for (auto& [name, value] : secret_env_) wipe(value);
}

const char* taken_arguments::env(const char* name) const {
    for (const auto& [n, v] : secret_env_)
        if (n == name) return v.c_str();
    return std::getenv(name);
}

int exit_status_for(const boost::system::error_code& ec) {
    if (!ec) return exit_ok;
    if (ec == condition::invalid_input) return exit_usage;
    if (ec == condition::rejected) return exit_rejected;
    if (ec == condition::unavailable) return exit_unavailable;
    if (ec == condition::tls) return exit_tls;
    if (ec == condition::bad_response) return exit_bad_response;
    if (ec == condition::timed_out) return exit_timeout;
    return exit_other;
}

}  // namespace neo::tools
