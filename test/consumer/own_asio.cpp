// An engine that compiles Asio, its SSL part and Beast itself (separate compilation, a common
// build-time measure): its target defines BOOST_ASIO_SEPARATE_COMPILATION and
// BOOST_BEAST_SEPARATE_COMPILATION, and own_asio_impl.cpp holds the one copy of their bodies. The
// library must add no second copy (it once did: hundreds of "multiple definition" errors).
#include "engine.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>

int main() {
    boost::asio::io_context io;
    neo::mock::gateway mock(io.get_executor());
    neo::client client{io, mock.client_params()};
    bool ok = false, ticked = false;
    boost::asio::steady_timer tick(io, std::chrono::milliseconds(1));
    tick.async_wait([&](boost::system::error_code ec) { ticked = !ec; });
    consumer::start_login(io, client, [&](bool logged_in) {
        ok = logged_in;
        mock.stop();
    });
    io.run();
    return consumer::report("own_asio", ok && ticked);
}
