// The session manager: single flight, renewal before expiry and persistence, all on one strand.
#include <neo/detail/redact.hpp>
#include <neo/detail/request.hpp>
#include <neo/error.hpp>
#include <neo/session_manager.hpp>
#include <neo/totp.hpp>
#include "common/deliver.hpp"
#include "common/nothrow.hpp"
#include "login/core/wipe_json.hpp"
#include "login/operation/client_impl.hpp"
#include "login/operation/steps.hpp"

#include "binding.hpp"
#include "session_file.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <boost/asio/steady_timer.hpp>

#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <iterator>
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

namespace {

// Handlers made here, not inside manager_impl's members: these function templates have internal
// linkage, so a shared library exports none of the Asio templates their lambdas instantiate.
template <class Subscriber>
void post_event(std::shared_ptr<Subscriber> sub, std::shared_ptr<const session_event> ev) {
    asio::post(sub->order, [sub, ev] {
        std::lock_guard lock(sub->mu);
        if (sub->active) sub->f(*ev);
    });
}

template <class Impl, class Stage>
void wait_then_renew(asio::steady_timer& t, const asio::strand<asio::any_io_executor>& strand, std::weak_ptr<Impl> w,
                     Stage st, std::size_t key) {
    t.async_wait(asio::bind_executor(strand, [w, st, key](boost::system::error_code ec) {
        auto self = w.lock();
        if (!self || ec || self->stopped) return;
        self->on_renewal_timer(st, key);
    }));
}

}  // namespace

struct manager_impl : std::enable_shared_from_this<manager_impl> {
    client cl;
    std::variant<password_recipe, totp_recipe> recipe;
    std::optional<totp> codes;
    session_manager_options opts;
    session_binding binding;
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
    std::size_t revoked = 0;  // token_key of the last session reported rejected (never reused)
    struct waiter {
        std::uint64_t id;
        login_handler h;
        diagnostics* diag;  // the caller's, filled with the login it waited for (may be null)
    };
    // A list: Boost 1.81's any_completion_handler move assignment recurses forever, so waiters
    // must never be moved by assignment (a vector's erase would).
    std::list<waiter> waiters;

    manager_impl(client c, std::variant<password_recipe, totp_recipe> r, session_manager_options o)
        : cl(std::move(c)), recipe(std::move(r)), opts(std::move(o)), strand(asio::make_strand(cl.get_executor())) {
        if (auto* t = std::get_if<totp_recipe>(&recipe); t && !t->totp_source) codes.emplace(t->totp_seed);
        binding = make_binding();
        if (const auto* t = std::get_if<totp_recipe>(&recipe)) {
            account = escape_text(t->ucc.view());
        } else {
            const auto& l = std::get<password_recipe>(recipe).login;
            account = !l.mobilenumber.empty() ? masked("mobile", l.mobilenumber.view())
                      : !l.pan.empty()        ? masked("pan", l.pan.view())
                                              : masked("userid", l.userid.view());
        }
    }

    std::string account;  // for log records: the UCC, or the identity masked

    void log(log_level l, const std::string& line) const {
        const auto& lg = cl.params().logger;
        if (!lg.enabled(l)) return;
        const auto text = detail::escape_text("session manager: " + line);
        log_record r{l, text};
        r.component = "session_manager";
        r.account = account;
        lg.log(r);
    }

    // ---- what callers see without waiting: the snapshot and the subscribers --------------------

    mutable std::mutex snap_mu;
    std::shared_ptr<const session> snap;  // guarded by snap_mu; a copy of `current`, wiped when let go

    // After `current` changed (on the strand).
    void publish() {
        std::shared_ptr<const session> s;
        if (current)
            s = std::shared_ptr<const session>(new session(*current), [](const session* p) {
                wipe_session(const_cast<session&>(*p));
                delete p;
            });
        std::lock_guard lock(snap_mu);
        snap = std::move(s);
    }

