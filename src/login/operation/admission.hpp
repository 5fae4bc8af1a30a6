// The bound on a client's operations in flight (client_params::max_in_flight): slots, the line of
// calls that found every slot taken, and one timer for the deadlines of the whole line.
//
// A call that waits in line is a `waiter`: no strand, coroutine, state, socket or timer of its
// own, until an operation that ends hands it its slot and it starts. Thread-safe.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <utility>

namespace neo::detail {

class admission : public std::enable_shared_from_this<admission> {
public:
    struct waiter {
        enum class state { queued, started, done };
        state st = state::queued;                          // under the line's lock
        std::list<std::shared_ptr<waiter>>::iterator pos;  // in the line, while queued
        std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
        virtual ~waiter() = default;
        // The slot is this call's now: the operation starts (on the thread that freed it).
        virtual void start() = 0;
        // Its deadline passed while it waited; it has left the line.
        virtual void expire() = 0;
    };

    admission(boost::asio::any_io_executor ex, std::size_t limit) : limit_(limit), timer_(std::move(ex)) {}

    bool gated() const noexcept { return limit_ > 0; }
    std::size_t limit() const noexcept { return limit_; }
    // A slot now, or false (none is free while calls wait: a freed slot goes to the first of them).
    bool try_enter();
    // A slot now (true: `w` is marked started), or `w` joins the line (false).
    bool enter_or_queue(const std::shared_ptr<waiter>& w);
    // An operation ends: its slot goes to the first in line (started here), or back to the pool.
    void leave();
    // Takes `w` out of the line if it still waits; returns the state it had.
    waiter::state withdraw(waiter& w);

private:
    void arm_timer();     // under mu_
    void line_changed();  // under mu_: the line changed at its head
    void expire_waiting();

    const std::size_t limit_;
    std::mutex mu_;
    std::size_t in_flight_ = 0;
    std::list<std::shared_ptr<waiter>> line_;
    // Armed while someone waits: a client's calls all have the same deadline from their call, so
    // the first in line has the earliest.
    boost::asio::steady_timer timer_;
    bool timer_armed_ = false;
};

// One of the slots, held by an operation while it runs: from its call (a slot free then) or its
// turn in line, to its end.
class flight_permit {
    admission* line_ = nullptr;

public:
    flight_permit() = default;
    explicit flight_permit(admission* line) : line_(line) {}
    flight_permit(flight_permit&& o) noexcept : line_(std::exchange(o.line_, nullptr)) {}
    flight_permit& operator=(flight_permit&& o) noexcept {
        std::swap(line_, o.line_);
        return *this;
    }
    ~flight_permit() {
        if (line_) line_->leave();
    }
};

}  // namespace neo::detail
