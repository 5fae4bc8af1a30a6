// One step, attempted until done (see attempts.hpp).
#include "attempts.hpp"

#include "../core/retry_decision.hpp"
#include "../net/http_exchange.hpp"

#include <neo/error.hpp>
#include <neo/retry_policy.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/string.hpp>

#include <cstdlib>

namespace neo::detail {

namespace asio = boost::asio;
using boost::system::error_code;
using std::chrono::milliseconds;

namespace {

// The gateway's clock from its Date header: the offset goes to diagnostics; the first one of
// the operation beyond 15 s is logged as a warning (a TOTP from our clock is then likely refused).
void note_clock(op_state& st, std::string_view date) {
    const auto when = parse_http_date(date);
    if (!when) return;
    const auto offset = std::chrono::duration_cast<std::chrono::seconds>(*when - std::chrono::system_clock::now());
    const bool first = !st.diag.clock_offset;
    st.diag.clock_offset = offset;
    if (first && (offset > std::chrono::seconds(15) || offset < std::chrono::seconds(-15)))
        st.log(log_level::warning, "the gateway's clock is " + std::to_string(std::abs(offset.count())) + " s " +
                                       (offset.count() > 0 ? "ahead of" : "behind") +
                                       " ours (its Date header): TOTP codes made from our clock may be refused");
}

std::string describe(const error_code& ec, unsigned status, const std::string& server_code) {
    std::string s;
    if (status) s = "HTTP " + std::to_string(status) + " ";
    s += ec ? ec.message() : std::string("ok");
    if (!server_code.empty()) s += " [server code " + server_code + "]";
    return s;
}

// The answer of one exchange as the step's result or typed error, its server text made safe.
classified classify(op_state& st, step_kind kind, http_result& hr) {
    classified c;
    if (hr.ec) {
        c.ec = hr.ec;
        c.detail = std::move(hr.detail);
    } else if (!hr.content_encoding.empty() && !boost::beast::iequals(hr.content_encoding, "identity") &&
               hr.status >= 200 && hr.status < 300) {
        // We never send Accept-Encoding: an encoded body is one we cannot trust to parse.
        c.ec = errc::malformed_response;
        c.detail = "unrequested Content-Encoding: " + hr.content_encoding;
    } else {
        c = classify_response(kind, hr.status, hr.content_type, hr.body);
    }
    wipe(hr.body);
    // Redacted whole, then cut (a cut first could leave a secret's first part).
    for (std::string* text : {&c.server_message, &c.server_code, &c.detail}) {
        redact(*text, st.secrets);
        if (text->size() > server_text_shown) text->resize(server_text_shown);
    }
    // The server's words reach logs, diagnostics and terminals: no control character survives.
    escape_in_place(c.server_message);
    escape_in_place(c.server_code);
    escape_in_place(c.detail);
    return c;
}

}  // namespace

attempt_record new_attempt(op_state& st, const char* step, const endpoint& ep, const http_result& hr,
                           steady::time_point started) {
    attempt_record rec;
    rec.number = ++st.diag.attempts;
    ++st.diag.step_attempts;
    rec.step = step;
    rec.result = hr.ec;
    rec.http_status = hr.status;
    rec.failed_phase = hr.failed;
    rec.tls_resumed = hr.tls_resumed;
    rec.resolved = hr.resolved;
    rec.connection_reused = hr.connection_reused;
    rec.host = ep.host;
    rec.port = ep.port;
    rec.path = ep.target.substr(0, ep.target.find('?'));  // never a query string
    rec.elapsed = std::chrono::duration_cast<milliseconds>(steady::now() - started);
    return rec;
}

void keep_attempt(op_state& st, attempt_record rec) {
    st.diag.history.push_back(std::move(rec));
    if (const auto& hook = st.params().on_attempt) hook(st.diag.history.back());
}

asio::awaitable<classified> run_step(op_state& st, step_kind kind, const endpoint& ep,
                                     std::function<request_t()> make) {
    const auto& pol = st.params().retry;
    const int max_attempts = std::max(1, pol.max_attempts);
    const std::function<double()> draw = [&st] { return st.impl->draw(); };
    auto ex = co_await asio::this_coro::executor;
    st.diag.step = to_string(kind);
    st.diag.step_attempts = 0;
    st.sent = false;  // a new step: partial and total cancellation apply again until it sends
    for (int attempt = 1;; ++attempt) {
        auto req = make();
        const auto t0 = steady::now();
        auto net = st.net();
        http_result hr = co_await exchange(net, ep, req);
        wipe_request(req);
        classified c = classify(st, kind, hr);

        attempt_record rec = new_attempt(st, to_string(kind), ep, hr, t0);
        rec.result = c.ec;
        rec.server_code = c.server_code;
        if (hr.status) st.diag.http_status = hr.status;
        st.diag.server_code = c.server_code;
        st.diag.server_message = c.server_message;
        st.diag.detail = c.detail;
        st.diag.failed_phase = hr.failed;
        if (!hr.date.empty()) note_clock(st, hr.date);
        if (!hr.retry_after.empty() && (hr.status == 429 || hr.status == 503)) {
            rec.retry_after = parse_retry_after(hr.retry_after, std::chrono::system_clock::now());
            if (rec.retry_after) st.diag.retry_after = rec.retry_after;
        }

        attempt_outcome outcome{c.ec, hr.status, hr.request_sent, hr.stale_connection, rec.retry_after};
        const auto d = decide(outcome, attempt, pol, st.time_left(), draw, st.impl->budget);
        // What the decision changes in the result and the diagnostics (the log says what was seen).
        const error_code seen = c.ec;
        if (d.why == reason::retry_after_too_long) {
            c.ec = d.ec;
            c.detail = "Retry-After of " + std::to_string(rec.retry_after->count()) + " s is longer than the time left";
            st.diag.detail = c.detail;
            rec.result = c.ec;
        } else if (d.why == reason::budget_exhausted) {
            st.diag.detail = c.detail.empty() ? "retry budget exhausted" : c.detail + "; retry budget exhausted";
        }
        // The log line, built only when someone reads it: a login with logging off allocates no log text.
        if (st.params().logger.enabled(log_level::info)) {
            std::string line = "attempt " + std::to_string(attempt) + "/" + std::to_string(max_attempts) + " " +
                               to_string(kind) + ": " + describe(seen, hr.status, c.server_code);
            if (d.why == reason::retry_after_too_long)
                line +=
                    "; Retry-After " + std::to_string(rec.retry_after->count()) + " s exceeds the time left, giving up";
            else if (d.why == reason::backoff)
                line += "; retrying in " + std::to_string(d.wait.count()) + " ms";
            else if (d.why != reason::succeeded && d.why != reason::cancelled)
                line += std::string("; ") + to_string(d.why);
            st.log(log_level::info, line);
        }
        if (d.what == verdict::retry) rec.wait = d.wait;
        rec.verdict = to_string(d.why);
        keep_attempt(st, std::move(rec));
        if (d.what != verdict::retry) co_return c;
        if (d.why == reason::stale_connection) continue;  // at once: the server is not failing

        const auto actual = st.params().on_backoff ? st.params().on_backoff(d.wait) : d.wait;
        asio::steady_timer timer(ex, actual);
        co_await timer.async_wait(nothrow);  // connected to the operation's cancellation state
        if (st.cancelled()) {
            c.ec = asio::error::operation_aborted;
            st.diag.failed_phase = phase::backoff;
            co_return c;
        }
    }
}

}  // namespace neo::detail
