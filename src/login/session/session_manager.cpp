// The session manager: single flight, renewal before expiry and persistence, all on one strand.
#include <neo/detail/redact.hpp>
#include <neo/detail/request.hpp>
#include <neo/error.hpp>
#include <neo/session_manager.hpp>
#include <neo/totp.hpp>
#include "common/deliver.hpp"
#include "common/nothrow.hpp"

#include "session_file.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <list>
#include <mutex>
#include <optional>
#include <variant>
#include <vector>

namespace neo::detail {

namespace asio = boost::asio;
namespace json = boost::json;
using boost::system::error_code;
using sys_clock = std::chrono::system_clock;
using common::nothrow;

struct manager_impl : std::enable_shared_from_this<manager_impl> {
    client cl;
    std::variant<password_recipe, totp_recipe> recipe;
    std::optional<totp> codes;
    session_manager_options opts;
    asio::strand<asio::any_io_executor> strand;
    std::atomic<std::size_t> logins{0};
    std::atomic<std::uint64_t> next_id{1};

    mutable std::mutex diag_mu;
    diagnostics last_diag;  // guarded by diag_mu

    // On the strand only:
    std::optional<session> current;
    std::optional<session> pending_view;   // logged in, OTP sent, second factor still to do
    std::chrono::seconds clock_offset{0};  // the gateway's clock minus ours, as last measured
    bool loaded = false;
    bool in_flight = false;
    struct waiter {
        std::uint64_t id;
        login_handler h;
    };
    // A list: Boost 1.81's any_completion_handler move assignment recurses forever, so waiters
    // must never be moved by assignment (a vector's erase would).
    std::list<waiter> waiters;

    manager_impl(client c, std::variant<password_recipe, totp_recipe> r, session_manager_options o)
        : cl(std::move(c)), recipe(std::move(r)), opts(std::move(o)), strand(asio::make_strand(cl.get_executor())) {
        if (auto* t = std::get_if<totp_recipe>(&recipe); t && !t->totp_source) codes.emplace(t->totp_seed);
    }

    void log(log_level l, const std::string& line) const {
        if (cl.params().logger.enabled(l)) cl.params().logger.log(l, detail::escape_text("session manager: " + line));
    }

    // Who the session is for; persisted sessions of someone else are ignored.
    std::string who() const {
        if (const auto* t = std::get_if<totp_recipe>(&recipe)) return "totp:" + t->ucc.str();
        const auto& l = std::get<password_recipe>(recipe).login;
        if (!l.mobilenumber.empty()) return "mobile:" + normalize_mobile(l.mobilenumber);
        if (!l.pan.empty()) return "pan:" + normalize_pan(l.pan);
        return "userid:" + l.userid.str();
    }

    // Never handed out with less than min_validity left.
    bool usable(const session& s, sys_clock::time_point now) const {
        const auto exp = s.expires_at();
        return !exp || (*exp > now && *exp - now > opts.min_validity);
    }
    bool fresh(const session& s, sys_clock::time_point now) const {
        const auto exp = s.expires_at();
        return !exp || now + opts.renew_margin < *exp;
    }

    void complete(login_handler h, error_code ec, session s) {
        common::deliver(std::move(h), cl.get_executor(), ec, std::move(s));
    }

    // ---- persistence -------------------------------------------------------------------------

    void load_once() {
        if (loaded) return;
        loaded = true;
        if (opts.session_file.empty()) return;
        std::string text;
        auto ignore = [&](const std::string& why) {
            log(log_level::warning, "ignoring the session file '" + opts.session_file + "': " + why);
        };
        if (auto why = read_trusted_file(opts.session_file, 64 * 1024, text); !why.empty()) {
            if (why != "absent") ignore(why);  // no file yet: nothing to say
            return;
        }
        boost::system::error_code jec;
        auto v = json::parse(text, jec);
        wipe(text);
        const auto* o = jec ? nullptr : v.if_object();
        if (!o) return ignore("not a JSON object");
        const auto* fmt = o->if_contains("format");
        const auto* w = o->if_contains("who");
        const auto* d = o->if_contains("data");
        if (!fmt || !fmt->is_string() || fmt->get_string() != "neo-session/1" || !d || !d->is_object())
            return ignore("not a saved neo session");
        if (!w || !w->is_string() || w->get_string() != who()) return ignore("saved for another user");
        const auto* stage = o->if_contains("stage");
        const bool awaiting_otp = stage && stage->is_string() && stage->get_string() == "otp";
        auto s = session_from_data(d->get_object());
        if (!s) return ignore("no token or sid");
        // A saved session must say when it ends, and the end must be plausible.
        const auto now = sys_clock::now();
        const auto exp = s->expires_at();
        if (!exp) return ignore("the token has no expiry");
        if (*exp > now + std::chrono::hours(24 * 366)) return ignore("the token's expiry is implausible");
        if (!usable(*s, now)) return ignore("the session has expired or is about to");
        if (awaiting_otp) {
            log(log_level::info, "reusing the saved view session that waits for its OTP");
            pending_view = std::move(*s);
            return;
        }
        log(log_level::info, "reusing the saved session");
        current = std::move(*s);
    }