    struct subscriber {
        std::recursive_mutex mu;  // held while its callback runs: reset() waits for a running call
        bool active = true;
        std::function<void(const session_event&)> f;
        asio::strand<asio::any_io_executor> order;  // its events one at a time, in order
        subscriber(std::function<void(const session_event&)> fn, asio::any_io_executor ex)
            : f(std::move(fn)), order(asio::make_strand(ex)) {}
    };
    std::mutex subs_mu;
    std::vector<std::shared_ptr<subscriber>> subs;  // guarded by subs_mu

    void emit(session_event e) {
        std::vector<std::shared_ptr<subscriber>> to;
        {
            std::lock_guard lock(subs_mu);
            to = subs;
        }
        if (to.empty()) return;
        auto ev = std::make_shared<const session_event>(std::move(e));
        for (auto& sub : to) post_event(sub, ev);
    }

    // What every session of this manager is bound to (gateway, environment, generation,
    // identity, application); a saved session bound to anything else is not used.
    session_binding make_binding() const {
        std::vector<std::pair<std::string, std::string>> id;
        if (const auto* t = std::get_if<totp_recipe>(&recipe)) {
            id = {{"mobile", normalize_mobile(t->mobilenumber)}, {"ucc", t->ucc.str()}};
            return session_binding::of(cl.params().gateway, 2, std::move(id), cl.params().consumer_key);
        }
        const auto& l = std::get<password_recipe>(recipe).login;
        if (!l.mobilenumber.empty()) id.emplace_back("mobile", normalize_mobile(l.mobilenumber));
        if (!l.pan.empty()) id.emplace_back("pan", normalize_pan(l.pan));
        if (!l.userid.empty()) id.emplace_back("userid", l.userid.str());
        return session_binding::of(cl.params().gateway, 1, std::move(id), cl.params().consumer_key);
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

    static constexpr const char* file_format = "neo-session/2";

    struct saved_session {
        session s;
        bool awaiting_otp = false;
        // With a view session that waits for its OTP: the app token (Bearer) it was obtained
        // under, and until when (unix seconds), so that its second factor goes under the same one.
        secret app_token;
        std::int64_t app_token_until = 0;
    };

    // The session saved in the file, when it is trusted, of this format, bound to what this
    // manager is bound to, and still usable; else nothing (with a warning that says why).
    std::optional<saved_session> read_file() {
        if (opts.session_file.empty()) return std::nullopt;
        std::string text;
        auto ignore = [&](const std::string& why) -> std::optional<saved_session> {
            log(log_level::warning, "ignoring the session file '" + opts.session_file + "': " + why);
            return std::nullopt;
        };
        if (auto why = session_directory(opts.session_file).read(64 * 1024, text); !why.empty()) {
            if (why != "absent") ignore(why);  // no file yet: nothing to say
            return std::nullopt;
        }
        boost::system::error_code jec;
        auto v = json::parse(text, jec);
        wipe(text);
        wiping_value wipe_v{v};
        const auto* o = jec ? nullptr : v.if_object();
        if (!o) return ignore("not a JSON object");
        const auto* fmt = o->if_contains("format");
        if (fmt && fmt->is_string() && fmt->get_string().starts_with("neo-session/") &&
            fmt->get_string() != file_format)
            return ignore("saved in an older format (" + std::string(std::string_view(fmt->get_string()).substr(0, 20)) +
                          "), which records no binding to a gateway");
        const auto* d = o->if_contains("data");
        const auto* b = o->if_contains("binding");
        session_binding saved;
        if (!fmt || !fmt->is_string() || fmt->get_string() != file_format || !d || !d->is_object() || !b ||
            !session_binding::from_json(*b, saved))
            return ignore("not a saved neo session");
        if (auto why = binding.differs(saved, cl.params().consumer_key); !why.empty()) return ignore(why);
        const auto* stage = o->if_contains("stage");
        const bool awaiting_otp = stage && stage->is_string() && stage->get_string() == "otp";
        auto s = session_from_data(d->get_object());
        if (!s) return ignore("no token or sid");
        if (s->base_url != saved.base_url) return ignore("its base URL is not the one its binding records");
        // A saved session must say when it ends, and the end must be plausible.
        const auto now = sys_clock::now();
        const auto exp = s->expires_at();
        if (!exp) return ignore("the token has no expiry");
        if (*exp > now + std::chrono::hours(24 * 366)) return ignore("the token's expiry is implausible");
        if (!usable(*s, now)) return ignore("the session has expired or is about to");
        saved_session out{std::move(*s), awaiting_otp, {}, 0};
        if (const auto* a = o->if_contains("app_token"); awaiting_otp && a && a->is_object()) {
            const auto* t = a->get_object().if_contains("token");
            const auto* until = a->get_object().if_contains("until");
            if (t && t->is_string() && t->get_string().size() <= secret::max_size && until && until->is_int64()) {
                out.app_token = secret(std::string_view(t->get_string()));
                out.app_token_until = until->get_int64();
            }
        }
        return out;
    }

    // A pending view session from the file: its app token back into the client's cache (while it
    // is still valid), so that the second factor goes under the Bearer of the login.
    void adopt_pending(saved_session&& saved) {
        drop_pending();
        pending_view = std::move(saved.s);
        const auto now = sys_clock::now();
        const auto left = saved.app_token_until -
                          std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
        if (!saved.app_token.empty() && left > 0 && cl.params().access_token.empty())
            client_access::of(cl).app_token.put(saved.app_token, left, std::chrono::steady_clock::now());
    }

    // On the first call: what the file holds becomes the current (or the pending) session.
    void load_once() {
        if (loaded) return;
        loaded = true;
        auto saved = read_file();
        if (!saved) return;
        if (saved->awaiting_otp) {
            log(log_level::info, "reusing the saved view session that waits for its OTP");
            adopt_pending(std::move(*saved));  // its second factor is still to do
            return;
        }
        log(log_level::info, "reusing the saved session");
        current = std::move(saved->s);
        publish();
        schedule_renewal();
        emit(session_event{session_event::kind::new_session, snapshot(), {}, {}});
    }

    // `awaiting_otp`: a view session whose OTP was sent, for the second factor of a later run.
    void save(const session& s, bool awaiting_otp = false) {
        if (opts.session_file.empty()) return;
        auto b = binding;
        b.base_url = s.base_url;
        json::object o{{"format", file_format}, {"binding", b.to_json()}, {"data", s.data}};
        if (awaiting_otp) {
            o["stage"] = "otp";
            // The Bearer the view session was obtained under goes with it (not a caller's own
            // access token, which the caller gives again).
            if (cl.params().access_token.empty()) {
                auto [token, life] = client_access::of(cl).app_token.get_with_life(std::chrono::steady_clock::now());
                if (!token.empty())
                    o["app_token"] = json::object{
                        {"token", token.reveal()},
                        {"until", std::chrono::duration_cast<std::chrono::seconds>(
                                      (sys_clock::now() + std::chrono::seconds(life)).time_since_epoch())
                                      .count()}};
            }
        }
        std::string text = json::serialize(o);
        wiping_value wipe_o{o};
        auto why = session_directory(opts.session_file).write(text);
        wipe(text);
        if (!why.empty()) log(log_level::warning, "cannot save the session to '" + opts.session_file + "': " + why);
    }

    void forget_file() {
        if (opts.session_file.empty()) return;
        if (auto why = session_directory(opts.session_file).remove(); !why.empty())
            log(log_level::warning, "cannot remove the session file '" + opts.session_file + "': " + why);
    }

    // ---- the login flow ----------------------------------------------------------------------

    struct outcome {
        error_code ec;
        session s;
    };

    // ---- across processes: the lock file beside the session file ------------------------------

    // Takes the lock without blocking the event loop: non-blocking attempts on a timer, within
    // the client's deadline. A lock file that cannot be trusted or opened is logged and the login
    // goes on without it (the session file itself is then refused by the same rules).
    asio::awaitable<error_code> acquire(unique_fd& l) {
        std::string why;
        l.fd = session_directory(opts.session_file).open_lock(why);
        if (l.fd < 0) {
            log(log_level::warning, "cannot lock the session file '" + opts.session_file + "' (" + why +
                                        "): logging in without the lock");
            co_return error_code{};
        }
        const auto budget = cl.params().retry.deadline;
        const auto until = std::chrono::steady_clock::now() +
                           (budget.count() > 0 ? std::chrono::milliseconds(budget) : std::chrono::hours(24));
        asio::steady_timer t(strand);
        for (bool said = false;;) {
            if (::flock(l.fd, LOCK_EX | LOCK_NB) == 0) co_return error_code{};
            if (errno == EINTR) continue;
            if (errno != EWOULDBLOCK) {
                log(log_level::warning, "cannot lock the session file '" + opts.session_file +
                                            "': logging in without the lock");
                co_return error_code{};
            }
            if (!said) {
                said = true;
                log(log_level::info, "another process holds the session file's lock: waiting for its login");
            }
            const auto now = std::chrono::steady_clock::now();
            if (now >= until) co_return make_error_code(errc::deadline_exceeded);
            t.expires_after(std::min<std::chrono::steady_clock::duration>(std::chrono::milliseconds(20), until - now));
            auto [ec] = co_await t.async_wait(nothrow);
            if (ec) co_return ec;
        }
    }

    // The whole login of `body` under the lock: first what another process may have saved while
    // this one waited (used when it is fresh and not the session being replaced), else the login,
    // saved before the lock is released.
    asio::awaitable<outcome> under_lock(asio::awaitable<outcome> body, bool awaiting_otp,
                                        std::optional<std::size_t> replacing, std::string why) {
        unique_fd l;  // the lock, held (flock) until the new session is saved; closing releases it
        if (!opts.session_file.empty()) {
            if (auto ec = co_await acquire(l)) co_return outcome{ec, {}};
            if (!awaiting_otp) {
                if (auto saved = read_file(); saved && !saved->awaiting_otp && fresh(saved->s, sys_clock::now()) &&
                                              (!replacing || token_key(saved->s) != *replacing) &&
                                              token_key(saved->s) != revoked) {
                    log(log_level::info, "reusing the session another process saved");
                    co_return outcome{{}, std::move(saved->s)};
                } else if (saved && saved->awaiting_otp) {
                    adopt_pending(std::move(*saved));  // another process sent the OTP for it
                }
            }
        }
        // Each log line says what happens next: a login, or the second factor of a view session
        // that waits for its OTP (no login is sent then).
        if (resumes_pending() && !awaiting_otp) {
            log(log_level::info, why + ": completing the second factor of the view session that waits for its OTP");
        } else {
            ++logins;
            log(log_level::info, why + ": login #" + std::to_string(logins.load()));
        }
        auto o = co_await std::move(body);
        if (!o.ec) save(o.s, awaiting_otp);
        co_return o;
    }

    struct session_wiper {
        session& s;
        ~session_wiper() { wipe_session(s); }
    };
    void drop_pending() {
        if (pending_view) wipe_session(*pending_view);
        pending_view.reset();
    }
    void drop_current() {
        if (current) wipe_session(*current);
        current.reset();
        publish();
        if (renew_timer) renew_timer->cancel();
    }

    std::shared_ptr<const session> snapshot() const {
        std::lock_guard lock(snap_mu);
        return snap;
    }

    // ---- renewal on a timer (proactive_renewal) ----------------------------------------------

    enum class timer_stage { warm_up, renew };
    std::optional<asio::steady_timer> renew_timer;  // on the strand
    int renewal_failures = 0;
    std::atomic<bool> stopped{false};  // the session_manager is gone: nothing more is scheduled

    std::chrono::milliseconds warm_up_lead() const {
        const auto half = cl.params().keep_alive_idle / 2;
        if (!cl.params().keep_alive || half.count() <= 0) return std::chrono::milliseconds(0);
        return std::min<std::chrono::milliseconds>(opts.warm_up_lead, half);
    }

    void arm_renewal(std::chrono::steady_clock::duration in, timer_stage st, std::size_t key) {
        if (!renew_timer) renew_timer.emplace(strand);
        renew_timer->expires_after(std::max(in, std::chrono::steady_clock::duration::zero()));
        wait_then_renew(*renew_timer, strand, weak_from_this(), st, key);
    }

    // After `current` changed: the warm-up, then the renewal, of this session.
    void schedule_renewal() {
        if (!opts.proactive_renewal || stopped) return;
        if (renew_timer) renew_timer->cancel();
        const auto exp = current ? current->expires_at() : std::nullopt;
        if (!exp) return;
        const auto renew_in = std::chrono::duration_cast<std::chrono::milliseconds>(
            *exp - std::chrono::seconds(opts.renew_margin) - sys_clock::now());
        const auto lead = warm_up_lead();
        const bool warm = lead.count() > 0 && renew_in > lead;
        arm_renewal(warm ? renew_in - lead : renew_in, warm ? timer_stage::warm_up : timer_stage::renew,
                    token_key(*current));
    }

    void on_renewal_timer(timer_stage st, std::size_t key) {
        if (!current || token_key(*current) != key) return;  // replaced meanwhile: its own schedule applies
        if (st == timer_stage::warm_up) {
            log(log_level::debug, "warming up the connections of the renewal");
            const auto g = std::holds_alternative<totp_recipe>(recipe) ? generation::two : generation::one;
            cl.async_warm_up(g, [](error_code) {});  // a failure costs the renewal its own handshakes, no more
            arm_renewal(warm_up_lead(), timer_stage::renew, key);
            return;
        }
        if (in_flight) return;  // a login runs already; its end schedules the next renewal
        start_login("scheduled renewal", key);
    }

    // A renewal failed: once more after the client's backoff while the session stays usable.
    void retry_renewal() {
        if (!opts.proactive_renewal || stopped || !current || !usable(*current, sys_clock::now())) return;
        ++renewal_failures;
        const auto wait = backoff_delay(cl.params().retry, renewal_failures, 0.5, false);
        log(log_level::warning,
            "scheduled renewal failed: again in " + std::to_string(wait.count()) + " ms (the session stays in use)");
        arm_renewal(wait, timer_stage::renew, token_key(*current));
    }

    // The next flow completes the second factor of a pending view session instead of logging in.
    bool resumes_pending() const {
        const auto* r = std::get_if<password_recipe>(&recipe);
        return r && r->otp && pending_view && usable(*pending_view, sys_clock::now());
    }

    // Tells sessions apart without keeping another copy of a token.
    static std::size_t token_key(const session& s) noexcept { return std::hash<std::string_view>{}(s.token); }

    // One step's diagnostics added to the login's: its attempts (numbered on from the earlier
    // steps'), and its words, which are the login's last.
    static void merge(diagnostics& total, diagnostics&& step) {
        auto earlier = std::move(total.history);
        const int n = total.attempts;
        const auto offset = total.clock_offset;
        const auto queued = total.queued;
        total = std::move(step);
        for (auto& a : total.history) a.number += n;
        earlier.insert(earlier.end(), std::make_move_iterator(total.history.begin()),
                       std::make_move_iterator(total.history.end()));
        total.history = std::move(earlier);
        total.attempts += n;
        total.queued += queued;
        if (!total.clock_offset) total.clock_offset = offset;
    }

    asio::awaitable<outcome> flow(diagnostics& d) {
        diagnostics sd;  // each step's, added to the login's (d)
        if (const auto* t = std::get_if<totp_recipe>(&recipe)) {
            totp_login_request req;
            req.mobilenumber = t->mobilenumber;
            req.ucc = t->ucc;
            req.totp = t->totp_source ? t->totp_source() : codes->code(clock_offset);
            auto [ec, view] = co_await cl.async_totp_login(req, sd, nothrow);
            merge(d, std::move(sd));
            session_wiper wipe_view{view};  // the internal view session leaves no copy
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
                        std::tie(ec, view) = co_await cl.async_totp_login(req, sd, nothrow);
                        merge(d, std::move(sd));
                    }
                }
            }
            if (ec) co_return outcome{ec, {}};
            auto [ec2, trade] = co_await cl.async_totp_validate(view, t->mpin, sd, nothrow);
            merge(d, std::move(sd));
            co_return outcome{ec2, std::move(trade)};
        }
        const auto& r = std::get<password_recipe>(recipe);
        // A view session whose OTP was sent earlier (async_generate_otp): its second factor now.
        const bool resume = resumes_pending();
        session view;
        session_wiper wipe_view{view};
        if (resume) {
            view = *pending_view;
        } else {
            auto [ec, v] = co_await cl.async_login(r.login, sd, nothrow);
            merge(d, std::move(sd));
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
                auto [gec] = co_await cl.async_generate_otp(view, sd, nothrow);
                merge(d, std::move(sd));
                if (gec) co_return outcome{gec, {}};
            }
            auto [oec, otp] = co_await asio::async_initiate<decltype(nothrow), void(error_code, secret)>(
                [src = r.otp](auto h) { src(otp_handler(std::move(h))); }, nothrow);
            if (oec) co_return outcome{oec, {}};
            f.otp = std::move(otp);
        } else {
            co_return outcome{{}, std::move(view)};  // a view-only recipe
        }
        auto [ec2, trade] = co_await cl.async_session_2fa(view, std::move(f), sd, nothrow);
        merge(d, std::move(sd));
        if (!ec2) drop_pending();  // used; a wrong code leaves it for another try
        co_return outcome{ec2, std::move(trade)};
    }

    // Login and OTP generation, the view session kept for a later second factor.
    asio::awaitable<outcome> otp_flow(diagnostics& d) {
        diagnostics sd;
        const auto* r = std::get_if<password_recipe>(&recipe);
        if (!r || !r->otp) co_return outcome{errc::no_second_factor, {}};
        auto [ec, view] = co_await cl.async_login(r->login, sd, nothrow);
        merge(d, std::move(sd));
        if (ec) co_return outcome{ec, {}};
        auto [gec] = co_await cl.async_generate_otp(view, sd, nothrow);
        merge(d, std::move(sd));
        if (gec) co_return outcome{gec, {}};
        drop_pending();
        pending_view = view;
        log(log_level::info, "OTP sent; the view session waits for it");
        co_return outcome{{}, std::move(view)};
    }

    void start_login(const char* why, std::optional<std::size_t> replacing = std::nullopt) {
        in_flight = true;
        auto d = std::make_shared<diagnostics>();
        asio::co_spawn(strand, under_lock(flow(*d), false, replacing, why),
                       [self = shared_from_this(), d](std::exception_ptr e, outcome o) {
            if (e) o = outcome{errc::internal_error, {}};
            if (o.ec && d->history.empty() && d->detail.empty())
                d->detail = o.ec == errc::deadline_exceeded
                                ? "waited for another process's login (the session file's lock) until the deadline"
                                : "no login was sent";
            {
                std::lock_guard lock(self->diag_mu);
                self->last_diag = *d;
            }
            self->finish(std::move(o), std::move(d));
        });
    }

    void finish(outcome o, std::shared_ptr<diagnostics> d) {
        in_flight = false;
        std::list<waiter> ws;
        ws.swap(waiters);
        for (auto& w : ws)
            if (w.diag) *w.diag = *d;  // the login each of them waited for
        if (o.ec) {
            log(log_level::warning, "login failed: " + o.ec.message() + " (" + std::to_string(ws.size()) + " waiting)");
            for (auto& w : ws) complete(std::move(w.h), o.ec, {});
            emit(session_event{session_event::kind::login_failed, {}, o.ec, std::move(d)});
            retry_renewal();
            return;
        }
        std::string line = "session ready";
        if (auto exp = o.s.expires_at())
            line += ", expires in " +
                    std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*exp - sys_clock::now()).count()) +
                    " s";
        log(log_level::info, line + " (" + std::to_string(ws.size()) + " waiting)");
        drop_current();
        current = std::move(o.s);
        publish();
        renewal_failures = 0;
        schedule_renewal();
        for (auto& w : ws) complete(std::move(w.h), {}, *current);
        emit(session_event{session_event::kind::new_session, snapshot(), {}, std::move(d)});
    }

    void request(std::uint64_t id, login_handler h, diagnostics* diag) {
        load_once();
        const auto now = sys_clock::now();
        if (current && usable(*current, now)) {
            if (!fresh(*current, now) && !in_flight) start_login("renewing before expiry", token_key(*current));
            if (diag) diag->clear();  // no login was waited for
            complete(std::move(h), {}, *current);
            return;
        }
        waiters.push_back(waiter{id, std::move(h), diag});
        if (!in_flight) start_login(current ? "the session has expired" : "no session");
    }

    // Forgets the session with this key if it is still the current one (and removes the file if
    // it still holds it): any number of reports of one rejected session cause one new login.
    void invalidate_if_current(std::size_t key) {
        load_once();
        revoked = key;
        if (!current || token_key(*current) != key) {
            log(log_level::debug, "a rejected session reported that is no longer the current one: nothing to do");
            return;
        }
        drop_current();
        if (auto saved = read_file(); saved && token_key(saved->s) == key) forget_file();
        log(log_level::info, "session invalidated (rejected by the gateway)");
        emit(session_event{session_event::kind::invalidated, {}, {}, {}});
    }

    void cancel_waiter(std::uint64_t id) {
        for (auto it = waiters.begin(); it != waiters.end(); ++it) {
            if (it->id == id) {
                login_handler h(std::move(it->h));
                if (it->diag) {
                    it->diag->clear();
                    it->diag->detail = "cancelled while waiting for the login (which goes on for the others)";
                }
                waiters.erase(it);
                complete(std::move(h), asio::error::operation_aborted, {});
                return;
            }
        }
    }
};

