// Completes a caller's handler the way every operation of the library does: its cancellation
// slot cleared (nothing can cancel a finished operation), then the handler called through its
// associated executor (else `fallback`), with the results moved in.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>

#include <utility>

namespace neo::common {

template <class Handler, class... Args>
void deliver(Handler&& h, const boost::asio::any_io_executor& fallback, Args&&... args) {
    if (auto slot = boost::asio::get_associated_cancellation_slot(h); slot.is_connected()) slot.clear();
    auto ex = boost::asio::get_associated_executor(h, fallback);
    boost::asio::dispatch(ex, [h = std::forward<Handler>(h), ... args = std::forward<Args>(args)]() mutable {
        std::move(h)(std::move(args)...);
    });
}

}  // namespace neo::common
