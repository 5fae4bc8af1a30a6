// Phase bounds under the operation's deadline: pure arithmetic on time points, no timer.
#pragma once

#include <boost/system/error_code.hpp>

#include <chrono>

namespace neo::detail {

using steady = std::chrono::steady_clock;

// How long one phase may take: its own bound, or what is left of the deadline when that is
// shorter (then a timeout is the deadline's), or nothing left at all.
struct bound {
    steady::duration d{};
    bool by_deadline = false;  // the deadline, not the phase's bound, is what ends it
    bool expired = false;      // no time left: the phase must not start
    bool unbounded = false;    // neither a phase bound nor a deadline
};

// What is left until `deadline` (time_point::max() for none: duration::max()).
steady::duration time_left(steady::time_point deadline, steady::time_point now) noexcept;

// The bound of a phase whose own bound is `phase_bound` (0: none).
bound bound_for(steady::time_point deadline, steady::time_point now, std::chrono::milliseconds phase_bound) noexcept;

// The error of a phase that outlived `b`: deadline_exceeded or timeout.
boost::system::error_code timed_out(const bound& b) noexcept;

}  // namespace neo::detail