    // `awaiting_otp`: a view session whose OTP was sent, for the second factor of a later run.
    void save(const session& s, bool awaiting_otp = false) {
        if (opts.session_file.empty()) return;
        json::object o{{"format", "neo-session/1"}, {"who", who()}, {"data", s.data}};
        if (awaiting_otp) o["stage"] = "otp";
        std::string text = json::serialize(o);
        auto why = write_file_atomically(opts.session_file, text);
        wipe(text);
        if (!why.empty()) log(log_level::warning, "cannot save the session to '" + opts.session_file + "': " + why);
    }

    void forget_file() {
        if (!opts.session_file.empty()) ::unlink(opts.session_file.c_str());
    }

    // ---- the login flow ----------------------------------------------------------------------

    struct outcome {
        error_code ec;
        session s;
    };

    asio::awaitable<outcome> flow(diagnostics& d) {
        if (const auto* t = std::get_if<totp_recipe>(&recipe)) {
            totp_login_request req;
            req.mobilenumber = t->mobilenumber;
            req.ucc = t->ucc;
            req.totp = t->totp_source ? t->totp_source() : codes->code(clock_offset);
            auto [ec, view] = co_await cl.async_totp_login(req, d, nothrow);
            if (d.clock_offset && *d.clock_offset != clock_offset) {
                clock_offset = *d.clock_offset;
                // Refused, and the gateway's moment has another code than the one sent: once more
                // with the code of its clock.
                if (ec == condition::rejected && !t->totp_source) {
                    auto again = codes->code(clock_offset);
                    if (!(again == req.totp)) {
                        log(log_level::warning, "TOTP refused with the gateway's clock " +
                                                    std::to_string(clock_offset.count()) +
                                                    " s from ours: once more with the code of its clock");
                        req.totp = std::move(again);
                        std::tie(ec, view) = co_await cl.async_totp_login(req, d, nothrow);
                    }
                }
            }
            if (ec) co_return outcome{ec, {}};
            auto [ec2, trade] = co_await cl.async_totp_validate(view, t->mpin, d, nothrow);
            co_return outcome{ec2, std::move(trade)};
        }
        const auto& r = std::get<password_recipe>(recipe);
        // A view session whose OTP was sent earlier (async_generate_otp): its second factor now.
        const bool resume = r.otp && pending_view && usable(*pending_view, sys_clock::now());
        session view;
        if (resume) {
            view = *pending_view;
        } else {
            auto [ec, v] = co_await cl.async_login(r.login, d, nothrow);
            if (ec) co_return outcome{ec, {}};
            view = std::move(v);
        }
        second_factor f;
        if (!r.mpin.empty()) {
            f.mpin = r.mpin;
            f.mobilenumber = r.login.mobilenumber;
            f.userid = r.login.userid;
            f.pan = r.login.pan;
        } else if (r.otp) {
            if (r.generate_otp && !resume) {
                auto [gec] = co_await cl.async_generate_otp(view, d, nothrow);
                if (gec) co_return outcome{gec, {}};
            }
            auto [oec, otp] = co_await asio::async_initiate<decltype(nothrow), void(error_code, secret)>(
                [src = r.otp](auto h) { src(otp_handler(std::move(h))); }, nothrow);
            if (oec) co_return outcome{oec, {}};
            f.otp = std::move(otp);
        } else {
            co_return outcome{{}, std::move(view)};  // a view-only recipe
        }
        auto [ec2, trade] = co_await cl.async_session_2fa(view, std::move(f), d, nothrow);
        if (!ec2) pending_view.reset();  // used; a wrong code leaves it for another try
        co_return outcome{ec2, std::move(trade)};
    }

    // Login and OTP generation, the view session kept for a later second factor.
    asio::awaitable<outcome> otp_flow(diagnostics& d) {
        const auto* r = std::get_if<password_recipe>(&recipe);
        if (!r || !r->otp) co_return outcome{errc::no_second_factor, {}};
        auto [ec, view] = co_await cl.async_login(r->login, d, nothrow);
        if (ec) co_return outcome{ec, {}};
        auto [gec] = co_await cl.async_generate_otp(view, d, nothrow);
        if (gec) co_return outcome{gec, {}};
        pending_view = view;
        save(view, true);
        log(log_level::info, "OTP sent; the view session waits for it");
        co_return outcome{{}, std::move(view)};
    }

