// The mock contract of docs/protocol.md, for every endpoint of both generations: what the gateway
// answers a request, given the back end's state. A function of its inputs and the back end; no
// TLS, no sockets, no scripts (scripted answers are the server's business).
#pragma once

#include "answers.hpp"
#include "backend.hpp"

namespace neo::mock::contract {

response_t answer(const request_t& req, route r, backend& b);

}  // namespace neo::mock::contract
