// A phase's bound on a stream (Beast's tcp_stream or our tls_socket): armed from the deadline
// arithmetic of core/deadline.hpp, and lifted when the phase ends, however it ends.
#pragma once

#include "../core/deadline.hpp"

namespace neo::detail {

template <class Stream>
void arm(Stream& s, const bound& b) {
    if (b.unbounded)
        s.expires_never();
    else
        s.expires_after(b.d);
}

// Lifts the bound on scope exit: an idle connection keeps no timer waiting in the io_context.
template <class Stream>
struct disarm_on_exit {
    Stream& s;
    ~disarm_on_exit() { s.expires_never(); }
};
template <class Stream>
disarm_on_exit(Stream&) -> disarm_on_exit<Stream>;

}  // namespace neo::detail
