// neo-mock-gateway: the mock gateway as a process, for demos and other languages' tests.
#include <neo/detail/redact.hpp>
#include <neo/mock/gateway.hpp>
#include <neo/mock/proxy.hpp>
#include <neo/mock/scenario.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <unistd.h>
#include <algorithm>
#include <charconv>
#include <optional>
#include <vector>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace {

const char* const usage = R"(usage: neo-mock-gateway [options]
Serves the Kotak Neo login family over TLS on loopback, with a throwaway CA, until SIGINT/SIGTERM.
Prints port=, origin=, ca_file= and totp_secret= lines on stdout once it listens (the CA file in a
private directory that is removed on exit, unless --ca-file names one). SIGUSR1 revokes every live
session (later calls of the protected route, limits, get the gateway's rejections) and prints
revoked=N.

  --address A          (127.0.0.1)       --port N (0: any free port)
  --ca-file PATH       where to write the CA: a new file, never an existing one or a link
                       (default ca.pem in a new private directory /tmp/neo-mock-gateway-XXXXXX)
  --login LIST         answers for the next logins, e.g. 429:1,503,200 (":N" adds Retry-After: N;
                       also stall, close, close_mid_answer)
  --app-token LIST     the same for the OAuth2 endpoint
  --answers ROUTE=LIST the same for any route: otp_generate, second_factor, logout, totp_login,
                       totp_validate, limits (repeatable)
  --connections LIST   faults for the next connections: close_before_tls, stall_before_tls, none
  --scenario FILE      all of the above as JSON (see neo/mock/scenario.hpp)
  --rate-limit N       logins per token per second before 429 (0: off)
  --retry-after S      Retry-After sent with the rate limit's 429
  --token-lifetime S   lifetime of issued view and trade tokens (3600); short values exercise renewal
  --app-token-lifetime S  the OAuth2 expires_in (3600)
Fixture (see neo/mock/gateway.hpp): mobile +919999999908, userid testuser, PAN AVRFT7865T,
password mock-password, MPIN 123456, OTP 4321 (after generation), UCC TESTYA24, consumer key
mock-consumer-key / secret mock-consumer-secret; the TOTP seed is printed as totp_secret=.
  --quiet              do not log requests on stderr
  --proxy-port N       also serve an HTTP CONNECT proxy on loopback port N (0: any free port) that
                       tunnels to loopback only; prints proxy_port= and proxy= lines
  --proxy-auth USER:PASSWORD   the proxy answers 407 without these credentials (test data)
  --proxy-actions LIST what the proxy does with the next CONNECTs, in order: tunnel, refuse (403),
                       unavailable (503), stall, close, garbage; later ones are tunnelled

fixture: mobile +919999999908 (or 9999999908), userid testuser, pan AVRFT7865T,
password mock-password, mpin 123456, consumer key mock-consumer-key, secret mock-consumer-secret
)";

bool to_number(const std::string& s, long& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc{} && p == s.data() + s.size() && out >= 0;
}

}  // namespace

