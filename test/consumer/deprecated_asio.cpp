// An engine that still uses Asio's deprecated API (io_context::work, io_context::post): linking
// neo::login must not take it away (the library once exported BOOST_ASIO_NO_DEPRECATED).
#include "engine.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/version.hpp>

#include <memory>

int main() {
    boost::asio::io_context io;
    neo::mock::gateway mock(io.get_executor());
    neo::client client{io, mock.client_params()};
    bool ok = false;
#if BOOST_VERSION < 108700  // Boost 1.87 removed these deprecated members (deprecated since 1.66)
    auto work = std::make_unique<boost::asio::io_context::work>(io);
    bool posted = false;
    io.post([&] { posted = true; });
    consumer::start_login(io, client, [&](bool logged_in) {
        ok = logged_in && posted;
        mock.stop();
        work.reset();
    });
#else
    consumer::start_login(io, client, [&](bool logged_in) {
        ok = logged_in;
        mock.stop();
    });
#endif
    io.run();
    return consumer::report("deprecated_asio", ok);
}
