// What each step of both generations sends and needs (see steps.hpp).
#include "steps.hpp"

#include "attempts.hpp"
#include "warm_up.hpp"
#include "../core/wipe_json.hpp"

#include <neo/detail/request.hpp>
#include <neo/error.hpp>

#include <boost/json/value.hpp>

namespace neo::detail {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// The app token: the caller's, the cached one, or a new one from the OAuth2 step.
asio::awaitable<std::pair<error_code, secret>> acquire_bearer(op_state& st) {
    const auto& p = st.params();
    secret bearer = p.access_token;
    if (bearer.empty()) bearer = st.impl->app_token.get(steady::now());
    if (bearer.empty()) {
        auto c = co_await run_step(st, step_kind::app_token, p.gateway.app_token, [&] {
            auto auth = basic_authorization(p.consumer_key, p.consumer_secret.reveal());
            auto r = make_request(p, p.gateway.app_token, auth, std::string(app_token_body()));
            wipe(auth);
            return r;
        });
        if (c.ec) co_return std::pair{c.ec, secret()};
        bearer = secret(std::string(c.result.at("access_token").get_string()));
        std::int64_t expires_in = 3600;
        if (const auto* e = c.result.if_contains("expires_in"); e && e->is_int64() && e->get_int64() > 0)
            expires_in = e->get_int64();
        wipe_json(c.result);  // the OAuth2 answer held the app token
        st.impl->app_token.put(bearer, expires_in, steady::now());
    }
    st.secrets.push_back(bearer);
    co_return std::pair{error_code{}, std::move(bearer)};
}

// One step after the checks: `Authorization` (Bearer for generation 1, the consumer key for
// generation 2), the extra headers of the step, its body; retried by run_step. Always a named
// variable: GCC 12 miscompiles a braced temporary with std::string members inside co_await.
struct step_spec {
    step_kind kind;
    const endpoint* ep;
    std::string body;                   // wiped once sent
    const session_ref* pair = nullptr;  // sid + Auth
    const char* sid_header = "sid";
    std::string_view content_type = "application/json";
};

asio::awaitable<classified> run_gen1(op_state& st, step_spec& spec) {
    const auto& p = st.params();
    // Not a structured binding: the lambda below captures `bearer` (Clang 14 cannot capture one).
    auto acquired = co_await acquire_bearer(st);
    if (acquired.first) co_return classified{acquired.first};
    const secret& bearer = acquired.second;
    auto c = co_await run_step(st, spec.kind, *spec.ep, [&] {
        std::string auth = "Bearer ";
        auth.append(bearer.reveal());
        auto r = make_request(p, *spec.ep, auth, spec.body, spec.content_type);
        wipe(auth);
        if (spec.pair) {
            r.set(spec.sid_header, spec.pair->sid);
            r.set("Auth", spec.pair->token);
        }
        return r;
    });
    wipe(spec.body);
    // A rejected bearer (the API gateway's 9009xx shapes, or a bare 401): forget the cached app
    // token so the next call fetches a new one. A 401 about the user or the session (10200,
    // 10401) keeps it: the SDK keeps one Bearer for every step, and an OTP belongs to the Bearer
    // and view session that asked for it.
    if (c.ec == errc::unauthorized && p.access_token.empty() &&
        (c.server_code.empty() || c.server_code.rfind("9009", 0) == 0))
        st.impl->app_token.forget();
    co_return c;
}

asio::awaitable<classified> run_gen2(op_state& st, step_spec& spec) {
    const auto& p = st.params();
    auto c = co_await run_step(st, spec.kind, *spec.ep, [&] {
        auto r = make_request(p, *spec.ep, p.consumer_key, spec.body);
        r.set("neo-fin-key", p.neo_fin_key);
        if (spec.pair) {
            r.set("sid", spec.pair->sid);
            r.set("Auth", spec.pair->token);
        }
        return r;
    });
    wipe(spec.body);
    co_return c;
}

outcome to_outcome(classified c, op_state& st, const char* what) {
    if (c.ec) return outcome{c.ec, {}};
    auto s = session_from_data(std::move(c.result));
    if (!s) return outcome{errc::missing_fields, {}};
    if (st.params().logger.enabled(log_level::info))
        st.log(log_level::info, what + (s->ucc.empty() ? std::string() : " for " + s->ucc));
    return outcome{{}, std::move(*s)};
}

}  // namespace

