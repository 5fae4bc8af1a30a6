// neo-login: logs in (the whole family, both generations) and prints the session's data object.
#include "cli.hpp"
#include "common/nothrow.hpp"

#include <neo/login.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

// GCC 12 reports a false -Wmismatched-new-delete when it inlines an awaitable's frame
// allocation (Asio's aligned_new) and deallocation into one function; they do match.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <variant>

namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using namespace neo::tools;
using neo::common::nothrow;

// One failed step on stderr: the error, then the diagnostics in words (neo::render, the same
// text as error_with_diagnostics::what()); with --verbose, every attempt below. Never a secret.
int report(const char* step, error_code ec, const neo::diagnostics& diag, bool every_attempt) {
    std::string line = std::string("neo-login: ") + step + " failed: " + ec.message();
    auto words = neo::render(diag, every_attempt ? neo::render_style::every_attempt : neo::render_style::one_line);
    if (words.empty()) words = "attempts 0";
    std::cerr << line << "; " << words << std::endl;
    return exit_status_for(ec);
}

void print(const neo::session& s) {
    std::cout << boost::json::serialize(s.data) << std::endl;
}

// The recipe the session manager uses for the trade flows.
std::variant<neo::password_recipe, neo::totp_recipe> recipe(cli_options& o) {
    if (o.mode == flow::totp) {
        neo::totp_recipe r{.mobilenumber = o.totp_request.mobilenumber,
                           .ucc = o.totp_request.ucc,
                           .totp_seed = o.totp_seed,
                           .mpin = o.second_mpin,
                           .totp_source = {}};
        if (!o.totp_request.totp.empty()) r.totp_source = [code = o.totp_request.totp] { return code; };
        return r;
    }
    neo::password_recipe r{.login = o.request, .mpin = {}, .otp = {}, .generate_otp = o.otp_stdin};
    if (o.mode == flow::mpin_2fa) {
        r.mpin = o.second_mpin;
    } else {
        r.otp = [&o](neo::otp_handler h) {
            error_code ec;
            neo::secret code = o.otp;
            if (o.otp_stdin) {
                std::cerr << "neo-login: OTP sent; type it and press Enter" << std::endl;
                code = read_secret_line(std::cin);  // blocking is fine in this one-shot tool
            }
            std::move(h)(ec, std::move(code));
        };
    }
    return r;
}

// Logs in through the session manager (a saved session is reused), or step by step.
asio::awaitable<int> run(cli_options& o, neo::client& c) {
    neo::diagnostics diag;
    if (o.mode == flow::generate_otp && !o.session_file.empty()) {
        // The view session is kept in the file for the --otp run that follows.
        auto v = recipe(o);
        neo::session_manager m(c, std::move(std::get<neo::password_recipe>(v)),
                               neo::session_manager_options{.session_file = o.session_file});
        neo::diagnostics gd;
        auto [ec, view] = co_await m.async_generate_otp(gd, nothrow);
        if (ec) co_return report("login", ec, gd, o.verbose);
        std::cerr << "neo-login: OTP sent; the view session waits in the session file" << std::endl;
        print(view);
        co_return exit_ok;
    }
    if (o.mode == flow::view || o.mode == flow::generate_otp) {
        auto [ec, view] = co_await c.async_login(o.request, diag, nothrow);
        if (ec) co_return report("login", ec, diag, o.verbose);
        if (o.mode == flow::generate_otp) {
            auto [gec] = co_await c.async_generate_otp(view, diag, nothrow);
            if (gec) co_return report("OTP generation", gec, diag, o.verbose);
            std::cerr << "neo-login: OTP sent" << std::endl;
        }
        print(view);
        co_return exit_ok;
    }

    // Every trade flow goes through the session manager: one code path, and a saved session is
    // reused when --session-file names one.
    error_code ec;
    neo::session trade;
    auto v = recipe(o);
    std::optional<neo::session_manager> m;
    try {
        if (auto* t = std::get_if<neo::totp_recipe>(&v))
            m.emplace(c, std::move(*t), neo::session_manager_options{.session_file = o.session_file});
        else
            m.emplace(c, std::move(std::get<neo::password_recipe>(v)),
                      neo::session_manager_options{.session_file = o.session_file});
    } catch (const boost::system::system_error& e) {
        std::cerr << "neo-login: " << e.what() << std::endl;
        co_return exit_usage;
    }
    std::tie(ec, trade) = co_await m->async_session(diag, nothrow);
    if (ec) co_return report("login", ec, diag, o.verbose);

    if (!o.logout) {
        print(trade);
        co_return exit_ok;
    }
    if (o.mode == flow::totp) {
        std::cerr << "neo-login: logged out (generation 2 logs out locally; nothing sent)" << std::endl;
    } else {
        auto [lec] = co_await c.async_logout(trade, diag, nothrow);  // the client logs "logged out"
        if (lec) co_return report("logout", lec, diag, o.verbose);
    }
    // The session file goes with the session (removed through its directory's descriptor, and
    // only when it is a session file of ours).
    co_await m->async_invalidate(trade, nothrow);
    co_return exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
    protect_process();
    // Unbuffered standard input: a password read from it stays in no stdio buffer.
    std::setvbuf(stdin, nullptr, _IONBF, 0);
    // Secrets leave argv and the environment before anything waits (standard input included).
    taken_arguments taken(argc, argv);
    cli_options opts;
    const std::string problem = parse_cli(
        taken.argc(), taken.argv(), [&](const char* n) { return taken.env(n); }, std::cin, opts);
    if (opts.help) {
        std::cout << usage;
        return exit_ok;
    }
    if (!problem.empty()) {
        std::cerr << "neo-login: " << problem << "\n" << usage;
        return exit_usage;
    }
    // By default one line per attempt and each step's outcome (the client's lines), and every
    // warning; the session manager's own lines (what it decides, a saved session reused) with
    // --verbose, which also shows debug lines.
    opts.params.logger.level = opts.verbose ? neo::log_level::debug : neo::log_level::info;
    opts.params.logger.record_sink = [verbose = opts.verbose](const neo::log_record& r) {
        if (verbose || r.level >= neo::log_level::warning || r.component == "client")
            std::cerr << "neo-login: " << r.message << "\n";
    };

    asio::io_context io(1);
    std::optional<neo::client> client;
    try {
        client.emplace(io, std::move(opts.params));
    } catch (const std::exception& e) {
        std::cerr << "neo-login: " << e.what() << "\n";
        return exit_usage;
    }

    asio::cancellation_signal cancel;
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](error_code ec, int) {
        if (!ec) cancel.emit(asio::cancellation_type::terminal);
    });

    int status = exit_other;
    asio::co_spawn(io, run(opts, *client),
                   asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, int s) {
                       signals.cancel();
                       status = e ? exit_other : s;
                       io.stop();  // a cancelled run leaves nothing worth waiting for
                   }));
    io.run();
    return status;
}
