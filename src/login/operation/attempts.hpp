// One step of the family, attempted until the retry decision says done or give up: each
// attempt's request made afresh, exchanged, classified, redacted, recorded in the diagnostics and
// logged; the backoff waited out.
#pragma once

#include "../core/http_request.hpp"
#include "op_state.hpp"

#include <neo/detail/response.hpp>
#include <neo/gateway.hpp>

#include <boost/asio/awaitable.hpp>

#include <functional>

namespace neo::detail {

boost::asio::awaitable<classified> run_step(op_state& st, step_kind kind, const endpoint& ep,
                                            std::function<request_t()> make);

}  // namespace neo::detail
