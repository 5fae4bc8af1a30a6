// What one operation owns while it runs, touched only on its strand: its client, deadline,
// cancellation, diagnostics, the secrets its messages are redacted of, the connection kept for
// its next exchange, and its slot of max_in_flight.
#pragma once

#include "../core/deadline.hpp"
#include "common/nothrow.hpp"
#include "../net/connection.hpp"
#include "../net/connection_pool.hpp"
#include "../net/net_context.hpp"
#include "admission.hpp"
#include "client_impl.hpp"

#include <neo/detail/redact.hpp>
#include <neo/diagnostics.hpp>
#include <neo/secret.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace neo::detail {

using common::nothrow;

struct op_state {
    std::shared_ptr<client_impl> impl;
    boost::asio::strand<boost::asio::any_io_executor> strand;
    // Cancellation, as Asio defines it: the caller's slot emits (on this strand) into `signal`,
    // which the coroutine's cancellation state is connected to (co_spawn); the state's filter
    // lets terminal through always, partial and total only while no request of the current step
    // has been sent. Every wait of the operation is connected to that state.
    boost::asio::cancellation_signal signal;
    boost::asio::cancellation_state cancel_state;  // the coroutine's, once it runs
    boost::asio::cancellation_type requested = boost::asio::cancellation_type::none;  // before it ran
    bool sent = false;  // a request of the current step went out
    steady::time_point deadline = steady::time_point::max();
    diagnostics diag;
    std::vector<secret> secrets;  // for redaction
    // The connections the server kept open, one per host:port, for the next exchanges of this
    // operation (the OAuth2 step then the login; a retry after a 429 or 503), then parked.
    idle_connections idle;
    flight_permit permit;  // this operation's slot of max_in_flight (empty when not gated)
    bool checked = false;  // its input was checked before it queued
    std::uint64_t id = 0;  // within its client, from 1: in every structured log record
    std::string account;   // whose login, for log records: the UCC or a masked identity

    op_state(std::shared_ptr<client_impl> i, boost::asio::strand<boost::asio::any_io_executor> s)
        : impl(std::move(i)), strand(std::move(s)) {}

    // On the strand: a cancellation from the caller.
    void cancel(boost::asio::cancellation_type t) {
        requested |= t;
        signal.emit(t);
    }
    // What the filter lets through now.
    boost::asio::cancellation_type allowed() const {
        using ct = boost::asio::cancellation_type;
        return sent ? ct::terminal : (ct::terminal | ct::partial | ct::total);
    }
    bool cancelled() const { return cancel_state.cancelled() != boost::asio::cancellation_type::none; }
    // What the I/O layer may see of this operation.
    net_context net() {
        return net_context{impl->params,           deadline,
                           impl->ctx->native_handle(), impl->resumption() ? &impl->sessions : nullptr,
                           impl->addresses,        idle,
                           cancel_state,           &sent};
    }
    const client_params& params() const { return impl->params; }
    // Every line is redacted of the operation's secrets and escaped: it may carry a server's
    // words (a UCC in the success line, a message), on success as on failure.
    void log(log_level l, const std::string& line) const {
        if (!impl->params.logger.enabled(l)) return;
        std::string text = line;
        redact(text, secrets);
        const auto escaped = escape_text(text);
        log_record r{l, escaped};
        r.component = "client";
        r.operation = id;
        r.step = diag.step;
        r.attempt = diag.attempts;
        r.phase = to_string(diag.failed_phase);
        r.account = account;
        impl->params.logger.log(r);
    }
    steady::duration time_left() const { return detail::time_left(deadline, steady::now()); }
    bound bound_for(std::chrono::milliseconds phase_bound) const {
        return detail::bound_for(deadline, steady::now(), phase_bound);
    }
};

}  // namespace neo::detail
