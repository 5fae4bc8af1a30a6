// One step of the family, attempted until the retry decision says done or give up: each
// attempt's request made afresh, exchanged, classified, redacted, recorded in the diagnostics and
// logged; the backoff waited out.
#pragma once

#include "../core/http_request.hpp"
#include "../net/http_result.hpp"
#include "op_state.hpp"

#include <neo/detail/response.hpp>
#include <neo/gateway.hpp>

#include <boost/asio/awaitable.hpp>

#include <functional>

namespace neo::detail {

// One attempt's record (numbered on in the operation and its step), from what its exchange or
// connection came to; then kept in the diagnostics and given to the on_attempt hook.
attempt_record new_attempt(op_state& st, const char* step, const endpoint& ep, const http_result& hr,
                           steady::time_point started);
void keep_attempt(op_state& st, attempt_record rec);

boost::asio::awaitable<classified> run_step(op_state& st, step_kind kind, const endpoint& ep,
                                            std::function<request_t()> make);

}  // namespace neo::detail
