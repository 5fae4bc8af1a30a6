// The operation's lifecycle: the shims the public headers call, admission (a slot now or a turn
// in line), the coroutine on its strand, cancellation wired from the handler's slot, and the
// completion through the handler's executor.
#include "../net/http_exchange.hpp"
#include "common/deliver.hpp"
#include "../net/tls_context.hpp"
#include "client_impl.hpp"
#include "op_state.hpp"
#include "steps.hpp"

#include <neo/async_login.hpp>
#include <neo/client.hpp>
#include <neo/error.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <variant>

namespace neo::detail {

namespace asio = boost::asio;
using boost::system::error_code;
using std::chrono::milliseconds;

client_impl::client_impl(asio::any_io_executor e, client_params p)
    : ex(std::move(e)),
      params(std::move(p)),
      line(std::make_shared<admission>(ex, params.max_in_flight)),
      pool(params.keep_alive_idle),
      addresses(params.address_cache_ttl),
      budget(params.retry.budget),
      draw(params.random) {
    if (params.tls_context) {
        ctx = params.tls_context;
    } else {
        own_ctx = make_tls_context(params);
        ctx = own_ctx.get();
    }
}

namespace {

// The caller's handler, whichever of the two signatures, type-erased: the admission line and the
// operation are the same code for every step and every completion token.
struct completion {
    std::variant<login_handler, ack_handler> h;
    const char* name = "";                       // the operation, for the on_operation hook
    steady::time_point called = steady::now();  // from the call, queueing included

    asio::cancellation_slot slot() const {
        return std::visit([](const auto& x) { return asio::get_associated_cancellation_slot(x); }, h);
    }
    // Its diagnostics written, then the handler through its own executor (never inside the call).
    void complete(const client_impl& impl, diagnostics* diag, diagnostics&& d, outcome&& o) && {
        if (const auto& hook = impl.params.on_operation)
            hook(operation_report{name, o.ec, d, std::chrono::duration_cast<milliseconds>(steady::now() - called)});
        if (diag) *diag = std::move(d);
        std::visit(
            [&](auto& x) {
                if constexpr (std::is_same_v<std::decay_t<decltype(x)>, login_handler>)
                    common::deliver(std::move(x), impl.ex, o.ec, std::move(o.s));
                else
                    common::deliver(std::move(x), impl.ex, o.ec);
            },
            h);
    }
};

// The checks (unless made before the call queued), the steps, then the polite close of a
// connection the server kept open for them. It runs holding a slot of max_in_flight.
asio::awaitable<outcome> run_op(std::shared_ptr<op_state> stp, std::shared_ptr<step_args> args) {
    // Asio's cancellation: errors, not exceptions, at a cancelled wait; terminal always, partial
    // and total while nothing of the current step has been sent (no side effect on the gateway).
    co_await asio::this_coro::throw_if_cancelled(false);
    op_state* raw = stp.get();
    co_await asio::this_coro::reset_cancellation_state([raw](asio::cancellation_type t) { return t & raw->allowed(); });
    stp->cancel_state = co_await asio::this_coro::cancellation_state;
    if (stp->requested != asio::cancellation_type::none) stp->signal.emit(stp->requested);  // before it ran
    outcome o;
    if (auto ec = stp->checked ? error_code() : check(stp->params(), stp->diag, *args)) {
        o.ec = ec;
    } else if (stp->cancelled()) {
        o.ec = asio::error::operation_aborted;  // cancelled after its turn came, before it ran
        stp->diag.failed_phase = phase::queue;
    } else {
        o = co_await run_steps(*stp, *args);
    }
    if (!stp->idle.empty()) {
        // Kept for the next operation (on this operation's strand, which their streams run on),
        // unless the caller cancelled or the pool is full.
        auto idle = std::move(stp->idle);
        if (!stp->cancelled() && stp->params().keep_alive_idle.count() > 0)
            idle = stp->impl->pool.park(std::move(idle), stp->strand);
        auto net = stp->net();
        for (auto& c : idle.release()) co_await close_politely(net, *c);
    }
    stp->permit = flight_permit();  // the next queued operation may start
    co_return o;
}

using wire_cancel_fn = std::function<void(const std::shared_ptr<op_state>&)>;

// Starts the operation, its slot held (or the client not gated). It runs on a strand of its own,
// or on the strand of a connection an earlier operation left open, which it takes and tries
// first (exchange() checks host and liveness): that strand is the one the connection's stream
// handlers run on. `wire_cancel` is set for a call that waited in line: its cancellation slot is
// already wired to the line's record, which forwards a cancellation to the operation from now on.
void run_admitted(std::shared_ptr<client_impl> impl, std::shared_ptr<step_args> args, diagnostics* diag,
                  completion handler, steady::time_point deadline, const wire_cancel_fn& wire_cancel) {
    const bool gated = impl->line->gated();
    auto parked = impl->params.keep_alive ? impl->pool.take() : std::nullopt;
    auto strand = parked ? parked->strand : asio::make_strand(impl->ex);
    auto st = std::make_shared<op_state>(std::move(impl), std::move(strand));
    st->id = st->impl->next_operation++;
    if (st->params().logger.enabled(log_level::error)) st->account = account_of(*args);
    if (gated) st->permit = flight_permit(st->impl->line.get());
    st->deadline = deadline;
    if (parked) st->idle = std::move(parked->conns);
    if (wire_cancel) {
        wire_cancel(st);
    } else if (auto slot = handler.slot(); slot.is_connected()) {
        // Emitted on the strand the operation runs on (a slot's handlers are not thread-safe).
        slot.assign([st](asio::cancellation_type type) {
            if (type != asio::cancellation_type::none) asio::post(st->strand, [st, type] { st->cancel(type); });
        });
    }
    // co_spawn starts the coroutine through post: the handler never runs inside this call. The
    // coroutine's cancellation state is connected to the operation's own signal.
    asio::co_spawn(st->strand, run_op(st, std::move(args)),
                   asio::bind_cancellation_slot(
                       st->signal.slot(), [st, diag, h = std::move(handler)](std::exception_ptr e, outcome o) mutable {
                       if (e) o = outcome{errc::internal_error, {}};
                       st->permit = flight_permit();

                       std::move(h).complete(*st->impl, diag, std::move(st->diag), std::move(o));
                   }));
}

// A call that found every slot taken, waiting in line: its deadline counts from the call.
struct queued_call final : admission::waiter, std::enable_shared_from_this<queued_call> {
    std::shared_ptr<client_impl> impl;
    std::shared_ptr<step_args> args;
    diagnostics* diag;
    diagnostics d;  // what its checks said
    completion handler;
    steady::time_point since = steady::now();
    std::mutex mu;                  // guards what follows
    std::shared_ptr<op_state> op;   // once started
    asio::cancellation_type cancel_requested = asio::cancellation_type::none;  // before `op` exists

