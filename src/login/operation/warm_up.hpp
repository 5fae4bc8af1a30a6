// The warm-up (client::async_warm_up): a kept-alive connection to every host a login of one
// generation will use, opened and TLS-handshaken ahead of time, no request sent.
#pragma once

#include "op_state.hpp"

#include <neo/gateway.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <vector>

namespace neo::detail {

// The endpoints of the hosts (one per host:port) that a login of generation `g` sends to; the
// OAuth2 host is left out when the login will not need an app token.
std::vector<const endpoint*> warm_up_hosts(const client_params& p, generation g, bool have_app_token);

// Connects to each host that has no live connection among the operation's kept ones; each new
// connection is kept (st.idle) and recorded as an attempt of step "warm_up".
boost::asio::awaitable<boost::system::error_code> warm_up(op_state& st, std::vector<const endpoint*> hosts);

}  // namespace neo::detail
