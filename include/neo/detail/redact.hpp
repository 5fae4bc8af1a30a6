// neo/detail/redact.hpp: keeps secrets out of messages. Not part of the API.
#pragma once

#include <neo/secret.hpp>

#include <string>
#include <vector>

namespace neo::detail {

/// Replaces every occurrence of each non-empty secret in `text` with "***".
void redact(std::string& text, const std::vector<secret>& secrets);

}  // namespace neo::detail
