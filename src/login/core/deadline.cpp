// Phase bounds under the operation's deadline (see deadline.hpp).
#include "deadline.hpp"

#include <neo/error.hpp>

namespace neo::detail {

steady::duration time_left(steady::time_point deadline, steady::time_point now) noexcept {
    if (deadline == steady::time_point::max()) return steady::duration::max();
    return deadline - now;
}

bound bound_for(steady::time_point deadline, steady::time_point now, std::chrono::milliseconds phase_bound) noexcept {
    bound b;
    const auto left = time_left(deadline, now);
    if (left <= steady::duration::zero()) {
        b.expired = true;
        b.by_deadline = true;
        return b;
    }
    if (phase_bound.count() > 0 && phase_bound < left) {
        b.d = phase_bound;
    } else if (left == steady::duration::max()) {
        b.unbounded = true;
    } else {
        b.d = left;
        b.by_deadline = true;
    }
    return b;
}

boost::system::error_code timed_out(const bound& b) noexcept {
    return b.by_deadline ? errc::deadline_exceeded : errc::timeout;
}

}  // namespace neo::detail