asio::awaitable<outcome> run_steps(op_state& st, const step_args& args) {
    const auto& p = st.params();
    const auto& gw = p.gateway;
    st.secrets = {p.consumer_secret, p.access_token};
    auto remember = [&](std::string_view s) {
        if (!s.empty() && s.size() <= secret::max_size) st.secrets.emplace_back(s);
    };
    remember(p.proxy.password.reveal());  // a proxy's answer reaches the detail: never its password
    // The base64 forms sent as Basic credentials are secrets too (a proxy or a server that echoes
    // its Authorization header would show them otherwise).
    auto remember_basic = [&](std::string_view user, std::string_view password) {
        if (user.empty() || password.empty()) return;
        std::string basic = basic_authorization(user, password);
        remember(std::string_view(basic).substr(6));  // after "Basic "
        wipe(basic);
    };
    remember_basic(p.proxy.user, p.proxy.password.reveal());
    remember_basic(p.consumer_key, p.consumer_secret.reveal());
    const auto& op = args.op;

    if (const auto* req = std::get_if<login_request>(&op)) {
        remember(req->password.reveal());
        remember(req->mpin.reveal());
        step_spec spec{step_kind::login, &gw.login, login_body(*req)};
        auto c = co_await run_gen1(st, spec);
        co_return to_outcome(std::move(c), st, "logged in");
    }
    if (const auto* a = std::get_if<step_args::generate_otp>(&op)) {
        remember(a->view.token);
        step_spec spec{step_kind::otp_generate, &gw.otp_generate, otp_generate_body(a->view.user_id)};
        auto c = co_await run_gen1(st, spec);
        if (!c.ec) st.log(log_level::info, "OTP sent");
        co_return outcome{c.ec, {}};
    }
    if (const auto* a = std::get_if<step_args::two_factor>(&op)) {
        remember(a->view.token);
        remember(a->factor.otp.reveal());
        remember(a->factor.mpin.reveal());
        step_spec spec{step_kind::second_factor, &gw.login, second_factor_body(a->factor, a->view.user_id), &a->view};
        auto c = co_await run_gen1(st, spec);
        co_return to_outcome(std::move(c), st, "second factor accepted");
    }
    if (const auto* a = std::get_if<step_args::logout>(&op)) {
        remember(a->trade.token);
        step_spec spec{step_kind::logout, &gw.logout, std::string(),
                       &a->trade,         "Sid",      "application/x-www-form-urlencoded"};
        auto c = co_await run_gen1(st, spec);
        if (!c.ec) st.log(log_level::info, "logged out");
        co_return outcome{c.ec, {}};
    }
    if (const auto* w = std::get_if<step_args::warm_up>(&op)) {
        const bool have_bearer = !p.access_token.empty() || !st.impl->app_token.get(steady::now()).empty();
        auto hosts = warm_up_hosts(p, w->g, have_bearer);
        outcome o;  // named, not braced around the co_await (GCC 12)
        o.ec = co_await warm_up(st, std::move(hosts));
        co_return o;
    }
    if (const auto* r = std::get_if<totp_login_request>(&op)) {
        remember(r->totp.reveal());
        step_spec spec{step_kind::totp_login, &gw.totp_login, totp_login_body(*r)};
        auto c = co_await run_gen2(st, spec);
        co_return to_outcome(std::move(c), st, "TOTP login accepted");
    }
    const auto& a = std::get<step_args::totp_validate>(op);
    remember(a.view.token);
    remember(a.mpin.reveal());
    step_spec spec{step_kind::totp_validate, &gw.totp_validate, totp_validate_body(a.mpin.reveal()), &a.view};
    auto c = co_await run_gen2(st, spec);
    co_return to_outcome(std::move(c), st, "MPIN validated");
}

const char* operation_name(const step_args& args) noexcept {
    switch (args.op.index()) {
        case 0:
            return "login";
        case 1:
            return "otp_generate";
        case 2:
            return "second_factor";
        case 3:
            return "logout";
        case 4:
            return "totp_login";
        case 5:
            return "totp_validate";
        default:
            return "warm_up";
    }
}