void start_otp_generation(const std::shared_ptr<manager_impl>& impl, login_handler h, diagnostics* diag) {
    asio::post(impl->strand, [impl, diag, h = std::move(h)]() mutable {
        impl->load_once();
        auto d = std::make_shared<diagnostics>();
        asio::co_spawn(impl->strand, impl->under_lock(impl->otp_flow(*d), true, std::nullopt, "OTP generation"),
                       [impl, d, diag, h = std::move(h)](std::exception_ptr e, manager_impl::outcome o) mutable {
                           if (e) o = manager_impl::outcome{errc::internal_error, {}};
                           if (diag) *diag = *d;
                           {
                               std::lock_guard lock(impl->diag_mu);
                               impl->last_diag = std::move(*d);
                           }
                           impl->complete(std::move(h), o.ec, std::move(o.s));
                       });
    });
}

asio::any_io_executor executor_of(const std::shared_ptr<manager_impl>& impl) noexcept {
    return impl->cl.get_executor();
}

std::size_t session_key(const session& s) noexcept {
    return manager_impl::token_key(s);
}

void start_invalidation(const std::shared_ptr<manager_impl>& impl, std::size_t rejected, ack_handler h) {
    asio::post(impl->strand, [impl, rejected, h = std::move(h)]() mutable {
        impl->invalidate_if_current(rejected);
        common::deliver(std::move(h), impl->cl.get_executor(), error_code{});
    });
}