    queued_call(std::shared_ptr<client_impl> i, std::shared_ptr<step_args> a, diagnostics* dg, diagnostics&& checked,
                completion&& h, steady::time_point dead)
        : impl(std::move(i)), args(std::move(a)), diag(dg), d(std::move(checked)), handler(std::move(h)) {
        deadline = dead;
    }

    void expire() override { fail(errc::deadline_exceeded); }

    void start() override {
        const auto waited = std::chrono::duration_cast<milliseconds>(steady::now() - since);
        auto self = shared_from_this();
        run_admitted(impl, std::move(args), diag, std::move(handler), deadline,
                     [self, waited](const std::shared_ptr<op_state>& started) {
                         started->checked = true;
                         started->diag = std::move(self->d);
                         started->diag.queued = waited;
                         std::lock_guard lock(self->mu);
                         self->op = started;
                         started->requested |= self->cancel_requested;  // before its coroutine runs
                     });
    }

    // Its deadline passed (`ec` deadline_exceeded) or its caller cancelled while it waited.
    void fail(error_code ec) {
        auto self = shared_from_this();
        asio::post(impl->ex, [self, ec] {  // never inside the caller's emit(), nor the timer's cancel
            auto& q = *self;
            q.d.failed_phase = phase::queue;
            q.d.queued = std::chrono::duration_cast<milliseconds>(steady::now() - q.since);
            if (ec == errc::deadline_exceeded)
                q.d.detail = "still queued behind max_in_flight (" + std::to_string(q.impl->line->limit()) +
                             ") operations of this client when the deadline passed";
            std::move(q.handler).complete(*q.impl, q.diag, std::move(q.d), outcome{ec, {}});
        });
    }

