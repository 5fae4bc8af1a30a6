// neo-login: logs in once and prints the session's data object.
#include "cli.hpp"

#include <neo/login.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json/serialize.hpp>

#include <cstdlib>
#include <iostream>

int main(int argc, char** argv) {
    namespace asio = boost::asio;
    using namespace neo::tools;

    cli_options opts;
    const std::string problem = parse_cli(
        argc, argv, [](const char* n) { return std::getenv(n); }, std::cin, opts);
    if (opts.help) {
        std::cout << usage;
        return exit_ok;
    }
    if (!problem.empty()) {
        std::cerr << "neo-login: " << problem << "\n" << usage;
        return exit_usage;
    }
    opts.params.logger.level = opts.verbose ? neo::log_level::debug : neo::log_level::info;
    opts.params.logger.sink = [](neo::log_level, std::string_view line) { std::cerr << "neo-login: " << line << "\n"; };

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
    signals.async_wait([&](boost::system::error_code ec, int) {
        if (!ec) cancel.emit(asio::cancellation_type::terminal);
    });

    neo::diagnostics diag;
    int status = exit_other;
    client->async_login(std::move(opts.request), diag,
                        asio::bind_cancellation_slot(cancel.slot(), [&](boost::system::error_code ec, neo::session s) {
                            signals.cancel();
                            status = exit_status_for(ec);
                            if (!ec) {
                                std::cout << boost::json::serialize(s.data) << std::endl;
                                return;
                            }
                            std::string line = "neo-login: failed: " + ec.message();
                            if (diag.http_status) line += "; HTTP " + std::to_string(diag.http_status);
                            if (!diag.server_code.empty()) line += "; server code " + diag.server_code;
                            if (!diag.server_message.empty()) line += "; " + diag.server_message;
                            if (!diag.detail.empty()) line += "; " + diag.detail;
                            line += "; attempts " + std::to_string(diag.attempts);
                            std::cerr << line << std::endl;
                        }));
    io.run();
    return status;
}