void start_session_wait(const std::shared_ptr<manager_impl>& impl, login_handler h, diagnostics* diag) {
    const auto id = impl->next_id++;
    if (auto slot = asio::get_associated_cancellation_slot(h); slot.is_connected()) {
        slot.assign([w = std::weak_ptr<manager_impl>(impl), id](asio::cancellation_type t) {
            if (t == asio::cancellation_type::none) return;
            if (auto self = w.lock()) asio::post(self->strand, [self, id] { self->cancel_waiter(id); });
        });
    }
    asio::post(impl->strand, [impl, id, diag, h = std::move(h)]() mutable { impl->request(id, std::move(h), diag); });
}

}  // namespace neo::detail

namespace neo {

session_manager::session_manager(client c, password_recipe r, session_manager_options o)
    : impl_(std::make_shared<detail::manager_impl>(std::move(c), std::move(r), std::move(o))) {}

session_manager::session_manager(client c, totp_recipe r, session_manager_options o)
    : impl_(std::make_shared<detail::manager_impl>(std::move(c), std::move(r), std::move(o))) {}

namespace {

// Nothing more is scheduled; the renewal timer is cancelled on the strand (a login still running
// keeps the state alive until it ends, and schedules nothing).
void stop(const std::shared_ptr<detail::manager_impl>& impl) noexcept {
    if (!impl) return;  // moved from
    impl->stopped = true;
    try {
        boost::asio::post(impl->strand, [w = std::weak_ptr<detail::manager_impl>(impl)] {
            if (auto self = w.lock(); self && self->renew_timer) self->renew_timer->cancel();
        });
    } catch (...) {
        // Out of memory: the timer ends with the state, when the last operation holding it ends.
    }
}

}  // namespace

session_manager& session_manager::operator=(session_manager&& other) noexcept {
    if (this != &other) {
        stop(impl_);
        impl_ = std::move(other.impl_);
    }
    return *this;
}

session_manager::~session_manager() {
    stop(impl_);
}

session_manager::executor_type session_manager::get_executor() const noexcept {
    return impl_->cl.get_executor();
}

void session_manager::invalidate() {
    boost::asio::post(impl_->strand, [self = impl_] {
        const bool had = self->current.has_value();
        if (self->current) self->revoked = detail::manager_impl::token_key(*self->current);
        self->drop_current();
        self->drop_pending();
        self->forget_file();
        self->log(log_level::info, "session invalidated");
        if (had) self->emit(session_event{session_event::kind::invalidated, {}, {}, {}});
    });
}

std::shared_ptr<const session> session_manager::current() const {
    auto s = impl_->snapshot();
    if (s && !impl_->usable(*s, std::chrono::system_clock::now())) return nullptr;
    return s;
}

subscription session_manager::subscribe(std::function<void(const session_event&)> f) {
    auto sub = std::make_shared<detail::manager_impl::subscriber>(std::move(f), impl_->cl.get_executor());
    {
        std::lock_guard lock(impl_->subs_mu);
        impl_->subs.push_back(sub);
    }
    return subscription([w = std::weak_ptr<detail::manager_impl>(impl_), sub] {
        {
            std::lock_guard lock(sub->mu);  // waits for a call running on another thread
            sub->active = false;
        }
        if (auto self = w.lock()) {
            std::lock_guard lock(self->subs_mu);
            std::erase(self->subs, sub);
        }
    });
}

const char* to_string(session_event::kind k) noexcept {
    switch (k) {
        case session_event::kind::new_session:
            return "new_session";
        case session_event::kind::invalidated:
            return "invalidated";
        case session_event::kind::login_failed:
            return "login_failed";
    }
    return "?";
}

void session_manager::invalidate(const session& rejected) {
    boost::asio::post(impl_->strand, [self = impl_, key = detail::manager_impl::token_key(rejected)] {
        self->invalidate_if_current(key);
    });
}

api_headers session_manager::headers_for(const session& s) const {
    const auto& p = impl_->cl.params();
    api_headers h;
    if (std::holds_alternative<totp_recipe>(impl_->recipe)) {
        h.base_url = s.base_url;
        while (!h.base_url.empty() && h.base_url.back() == '/') h.base_url.pop_back();
        h.fields = {{"Authorization", p.consumer_key}, {"Sid", s.sid}, {"Auth", s.token}};
        return h;
    }
    h.base_url = detail::origin_of(p.gateway.login);
    auto bearer = p.access_token.empty()
                      ? detail::client_access::of(impl_->cl).app_token.get(std::chrono::steady_clock::now())
                      : p.access_token;
    h.fields = {{"Authorization", "Bearer " + std::string(bearer.reveal())},
                {"Sid", s.sid},
                {"Auth", s.token},
                {"neo-fin-key", p.neo_fin_key}};
    return h;
}

diagnostics session_manager::last_diagnostics() const {
    std::lock_guard lock(impl_->diag_mu);
    return impl_->last_diag;
}

std::size_t session_manager::logins_started() const noexcept {
    return impl_->logins.load();
}

}  // namespace neo
