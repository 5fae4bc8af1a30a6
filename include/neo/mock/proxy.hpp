// neo/mock/proxy.hpp: a local HTTP CONNECT proxy, scriptable to fail, for tests of a proxy path.
#pragma once

#include <neo/detail/config.hpp>
#include <neo/detail/link_check.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

NEO_VISIBLE_BEGIN
namespace neo::mock {

/// What the proxy does with the next CONNECT request.
enum class proxy_action {
    tunnel,       ///< connect to the target, answer 200 and relay bytes both ways until either side closes
    refuse,       ///< answer 403 Forbidden
    unavailable,  ///< answer 503 Service Unavailable (as a proxy does when the target is unreachable)
    stall,        ///< read the request, never answer (the connection stays open until stop())
    close,        ///< read the request, close without an answer
    garbage,      ///< answer bytes that are not HTTP, then close
};

struct proxy_params {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;  ///< 0: any free port; read it back with port()
    /// When both are set, a CONNECT without `Proxy-Authorization: Basic base64(user:password)`
    /// gets 407 Proxy Authentication Required.
    std::string user{};
    std::string password{};
    /// Targets the proxy may connect to must be on loopback (the proxy never leaves the host).
    std::chrono::milliseconds io_timeout{10000};
};

/// One CONNECT request the proxy read.
struct proxy_request {
    std::string target{};          ///< the request target, "host:port"
    std::string peer{};            ///< the client's address, as the proxy saw it
    bool authenticated = false;    ///< carried the configured credentials (or none were required)
    bool had_credentials = false;  ///< carried a Proxy-Authorization header at all
    unsigned status = 0;           ///< what the proxy answered; 0 if it never answered
};

/// A CONNECT proxy on loopback. By default it tunnels every request; `script` queues other
/// actions for the next requests, one each. Targets are resolved as IP literals or `localhost`
/// only: the proxy never reaches beyond the host.
class proxy {
public:
    /// Runs on a thread of its own. (The last argument of the constructors is never passed: see
    /// neo/detail/link_check.hpp.)
    explicit proxy(proxy_params params = {}, detail::link_check = NEO_DETAIL_LINK_CHECK_HERE);
    /// Runs on `ex` (the caller runs it).
    explicit proxy(boost::asio::any_io_executor ex, proxy_params params = {},
                   detail::link_check = NEO_DETAIL_LINK_CHECK_HERE);
    proxy(const proxy&) = delete;
    proxy& operator=(const proxy&) = delete;
    ~proxy();

    std::uint16_t port() const noexcept;
    /// "http://127.0.0.1:PORT", for client_params::proxy.origin.
    std::string origin() const;

    /// Actions for the next CONNECT requests, in order; requests beyond them are tunnelled.
    void script(std::vector<proxy_action> actions);

    std::vector<proxy_request> requests() const;
    std::size_t connections() const;   ///< accepted
    std::size_t tunnels() const;       ///< opened (200 sent)
    std::size_t open_tunnels() const;  ///< still relaying
    void reset();

    /// Closes the listener and every connection and tunnel; with its own thread, joins it.
    void stop();

private:
    struct NEO_HIDDEN impl;
    std::shared_ptr<impl> impl_;
};

}  // namespace neo::mock
NEO_VISIBLE_END
