// neo/detail/redact.hpp: keeps secrets out of messages. Not part of the API.
#pragma once

#include <neo/detail/config.hpp>

#include <neo/secret.hpp>

#include <string>
#include <vector>

NEO_VISIBLE_BEGIN
namespace neo::detail {

/// Replaces every occurrence of each non-empty secret in `text` with "***".
void redact(std::string& text, const std::vector<secret>& secrets);

}  // namespace neo::detail
NEO_VISIBLE_END