    void cancel(asio::cancellation_type type) {
        switch (impl->line->withdraw(*this)) {
            case state::done:
                return;
            case state::queued:  // it has left the line
                fail(asio::error::operation_aborted);
                return;
            case state::started:
                break;
        }
        std::shared_ptr<op_state> running;
        {
            std::lock_guard lock(mu);
            if (!op) {
                cancel_requested |= type;
                return;
            }
            running = op;
        }
        asio::post(running->strand, [running, type] { running->cancel(type); });
    }
};

void launch(std::shared_ptr<client_impl> impl, std::shared_ptr<step_args> args, diagnostics* diag, completion handler) {
    const auto& limit = impl->params.retry.deadline;
    const auto deadline = limit.count() > 0 ? steady::now() + limit : steady::time_point::max();
    if (!impl->line->gated() || impl->line->try_enter()) {
        run_admitted(std::move(impl), std::move(args), diag, std::move(handler), deadline, {});
        return;
    }
    // Every slot is taken: the input is checked now (bad input fails at once, not in its turn).
    diagnostics checked;
    if (auto ec = check(impl->params, checked, *args)) {
        asio::post(impl->ex, [impl, diag, checked = std::move(checked), h = std::move(handler), ec]() mutable {
            std::move(h).complete(*impl, diag, std::move(checked), outcome{ec, {}});
        });
        return;
    }
    auto slot = handler.slot();
    auto q =
        std::make_shared<queued_call>(impl, std::move(args), diag, std::move(checked), std::move(handler), deadline);
    if (slot.is_connected()) {
        slot.assign([q](asio::cancellation_type type) {
            if (type != asio::cancellation_type::none) q->cancel(type);
        });
    }
    if (impl->line->enter_or_queue(q)) q->start();  // a slot came free meanwhile
}

}  // namespace

asio::any_io_executor executor_of(const std::shared_ptr<client_impl>& impl) noexcept {
    return impl->ex;
}

asio::any_io_executor executor_of(asio::io_context& ctx) noexcept {
    return ctx.get_executor();
}

std::shared_ptr<client_impl> make_client_impl(asio::any_io_executor ex, client_params params) {
    return std::make_shared<client_impl>(std::move(ex), std::move(params));
}

void start_login(std::shared_ptr<client_impl> impl, login_request req, diagnostics* diag, login_handler handler) {
    auto args = std::make_shared<step_args>(step_args{std::move(req)});
    start_step(std::move(impl), std::move(args), diag, std::move(handler));
}

void start_step(std::shared_ptr<client_impl> impl, std::shared_ptr<step_args> a, diagnostics* diag, login_handler h) {
    const char* name = operation_name(*a);
    launch(std::move(impl), std::move(a), diag, completion{std::move(h), name});
}

void start_step(std::shared_ptr<client_impl> impl, std::shared_ptr<step_args> a, diagnostics* diag, ack_handler h) {
    const char* name = operation_name(*a);
    launch(std::move(impl), std::move(a), diag, completion{std::move(h), name});
}

std::shared_ptr<step_args> generate_otp_args(const session& view) {
    return std::make_shared<step_args>(step_args{step_args::generate_otp{session_ref(view)}});
}
std::shared_ptr<step_args> second_factor_args(const session& view, second_factor f) {
    return std::make_shared<step_args>(step_args{step_args::two_factor{session_ref(view), std::move(f)}});
}
std::shared_ptr<step_args> logout_args(const session& trade) {
    return std::make_shared<step_args>(step_args{step_args::logout{session_ref(trade)}});
}
std::shared_ptr<step_args> totp_login_args(totp_login_request r) {
    return std::make_shared<step_args>(step_args{std::move(r)});
}
std::shared_ptr<step_args> totp_login_args(const identity& mobilenumber, const identity& ucc, secret totp) {
    totp_login_request r;
    r.mobilenumber = mobilenumber;
    r.ucc = ucc;
    r.totp = std::move(totp);
    return totp_login_args(std::move(r));
}
std::shared_ptr<step_args> warm_up_args(generation g) {
    return std::make_shared<step_args>(step_args{step_args::warm_up{g}});
}
std::shared_ptr<step_args> totp_validate_args(const session& view, secret mpin) {
    return std::make_shared<step_args>(step_args{step_args::totp_validate{session_ref(view), std::move(mpin)}});
}

}  // namespace neo::detail

namespace neo {

client::client(executor_type ex, client_params params, detail::link_check)
    : impl_(detail::make_client_impl(std::move(ex), std::move(params))) {}

client::client(boost::asio::io_context& ctx, client_params params, detail::link_check check)
    : client(ctx.get_executor(), std::move(params), check) {}

client::~client() = default;

client::executor_type client::get_executor() const noexcept {
    return impl_->ex;
}

const client_params& client::params() const noexcept {
    return impl_->params;
}

}  // namespace neo
