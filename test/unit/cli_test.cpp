#include "cli.hpp"

#include <neo/error.hpp>

#include <boost/asio/error.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <map>
#include <sstream>
#include <vector>

using namespace neo::tools;

namespace {

struct run {
    std::map<std::string, std::string> env{};
    std::string stdin_text{};
    cli_options opts{};
    std::string parse(std::vector<const char*> args) {
        args.insert(args.begin(), "neo-login");
        std::istringstream in(stdin_text);
        return parse_cli(
            static_cast<int>(args.size()), args.data(),
            [this](const char* n) -> const char* {
                auto it = env.find(n);
                return it == env.end() ? nullptr : it->second.c_str();
            },
            in, opts);
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(cli)

BOOST_AUTO_TEST_CASE(defaults_and_env) {
    run r{.env = {{"NEO_PASSWORD", "pw"}, {"NEO_CONSUMER_KEY", "k"}, {"NEO_CONSUMER_SECRET", "s"}}};
    BOOST_TEST(r.parse({"--mobilenumber", "9999999908"}) == "");
    BOOST_TEST(r.opts.params.gateway.login.host == "nsbxapi-gw.kotaksecurities.com");  // uat by default
    BOOST_TEST(r.opts.request.password.reveal() == "pw");
    BOOST_TEST(r.opts.params.consumer_key == "k");
    BOOST_TEST(r.opts.params.retry.max_attempts == 4);
    BOOST_TEST(r.opts.params.retry.deadline.count() == 30000);
    BOOST_TEST(r.opts.params.timeouts.exchange.count() == 10000);
}

BOOST_AUTO_TEST_CASE(gateway_keeps_env_paths_default_prod) {
    run r{.env = {{"NEO_PASSWORD", "pw"}, {"NEO_ACCESS_TOKEN", "t"}}};
    BOOST_TEST(r.parse({"--gateway", "https://127.0.0.1:9443", "--userid", "u"}) == "");
    BOOST_TEST(r.opts.params.gateway.login.target == "/login/1.0/login/v2/validate");
    BOOST_TEST(r.opts.params.gateway.login.port == "9443");
    BOOST_TEST(r.opts.params.access_token.reveal() == "t");
    run u{.env = {{"NEO_PASSWORD", "pw"}, {"NEO_ACCESS_TOKEN", "t"}}};
    BOOST_TEST(u.parse({"--env", "uat", "--gateway", "https://127.0.0.1:9443", "--userid", "u"}) == "");
    BOOST_TEST(u.opts.params.gateway.login.target == "/api/1.0/login/v2/validate");
    run l{.env = {{"NEO_PASSWORD", "pw"}, {"NEO_ACCESS_TOKEN", "t"}}};
    BOOST_TEST(l.parse({"--env", "live", "--userid", "u"}) == "");
    BOOST_TEST(l.opts.params.gateway.login.host == "gw-napi.kotaksecurities.com");
}

BOOST_AUTO_TEST_CASE(secrets_from_stdin) {
    run r{.env = {{"NEO_ACCESS_TOKEN", "t"}, {"NEO_PASSWORD", "env-pw"}}, .stdin_text = "123456\n"};
    BOOST_TEST(r.parse({"--pan", "AVRFT7865T", "--mpin-stdin"}) == "");
    BOOST_TEST(r.opts.request.mpin.reveal() == "123456");
    BOOST_TEST(r.opts.request.password.empty());
    run p{.env = {{"NEO_ACCESS_TOKEN", "t"}}, .stdin_text = "from-stdin\r\n"};
    BOOST_TEST(p.parse({"--pan", "AVRFT7865T", "--password-stdin"}) == "");
    BOOST_TEST(p.opts.request.password.reveal() == "from-stdin");
}

BOOST_AUTO_TEST_CASE(numbers_and_flags) {
    run r{.env = {{"NEO_PASSWORD", "pw"}, {"NEO_ACCESS_TOKEN", "t"}}};
    BOOST_TEST(r.parse({"--userid", "u", "--max-attempts", "2", "--deadline-ms", "500", "--timeout-ms", "100",
                        "--backoff-initial-ms", "10", "--backoff-max-ms", "20", "--verbose"}) == "");
    BOOST_TEST(r.opts.params.retry.max_attempts == 2);
    BOOST_TEST(r.opts.params.retry.deadline.count() == 500);
    BOOST_TEST(r.opts.params.timeouts.connect.count() == 100);
    BOOST_TEST(r.opts.params.timeouts.handshake.count() == 100);
    BOOST_TEST(r.opts.params.retry.initial_backoff.count() == 10);
    BOOST_TEST(r.opts.params.retry.max_backoff.count() == 20);
    BOOST_TEST(r.opts.verbose);
}

BOOST_AUTO_TEST_CASE(bad_usage_is_reported_without_secrets) {
    const std::vector<std::vector<const char*>> bad = {
        {"--userid", "u", "--bogus"},
        {"--userid"},
        {"--userid", "u", "--max-attempts", "0"},
        {"--userid", "u", "--max-attempts", "x"},
        {"--userid", "u", "--deadline-ms", "-5"},
        {"--userid", "u", "--env", "moon"},
        {"--userid", "u", "--gateway", "http://127.0.0.1:1"},
        {"--userid", "u", "--password-stdin", "--mpin-stdin"},
    };
    for (const auto& args : bad) {
        run r{.env = {{"NEO_PASSWORD", "sekrit-pw"}, {"NEO_ACCESS_TOKEN", "sekrit-token"}}};
        const auto msg = r.parse(args);
        BOOST_TEST(!msg.empty());
        BOOST_TEST(msg.find("sekrit") == std::string::npos);
    }
    run none{.env = {{"NEO_ACCESS_TOKEN", "t"}}};
    BOOST_TEST(!none.parse({"--userid", "u"}).empty());  // no password
    // A password and an MPIN: the password logs in, the MPIN is the second factor.
    run both{.env = {{"NEO_ACCESS_TOKEN", "t"}, {"NEO_PASSWORD", "a"}, {"NEO_MPIN", "123456"}}};
    BOOST_TEST(both.parse({"--userid", "u"}).empty());
    BOOST_TEST((both.opts.mode == flow::mpin_2fa));
    BOOST_TEST(both.opts.request.password.reveal() == "a");
    BOOST_TEST(both.opts.second_mpin.reveal() == "123456");
    run both_and_otp{.env = {{"NEO_ACCESS_TOKEN", "t"}, {"NEO_PASSWORD", "a"}, {"NEO_MPIN", "123456"}}};
    BOOST_TEST(!both_and_otp.parse({"--userid", "u", "--otp", "1234"}).empty());  // two second factors
    run nocred{.env = {{"NEO_PASSWORD", "a"}, {"NEO_CONSUMER_KEY", "k"}}};
    BOOST_TEST(!nocred.parse({"--userid", "u"}).empty());
}

BOOST_AUTO_TEST_CASE(exit_statuses) {
    using neo::errc;
    BOOST_TEST(exit_status_for({}) == 0);
    BOOST_TEST(exit_status_for(errc::invalid_mobile_number) == 2);
    BOOST_TEST(exit_status_for(errc::missing_credentials) == 2);
    for (errc e : {errc::bad_request, errc::unauthorized, errc::forbidden, errc::server_error, errc::rejected})
        BOOST_TEST(exit_status_for(e) == 3);
    for (errc e : {errc::rate_limited, errc::service_unavailable, errc::connection_failed})
        BOOST_TEST(exit_status_for(e) == 4);
    BOOST_TEST(exit_status_for(errc::tls_verification_failed) == 5);
    BOOST_TEST(exit_status_for(errc::tls_handshake_failed) == 5);
    for (errc e : {errc::malformed_response, errc::missing_fields, errc::response_too_large, errc::protocol_error,
                   errc::truncated_response, errc::redirect})
        BOOST_TEST(exit_status_for(e) == 6);
    BOOST_TEST(exit_status_for(errc::timeout) == 7);
    BOOST_TEST(exit_status_for(errc::deadline_exceeded) == 7);
    BOOST_TEST(exit_status_for(boost::asio::error::operation_aborted) == 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cli_family)

BOOST_AUTO_TEST_CASE(flows_are_chosen_by_flags) {
    run v{.env = {{"NEO_PASSWORD", "pw"}, {"NEO_CONSUMER_KEY", "k"}, {"NEO_CONSUMER_SECRET", "s"}}};
    BOOST_TEST(v.parse({"--userid", "u"}) == "");
    BOOST_TEST((v.opts.mode == flow::view));
    run g = v;
    BOOST_TEST(g.parse({"--userid", "u", "--generate-otp"}) == "");
    BOOST_TEST((g.opts.mode == flow::generate_otp));
    run o = v;
    BOOST_TEST(o.parse({"--userid", "u", "--otp", "1234", "--session-file", "/tmp/s.json"}) == "");
    BOOST_TEST((o.opts.mode == flow::otp));
    BOOST_TEST(o.opts.otp.reveal() == "1234");
    run os = v;
    BOOST_TEST(os.parse({"--userid", "u", "--otp-stdin", "--session-file", "/tmp/x"}) == "");
    BOOST_TEST((os.opts.mode == flow::otp));
    BOOST_TEST(os.opts.otp_stdin);
    BOOST_TEST(os.opts.session_file == "/tmp/x");
}

BOOST_AUTO_TEST_CASE(mpin_second_factor_takes_password_then_mpin) {
    run r{.env = {{"NEO_CONSUMER_KEY", "k"}, {"NEO_CONSUMER_SECRET", "s"}}, .stdin_text = "pw\n654321\n"};
    BOOST_TEST(r.parse({"--userid", "u", "--mpin-2fa", "--password-stdin", "--mpin-stdin"}) == "");
    BOOST_TEST((r.opts.mode == flow::mpin_2fa));
    BOOST_TEST(r.opts.request.password.reveal() == "pw");
    BOOST_TEST(r.opts.request.mpin.empty());
    BOOST_TEST(r.opts.second_mpin.reveal() == "654321");
    run e{.env = {
              {"NEO_PASSWORD", "pw"}, {"NEO_MPIN", "111111"}, {"NEO_CONSUMER_KEY", "k"}, {"NEO_CONSUMER_SECRET", "s"}}};
    BOOST_TEST(e.parse({"--userid", "u", "--mpin-2fa", "--logout"}) == "");
    BOOST_TEST(e.opts.second_mpin.reveal() == "111111");
    BOOST_TEST(e.opts.logout);
    run nompin{.env = {{"NEO_PASSWORD", "pw"}, {"NEO_CONSUMER_KEY", "k"}, {"NEO_CONSUMER_SECRET", "s"}}};
    BOOST_TEST(nompin.parse({"--userid", "u", "--mpin-2fa"}) != "");
}

BOOST_AUTO_TEST_CASE(generation2_needs_mobile_totp_mpin_and_key_only) {
    run r{.env = {{"NEO_TOTP_SECRET", "JBSWY3DP"}, {"NEO_MPIN", "123456"}, {"NEO_CONSUMER_KEY", "k"}}};
    BOOST_TEST(r.parse({"--mobilenumber", "9999999908", "--ucc", "TESTYA24"}) == "");
    BOOST_TEST((r.opts.mode == flow::totp));
    BOOST_TEST(r.opts.totp_seed.reveal() == "JBSWY3DP");
    BOOST_TEST(r.opts.totp_request.ucc == "TESTYA24");
    BOOST_TEST(r.opts.totp_request.mobilenumber == "9999999908");
    BOOST_TEST(r.opts.params.consumer_key == "k");
    BOOST_TEST(r.opts.params.consumer_secret.empty());
    run code{.env = {{"NEO_MPIN", "123456"}, {"NEO_CONSUMER_KEY", "k"}}};
    BOOST_TEST(code.parse({"--mobilenumber", "9999999908", "--ucc", "TESTYA24", "--totp", "123456"}) == "");
    BOOST_TEST(code.opts.totp_request.totp.reveal() == "123456");
    BOOST_TEST(code.opts.totp_seed.empty());
    run none{.env = {{"NEO_MPIN", "123456"}, {"NEO_CONSUMER_KEY", "k"}}};
    BOOST_TEST(none.parse({"--mobilenumber", "9999999908", "--ucc", "TESTYA24"}).find("NEO_TOTP_SECRET") !=
               std::string::npos);
    run pan{.env = {{"NEO_MPIN", "123456"}, {"NEO_CONSUMER_KEY", "k"}}};
    BOOST_TEST(pan.parse({"--pan", "AVRFT7865T", "--ucc", "TESTYA24", "--totp", "123456"}) != "");
}

BOOST_AUTO_TEST_CASE(messages_never_echo_secrets) {
    run r{.env = {{"NEO_PASSWORD", "pw-secret"}, {"NEO_CONSUMER_KEY", "k"}, {"NEO_CONSUMER_SECRET", "s"}}};
    const auto msg = r.parse({"--userid", "u", "--otp", "98765"});
    BOOST_TEST(msg != "");
    BOOST_TEST(msg.find("98765") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cli_secrets)

BOOST_AUTO_TEST_CASE(otp_and_totp_from_the_environment) {
    run r{.env = {{"NEO_PASSWORD", "pw"}, {"NEO_ACCESS_TOKEN", "t"}, {"NEO_OTP", "4321"}}};
    BOOST_TEST(r.parse({"--userid", "u", "--session-file", "/tmp/s.json"}) == "");
    BOOST_TEST((r.opts.mode == flow::otp));
    BOOST_TEST(r.opts.otp.reveal() == "4321");
    run flag{.env = {{"NEO_PASSWORD", "pw"}, {"NEO_ACCESS_TOKEN", "t"}, {"NEO_OTP", "4321"}}};
    BOOST_TEST(flag.parse({"--userid", "u", "--otp", "1111", "--session-file", "/tmp/s.json"}) == "");  // the flag wins
    BOOST_TEST(flag.opts.otp.reveal() == "1111");
    run gen{.env = {{"NEO_PASSWORD", "pw"}, {"NEO_ACCESS_TOKEN", "t"}, {"NEO_OTP", "4321"}}};
    BOOST_TEST(gen.parse({"--userid", "u", "--generate-otp"}) == "");  // another factor chosen: ignored
    BOOST_TEST((gen.opts.mode == flow::generate_otp));
    run bad{.env = {{"NEO_PASSWORD", "pw"}, {"NEO_ACCESS_TOKEN", "t"}, {"NEO_OTP", "98765"}}};
    const auto problem = bad.parse({"--userid", "u"});
    BOOST_TEST(problem.find("NEO_OTP") != std::string::npos, problem);
    BOOST_TEST(problem.find("98765") == std::string::npos);

    run t{.env = {{"NEO_TOTP", "123456"}, {"NEO_MPIN", "654321"}, {"NEO_CONSUMER_KEY", "k"}}};
    BOOST_TEST(t.parse({"--mobilenumber", "9999999908", "--ucc", "TESTYA24"}) == "");
    BOOST_TEST((t.opts.mode == flow::totp));
    BOOST_TEST(t.opts.totp_request.totp.reveal() == "123456");
    BOOST_TEST(t.opts.totp_seed.empty());
}

BOOST_AUTO_TEST_CASE(secret_lines_are_read_whole_or_flagged_too_long) {
    std::istringstream in("hunter2\r\nsecond\n" + std::string(5000, 'x') + "\nafter");
    BOOST_TEST(read_secret_line(in).reveal() == "hunter2");
    BOOST_TEST(read_secret_line(in).reveal() == "second");
    const auto long_one = read_secret_line(in);
    BOOST_TEST(long_one.overflowed());
    BOOST_TEST(read_secret_line(in).reveal() == "after");  // the long line was consumed whole
    BOOST_TEST(read_secret_line(in).empty());
}

BOOST_AUTO_TEST_CASE(argv_and_environment_values_are_overwritten) {
    std::string a0 = "neo-login", a1 = "--access-token", a2 = "tok-123", a3 = "--otp", a4 = "4321", a5 = "--userid",
                a6 = "u", a7 = "--totp";  // a dangling flag at the end is left alone
    std::vector<char*> argv{a0.data(), a1.data(), a2.data(), a3.data(), a4.data(),
                            a5.data(), a6.data(), a7.data(), nullptr};
    ::setenv("NEO_CONSUMER_SECRET", "cs-1", 1);
    hide_secrets(8, argv.data());
    BOOST_TEST(a2 == "*******");
    BOOST_TEST(a4 == "****");
    BOOST_TEST(a6 == "u");
    BOOST_TEST(a7 == "--totp");
    BOOST_TEST(std::string(std::getenv("NEO_CONSUMER_SECRET")) == "****");
    ::unsetenv("NEO_CONSUMER_SECRET");
    BOOST_TEST(std::string(usage).find("visible to every local user") != std::string::npos);
}

// The two-run OTP as the SDK does it: the OTP goes with the view session of the --generate-otp
// run, so without that run's --session-file it is a usage error that says why (--otp-stdin, both
// steps in one run, needs no file).
BOOST_AUTO_TEST_CASE(an_otp_without_the_session_file_is_a_usage_error) {
    for (const auto& env :
         {std::map<std::string, std::string>{{"NEO_PASSWORD", "pw"}, {"NEO_ACCESS_TOKEN", "t"}},
          std::map<std::string, std::string>{{"NEO_PASSWORD", "pw"}, {"NEO_ACCESS_TOKEN", "t"}, {"NEO_OTP", "4321"}}}) {
        run r{.env = env};
        const auto problem =
            env.count("NEO_OTP") ? r.parse({"--userid", "u"}) : r.parse({"--userid", "u", "--otp", "4321"});
        BOOST_TEST(problem.find("--session-file of the --generate-otp run") != std::string::npos, problem);
        BOOST_TEST(problem.find("4321") == std::string::npos);
    }
    run in_one_run{.env = {{"NEO_PASSWORD", "pw"}, {"NEO_ACCESS_TOKEN", "t"}}};
    BOOST_TEST(in_one_run.parse({"--userid", "u", "--otp-stdin"}) == "");
}

// --option=value for every option, as GNU tools take it; an error names the option, never a value.
BOOST_AUTO_TEST_CASE(option_equals_value_forms_and_errors_without_values) {
    run eq{.env = {{"NEO_PASSWORD", "pw"}}};
    BOOST_TEST(eq.parse({"--userid=u", "--access-token=tok-123", "--max-attempts=7", "--deadline-ms=1500", "--env=prod",
                         "--session-file=/tmp/s.json", "--otp=4321"}) == "");
    BOOST_TEST(eq.opts.request.userid == "u");
    BOOST_TEST(eq.opts.params.access_token.reveal() == "tok-123");
    BOOST_TEST(eq.opts.params.retry.max_attempts == 7);
    BOOST_TEST(eq.opts.params.retry.deadline.count() == 1500);
    BOOST_TEST(eq.opts.session_file == "/tmp/s.json");
    BOOST_TEST(eq.opts.otp.reveal() == "4321");
    BOOST_TEST(eq.opts.params.gateway.login.host != "nsbxapi-gw.kotaksecurities.com");  // prod, not uat
    run unknown;
    const auto u = unknown.parse({"--userid", "u", "--acess-token=Hunter2-s3cret"});
    BOOST_TEST(u.find("--acess-token") != std::string::npos, u);
    BOOST_TEST(u.find("Hunter2") == std::string::npos, u);
    run positional;
    const auto p = positional.parse({"--userid", "u", "Hunter2-s3cret"});
    BOOST_TEST(!p.empty());
    BOOST_TEST(p.find("Hunter2") == std::string::npos, p);
    run flag_with_value;
    const auto f = flag_with_value.parse({"--userid", "u", "--password-stdin=Hunter2-s3cret"});
    BOOST_TEST(f.find("--password-stdin takes no value") != std::string::npos, f);
    BOOST_TEST(f.find("Hunter2") == std::string::npos, f);
}

BOOST_AUTO_TEST_CASE(the_equals_form_of_a_secret_flag_is_overwritten_too) {
    std::string a0 = "neo-login", a1 = "--access-token=tok-123", a2 = "--consumer-secret", a3 = "cs-9",
                a4 = "--otp=4321", a5 = "--access-tokenx=keep", a6 = "--userid=u";
    std::vector<char*> argv{a0.data(), a1.data(), a2.data(), a3.data(), a4.data(), a5.data(), a6.data(), nullptr};
    hide_secrets(7, argv.data());
    BOOST_TEST(a1 == "--access-token=*******");
    BOOST_TEST(a3 == "****");
    BOOST_TEST(a4 == "--otp=****");
    BOOST_TEST(a5 == "--access-tokenx=keep");  // another option that only starts alike
    BOOST_TEST(a6 == "--userid=u");
}

BOOST_AUTO_TEST_SUITE_END()
