// neo/detail/redact.hpp: keeps secrets and terminal controls out of messages. Not part of the API.
#pragma once

#include <neo/detail/config.hpp>

#include <neo/logger.hpp>
#include <neo/secret.hpp>

#include <string>
#include <string_view>
#include <vector>

NEO_VISIBLE_BEGIN
namespace neo::detail {

/// Replaces every word of `text` that contains a non-empty secret with "***". A word is a run of
/// characters between whitespace or the punctuation `()[]{}<>,;:"'=`, so a short secret hides
/// the whole word it hides in ("Connection refused" with secret "us" gives "Connection ***"),
/// never a fragment that would garble the message or reveal its neighbours.
void redact(std::string& text, const std::vector<secret>& secrets);

/// neo::escape_text (neo/logger.hpp), in place.
using neo::escape_text;
void escape_in_place(std::string& text);

}  // namespace neo::detail
NEO_VISIBLE_END
