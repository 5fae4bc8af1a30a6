// An engine with a header-only Beast websocket (market data) next to neo::client on one
// io_context: a websocket server and client on loopback exchange a message while the login runs.
#include "engine.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <string>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {
asio::awaitable<void> echo_once(tcp::acceptor& acceptor) {
    websocket::stream<tcp::socket> ws(co_await acceptor.async_accept(asio::use_awaitable));
    co_await ws.async_accept(asio::use_awaitable);
    beast::flat_buffer buf;
    co_await ws.async_read(buf, asio::use_awaitable);
    co_await ws.async_write(buf.data(), asio::use_awaitable);
    // Then the client's close: the next read ends with websocket::error::closed.
    auto [ec, n] = co_await ws.async_read(buf, asio::as_tuple(asio::use_awaitable));
    if (ec != websocket::error::closed) throw boost::system::system_error(ec);
}

asio::awaitable<std::string> tick_feed(tcp::endpoint at) {
    websocket::stream<tcp::socket> ws(co_await asio::this_coro::executor);
    co_await ws.next_layer().async_connect(at, asio::use_awaitable);
    co_await ws.async_handshake("127.0.0.1", "/feed", asio::use_awaitable);
    co_await ws.async_write(asio::buffer(std::string("NIFTY 24500.5")), asio::use_awaitable);
    beast::flat_buffer buf;
    co_await ws.async_read(buf, asio::use_awaitable);
    co_await ws.async_close(websocket::close_code::normal, asio::use_awaitable);
    co_return beast::buffers_to_string(buf.data());
}
}  // namespace

int main() {
    asio::io_context io;
    neo::mock::gateway mock(io.get_executor());
    neo::client client{io, mock.client_params()};
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    bool logged_in = false;
    std::string echoed;
    asio::co_spawn(io, echo_once(acceptor),
                   [](std::exception_ptr e) { consumer::print_failure("websocket: server", e); });
    asio::co_spawn(io, tick_feed(acceptor.local_endpoint()), [&](std::exception_ptr e, std::string got) {
        consumer::print_failure("websocket: feed", e);
        if (!e) echoed = std::move(got);
        acceptor.close();
    });
    consumer::start_login(io, client, [&](bool ok) {
        logged_in = ok;
        mock.stop();
    });
    io.run();
    return consumer::report("websocket", logged_in && echoed == "NIFTY 24500.5");
}
