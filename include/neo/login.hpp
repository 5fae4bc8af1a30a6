// neo/login.hpp: the whole public API of the login client.
#pragma once

#include <neo/api_call.hpp>
#include <neo/async_login.hpp>
#include <neo/client.hpp>
#include <neo/client_params.hpp>
#include <neo/diagnostics.hpp>
#include <neo/error.hpp>
#include <neo/gateway.hpp>
#include <neo/logger.hpp>
#include <neo/login_request.hpp>
#include <neo/retry_policy.hpp>
#include <neo/secret.hpp>
#include <neo/session.hpp>
#include <neo/session_manager.hpp>
#include <neo/totp.hpp>