int main(int argc, char** argv) {
    namespace mock = neo::mock;
    mock::gateway_params params;
    mock::scenario sc;
    std::string ca_file;  // default: in a private directory made below
    bool quiet = false;
    std::optional<mock::proxy_params> proxy_params;
    std::vector<mock::proxy_action> proxy_actions;
    auto proxy_wanted = [&]() -> mock::proxy_params& {
        if (!proxy_params) proxy_params.emplace();
        return *proxy_params;
    };
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string a = argv[i];
            auto value = [&]() -> std::string {
                if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
                return argv[++i];
            };
            auto num = [&]() {
                long n = 0;
                if (!to_number(value(), n) || n > 1'000'000) throw std::invalid_argument(a + " needs a number");
                return n;
            };
            if (a == "--help" || a == "-h") {
                std::cout << usage;
                return 0;
            } else if (a == "--address")
                params.address = value();
            else if (a == "--port")
                params.port = static_cast<std::uint16_t>(num());
            else if (a == "--ca-file")
                ca_file = value();
            else if (a == "--login")
                sc.login = mock::parse_answer_list(value());
            else if (a == "--app-token")
                sc.app_token = mock::parse_answer_list(value());
            else if (a == "--answers") {
                // ROUTE=LIST, e.g. totp_login=429:1,200
                const auto v = value();
                const auto eq = v.find('=');
                if (eq == std::string::npos) throw std::invalid_argument("--answers takes ROUTE=LIST");
                sc.more.emplace_back(mock::route_from_name(v.substr(0, eq)), mock::parse_answer_list(v.substr(eq + 1)));
            } else if (a == "--connections") {
                for (const auto& an : mock::parse_answer_list(value())) sc.connections.push_back(an.action);
            } else if (a == "--scenario") {
                std::ifstream f(value());
                std::stringstream ss;
                ss << f.rdbuf();
                if (!f) throw std::invalid_argument("cannot read the scenario file");
                sc = mock::parse_scenario(ss.str());
            } else if (a == "--rate-limit")
                params.rate_limit = static_cast<unsigned>(num());
            else if (a == "--retry-after")
                params.rate_limit_retry_after = std::chrono::seconds(num());
            else if (a == "--app-token-lifetime")
                params.app_token_lifetime = std::chrono::seconds(num());
            else if (a == "--token-lifetime")
                params.token_lifetime = std::chrono::seconds(num());
            else if (a == "--quiet")
                quiet = true;
            else if (a == "--proxy-port")
                proxy_wanted().port = static_cast<std::uint16_t>(num());
            else if (a == "--proxy-auth") {
                const auto v = value();
                const auto colon = v.find(':');
                if (colon == std::string::npos || colon == 0) throw std::invalid_argument("--proxy-auth takes USER:PASSWORD");
                proxy_wanted().user = v.substr(0, colon);
                proxy_wanted().password = v.substr(colon + 1);
            } else if (a == "--proxy-actions") {
                std::string list = value();
                for (std::size_t at = 0; at <= list.size();) {
                    const auto comma = std::min(list.find(',', at), list.size());
                    const auto name = list.substr(at, comma - at);
                    at = comma + 1;
                    const std::pair<const char*, mock::proxy_action> names[] = {
                        {"tunnel", mock::proxy_action::tunnel}, {"refuse", mock::proxy_action::refuse},
                        {"unavailable", mock::proxy_action::unavailable}, {"stall", mock::proxy_action::stall},
                        {"close", mock::proxy_action::close}, {"garbage", mock::proxy_action::garbage}};
                    bool known = false;
                    for (const auto& [n, act] : names)
                        if (name == n) {
                            proxy_actions.push_back(act);
                            known = true;
                        }
                    if (!known) throw std::invalid_argument("unknown proxy action '" + name.substr(0, 32) + "'");
                }
                proxy_wanted();
            }
            else
                throw std::invalid_argument("unknown argument '" + a + "'");
        }
    } catch (const std::exception& e) {
        std::cerr << "neo-mock-gateway: " << e.what() << "\n" << usage;
        return 2;
    }
    if (!quiet) {
        params.on_request = [](const mock::recorded_request& r) {
            // The target is the client's text: escaped, so no request can forge a line here.
            std::cerr << "neo-mock-gateway: " << neo::detail::escape_text(r.method) << " "
                      << neo::detail::escape_text(r.target) << " -> " << r.status << std::endl;
        };
    }
    boost::asio::io_context io(1);
    try {
        mock::gateway g(io.get_executor(), params);
        mock::apply(g, sc);
        std::unique_ptr<mock::proxy> px;
        if (proxy_params) {
            px = std::make_unique<mock::proxy>(io.get_executor(), *proxy_params);
            px->script(proxy_actions);
        }
        // The private directory made here goes when the program ends (SIGINT, SIGTERM, an error):
        // its CA file first, then the directory. A --ca-file the caller named is left alone.
        struct private_dir {
            std::string dir, file;
            ~private_dir() {
                if (dir.empty()) return;
                ::unlink(file.c_str());
                ::rmdir(dir.c_str());
            }
        } made;
        if (ca_file.empty()) {
            char dir[] = "/tmp/neo-mock-gateway-XXXXXX";  // mode 0700, a name nobody could predict
            if (!::mkdtemp(dir)) throw std::runtime_error("cannot create a private directory for the CA file");
            ca_file = std::string(dir) + "/ca.pem";
            made.dir = dir;  // members, not a temporary private_dir (whose end would remove it)
            made.file = ca_file;
        }
        boost::asio::signal_set revoke(io, SIGUSR1);  // before the first line is printed
        g.write_ca_file(ca_file);
        // The fixture is public test data (not a secret of anyone's): print what a client needs.
        std::cout << "port=" << g.port() << "\norigin=" << g.origin() << "\nca_file=" << ca_file
                  << "\ntotp_secret=" << params.fixture.totp_secret << std::endl;
        if (px) std::cout << "proxy_port=" << px->port() << "\nproxy=" << px->origin() << std::endl;
        boost::asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](boost::system::error_code, int) {
            g.stop();
            if (px) px->stop();
            revoke.cancel();
        });
        // SIGUSR1: revoke every live session (the gateway ending them elsewhere); says how many.
        std::function<void()> on_revoke = [&] {
            revoke.async_wait([&](boost::system::error_code ec, int) {
                if (ec) return;
                std::cout << "revoked=" << g.revoke_sessions() << std::endl;
                on_revoke();
            });
        };
        on_revoke();
        io.run();
    } catch (const std::exception& e) {
        std::cerr << "neo-mock-gateway: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
