// What each step of both generations sends and needs: its arguments, the checks made before
// anything is sent, the app token (the caller's, the cached one, or the OAuth2 step's), the
// headers and body of each step, and the session it yields.
#pragma once

#include <neo/client.hpp>  // declares step_args (hidden) before it is defined here

#include "op_state.hpp"

#include <neo/login_request.hpp>
#include <neo/session.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <memory>
#include <string>
#include <variant>

namespace neo::detail {

// The pair of a session that a following step sends back (sid, Auth), and the user it is for.
struct session_ref {
    std::string token;
    std::string sid;
    std::string user_id;  // the token's sub

    explicit session_ref(const session& s)
        : token(s.token), sid(s.sid), user_id(s.claims ? s.claims->sub : std::string()) {}
    session_ref(const session_ref&) = default;
    ~session_ref() { wipe(token); }
};

struct step_args {
    struct generate_otp {
        session_ref view;
    };
    struct two_factor {
        session_ref view;
        second_factor factor;
    };
    struct logout {
        session_ref trade;
    };
    struct totp_validate {
        session_ref view;
        secret mpin;
    };
    struct warm_up {
        generation g;
    };
    std::variant<login_request, generate_otp, two_factor, logout, totp_login_request, totp_validate, warm_up> op;
};

// What an operation yields: success with a session (the steps that make one), or an error.
struct outcome {
    boost::system::error_code ec;
    session s;
};

// What can be checked before anything is sent: the step's input, then the client's credentials
// and endpoint for it. Sets diag.detail where there is more to say than the code.
boost::system::error_code check(const client_params& p, diagnostics& diag, const step_args& args);

// The operation's name for the on_operation hook ("login", "totp_validate", "warm_up", ...).
const char* operation_name(const step_args& args) noexcept;
// Whose operation, for log records: the UCC, or an identity masked to its last four characters
// ("mobile ******9908"); empty when the operation names nobody (a warm-up).
std::string account_of(const step_args& args);
// "LABEL ******9908": all but the last four characters hidden (all of them when four or fewer),
// escaped; empty for an empty value.
std::string masked(const char* label, std::string_view value);

// The step (after the checks), with its retries.
boost::asio::awaitable<outcome> run_steps(op_state& st, const step_args& args);

}  // namespace neo::detail