    void start_login(const char* why) {
        in_flight = true;
        const auto n = ++logins;
        log(log_level::info, std::string(why) + ": login #" + std::to_string(n));
        auto d = std::make_shared<diagnostics>();
        asio::co_spawn(strand, flow(*d), [self = shared_from_this(), d](std::exception_ptr e, outcome o) {
            if (e) o = outcome{errc::internal_error, {}};
            {
                std::lock_guard lock(self->diag_mu);
                self->last_diag = std::move(*d);
            }
            self->finish(std::move(o));
        });
    }

    void finish(outcome o) {
        in_flight = false;
        std::list<waiter> ws;
        ws.swap(waiters);
        if (o.ec) {
            log(log_level::warning, "login failed: " + o.ec.message() + " (" + std::to_string(ws.size()) + " waiting)");
            for (auto& w : ws) complete(std::move(w.h), o.ec, {});
            return;
        }
        std::string line = "session ready";
        if (auto exp = o.s.expires_at())
            line += ", expires in " +
                    std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*exp - sys_clock::now()).count()) +
                    " s";
        log(log_level::info, line + " (" + std::to_string(ws.size()) + " waiting)");
        save(o.s);
        current = std::move(o.s);
        for (auto& w : ws) complete(std::move(w.h), {}, *current);
    }

    void request(std::uint64_t id, login_handler h) {
        load_once();
        const auto now = sys_clock::now();
        if (current && usable(*current, now)) {
            if (!fresh(*current, now) && !in_flight) start_login("renewing before expiry");
            complete(std::move(h), {}, *current);
            return;
        }
        waiters.push_back(waiter{id, std::move(h)});
        if (!in_flight) start_login(current ? "the session has expired" : "no session");
    }

    void cancel_waiter(std::uint64_t id) {
        for (auto it = waiters.begin(); it != waiters.end(); ++it) {
            if (it->id == id) {
                login_handler h(std::move(it->h));
                waiters.erase(it);
                complete(std::move(h), asio::error::operation_aborted, {});
                return;
            }
        }
    }
};

void start_otp_generation(const std::shared_ptr<manager_impl>& impl, login_handler h) {
    asio::post(impl->strand, [impl, h = std::move(h)]() mutable {
        impl->load_once();
        auto d = std::make_shared<diagnostics>();
        asio::co_spawn(impl->strand, impl->otp_flow(*d),
                       [impl, d, h = std::move(h)](std::exception_ptr e, manager_impl::outcome o) mutable {
                           if (e) o = manager_impl::outcome{errc::internal_error, {}};
                           {
                               std::lock_guard lock(impl->diag_mu);
                               impl->last_diag = std::move(*d);
                           }
                           impl->complete(std::move(h), o.ec, std::move(o.s));
                       });
    });
}

void start_session_wait(const std::shared_ptr<manager_impl>& impl, login_handler h) {
    const auto id = impl->next_id++;
    if (auto slot = asio::get_associated_cancellation_slot(h); slot.is_connected()) {
        slot.assign([w = std::weak_ptr<manager_impl>(impl), id](asio::cancellation_type t) {
            if (t == asio::cancellation_type::none) return;
            if (auto self = w.lock()) asio::post(self->strand, [self, id] { self->cancel_waiter(id); });
        });
    }
    asio::post(impl->strand, [impl, id, h = std::move(h)]() mutable { impl->request(id, std::move(h)); });
}

}  // namespace neo::detail

namespace neo {

session_manager::session_manager(client c, password_recipe r, session_manager_options o)
    : impl_(std::make_shared<detail::manager_impl>(std::move(c), std::move(r), std::move(o))) {}

session_manager::session_manager(client c, totp_recipe r, session_manager_options o)
    : impl_(std::make_shared<detail::manager_impl>(std::move(c), std::move(r), std::move(o))) {}

session_manager::~session_manager() = default;

session_manager::executor_type session_manager::get_executor() const noexcept {
    return impl_->cl.get_executor();
}

void session_manager::invalidate() {
    boost::asio::post(impl_->strand, [self = impl_] {
        self->current.reset();
        self->pending_view.reset();
        self->forget_file();
        self->log(log_level::info, "session invalidated");
    });
}

diagnostics session_manager::last_diagnostics() const {
    std::lock_guard lock(impl_->diag_mu);
    return impl_->last_diag;
}

std::size_t session_manager::logins_started() const noexcept {
    return impl_->logins.load();
}

}  // namespace neo