std::string masked(const char* what, std::string_view v) {
    if (v.empty()) return {};
    std::string out = what;
    out += ' ';
    const std::size_t shown = v.size() > 4 ? 4 : 0;  // four characters or none
    out.append(v.size() - shown, '*');
    out.append(v.substr(v.size() - shown));
    return escape_text(out);
}

namespace {

template <class Request>
std::string identity_of(const Request& r) {
    if (!r.mobilenumber.empty()) return masked("mobile", r.mobilenumber.view());
    if (!r.pan.empty()) return masked("pan", r.pan.view());
    return masked("userid", r.userid.view());
}

}  // namespace

std::string account_of(const step_args& args) {
    const auto& op = args.op;
    if (const auto* r = std::get_if<login_request>(&op)) return identity_of(*r);
    if (const auto* t = std::get_if<totp_login_request>(&op)) return escape_text(t->ucc.view());
    if (const auto* f = std::get_if<step_args::two_factor>(&op)) {
        if (auto id = identity_of(f->factor); !id.empty()) return id;
        return masked("user", f->view.user_id);
    }
    if (const auto* g = std::get_if<step_args::generate_otp>(&op)) return masked("user", g->view.user_id);
    if (const auto* l = std::get_if<step_args::logout>(&op)) return masked("user", l->trade.user_id);
    if (const auto* v = std::get_if<step_args::totp_validate>(&op)) return masked("user", v->view.user_id);
    return {};
}

error_code check(const client_params& p, diagnostics& diag, const step_args& args) {
    const auto& gw = p.gateway;
    auto can_send = [&](const endpoint& ep, credentials need) {
        std::string why;
        auto ec = validate(p, ep, need, &why);
        if (ec) diag.detail = why;
        return ec;
    };
    auto session_with_user = [](const session_ref& s) -> error_code {
        if (auto ec = validate_session(s.token, s.sid)) return ec;
        return s.user_id.empty() ? error_code(errc::invalid_session) : error_code();
    };
    const auto& op = args.op;
    error_code ec;
    if (const auto* req = std::get_if<login_request>(&op)) {
        if (!(ec = validate(*req))) ec = can_send(gw.login, credentials::oauth2);
    } else if (const auto* a = std::get_if<step_args::generate_otp>(&op)) {
        if (!(ec = session_with_user(a->view))) ec = can_send(gw.otp_generate, credentials::oauth2);
    } else if (const auto* f = std::get_if<step_args::two_factor>(&op)) {
        ec = validate_session(f->view.token, f->view.sid);
        if (!ec) ec = validate(f->factor);
        if (!ec && (!f->factor.otp.empty() || !f->factor.userid.empty())) ec = session_with_user(f->view);
        if (!ec) ec = can_send(gw.login, credentials::oauth2);
    } else if (const auto* l = std::get_if<step_args::logout>(&op)) {
        if (!(ec = validate_session(l->trade.token, l->trade.sid))) ec = can_send(gw.logout, credentials::oauth2);
    } else if (const auto* t = std::get_if<totp_login_request>(&op)) {
        if (!(ec = validate(*t))) ec = can_send(gw.totp_login, credentials::consumer_key);
    } else if (const auto* w = std::get_if<step_args::warm_up>(&op)) {
        if (!p.keep_alive || p.keep_alive_idle.count() <= 0) {
            diag.detail = "a warm-up keeps connections: keep_alive is off or keep_alive_idle is 0";
            return errc::invalid_params;
        }
        const auto need = w->g == generation::one ? credentials::oauth2 : credentials::consumer_key;
        for (const endpoint* ep : warm_up_hosts(p, w->g, false))
            if ((ec = can_send(*ep, need))) break;
    } else {
        const auto& v = std::get<step_args::totp_validate>(op);
        ec = validate_session(v.view.token, v.view.sid);
        if (!ec && !is_mpin(v.mpin.reveal())) ec = errc::invalid_mpin;
        if (!ec) ec = can_send(gw.totp_validate, credentials::consumer_key);
    }
    return ec;
}

}  // namespace neo::detail
