// The session file on disk: read only when it can be trusted, written atomically. Private.
#pragma once

#include <neo/detail/config.hpp>

#include <string>

namespace neo::detail {

/// Reads the file at `path` into `text` when it is a regular file (not a symbolic link, a FIFO,
/// a device or a directory), owned by the effective user, without any group or other permission
/// bit, in a directory that only its owner (or root) can change, and at most `max_size` bytes.
/// Never blocks: the file is opened with O_NONBLOCK|O_NOFOLLOW and checked with fstat before a
/// byte is read. Returns an empty string when `text` holds the file, "absent" (exactly) when
/// there is no file, else why the file is not trusted (for a warning; no byte of the file in it).
NEO_HIDDEN std::string read_trusted_file(const std::string& path, std::size_t max_size, std::string& text);

/// Writes `text` to a new file with a unique name beside `path` (mode 0600, O_EXCL), fsyncs it,
/// renames it over `path` and fsyncs the directory: a reader sees the old file or the new one,
/// two writers never tear it. Refuses a directory others may change. Returns an empty string on
/// success, else what failed. `text` is not wiped here.
NEO_HIDDEN std::string write_file_atomically(const std::string& path, const std::string& text);

}  // namespace neo::detail
