// The bound on operations in flight (see admission.hpp).
#include "admission.hpp"

#include <vector>

namespace neo::detail {

bool admission::try_enter() {
    std::lock_guard lock(mu_);
    if (in_flight_ >= limit_) return false;
    ++in_flight_;
    return true;
}

bool admission::enter_or_queue(const std::shared_ptr<waiter>& w) {
    std::lock_guard lock(mu_);
    if (in_flight_ < limit_) {
        ++in_flight_;
        w->st = waiter::state::started;
        return true;
    }
    w->pos = line_.insert(line_.end(), w);
    line_changed();
    return false;
}

void admission::leave() {
    std::shared_ptr<waiter> next;
    {
        std::lock_guard lock(mu_);
        if (line_.empty()) {
            --in_flight_;
            return;
        }
        next = std::move(line_.front());
        line_.pop_front();
        next->st = waiter::state::started;
        if (line_.empty()) line_changed();
    }
    next->start();  // the slot passes to it
}

admission::waiter::state admission::withdraw(waiter& w) {
    std::lock_guard lock(mu_);
    const auto was = w.st;
    if (was == waiter::state::queued) {
        w.st = waiter::state::done;
        line_.erase(w.pos);
        line_changed();
    }
    return was;
}

void admission::arm_timer() {
    if (line_.empty() || line_.front()->deadline == std::chrono::steady_clock::time_point::max()) return;
    timer_armed_ = true;
    timer_.expires_at(line_.front()->deadline);
    timer_.async_wait([w = weak_from_this()](boost::system::error_code ec) {
        if (ec) return;
        if (auto self = w.lock()) self->expire_waiting();
    });
}

void admission::line_changed() {
    if (line_.empty() && timer_armed_) {
        timer_armed_ = false;
        timer_.cancel();
    } else if (!timer_armed_) {
        arm_timer();
    }
}

void admission::expire_waiting() {
    std::vector<std::shared_ptr<waiter>> expired;
    {
        std::lock_guard lock(mu_);
        timer_armed_ = false;
        const auto now = std::chrono::steady_clock::now();
        for (auto it = line_.begin(); it != line_.end();) {
            if ((*it)->deadline <= now) {
                (*it)->st = waiter::state::done;
                expired.push_back(std::move(*it));
                it = line_.erase(it);
            } else {
                ++it;
            }
        }
        arm_timer();
    }
    for (auto& w : expired) w->expire();
}

}  // namespace neo::detail
