// The session file on disk, trusted by descriptor: its directory is opened once and checked with
// fstat, and the file is opened, created, renamed and removed relative to that descriptor, so a
// directory swapped between a check and a use is never trusted. Private.
#pragma once

#include <neo/detail/config.hpp>

#include <string>

namespace neo::detail {

/// Owns a file descriptor: closed when it goes (for a lock file, that releases its flock).
struct NEO_HIDDEN unique_fd {
    int fd = -1;
    unique_fd() = default;
    explicit unique_fd(int f) noexcept : fd(f) {}
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    ~unique_fd();
};

/// The directory of a session file, opened with O_DIRECTORY|O_NOFOLLOW and trusted when it is
/// owned by the effective user (or root) and no other user can change it (no group or other
/// write permission, unless the sticky bit keeps others' hands off our files, as on /tmp).
/// The components above it are the user's choice.
class NEO_HIDDEN session_directory {
public:
    /// Opens and checks the directory of `path`; `why()` says what is wrong when it is not trusted.
    explicit session_directory(const std::string& path);
    ~session_directory();
    session_directory(const session_directory&) = delete;
    session_directory& operator=(const session_directory&) = delete;

    /// Empty when the directory is trusted, else why not (for a warning).
    const std::string& why() const noexcept { return why_; }

    /// Reads the file into `text` when it is a regular file (not a symbolic link, a FIFO, a device
    /// or a directory) with exactly one link, owned by the effective user, without any group or
    /// other permission bit, and at most `max_size` bytes. Never blocks (O_NONBLOCK|O_NOFOLLOW,
    /// checked with fstat before a byte is read). Returns an empty string when `text` holds the
    /// file, "absent" (exactly) when there is none, else why it is not trusted (no byte of it).
    std::string read(std::size_t max_size, std::string& text) const;

    /// Writes `text` to a new file with a random name (O_CREAT|O_EXCL, mode 0600) in the directory,
    /// fsyncs it, renames it over the file and fsyncs the directory: a reader sees the old file or
    /// the new one. Never replaces what is not a regular file of ours with one link (a FIFO, a
    /// device, a symbolic link, a directory, another user's file): returns why instead. Returns an
    /// empty string on success. `text` is not wiped here.
    std::string write(const std::string& text) const;

    /// Removes the file when it is a regular file of ours; anything else is left alone (returns why).
    std::string remove() const;

    /// Opens (creating it, mode 0600) the lock file `<file>.lock` beside the file, trusted by the
    /// same rules as the file. Returns the descriptor, or -1 with `why` set.
    int open_lock(std::string& why) const;

private:
    std::string existing_is_ours() const;
    int fd_ = -1;
    std::string name_;
    std::string why_;
};

}  // namespace neo::detail
