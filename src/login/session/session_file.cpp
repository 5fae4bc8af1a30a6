// The session file's trust rules: see session_file.hpp.
#include "session_file.hpp"

#include <neo/secret.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

namespace neo::detail {

namespace {

std::string system_error_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

// Why a file (already opened or stat'ed without following links) is not to be trusted.
std::string check_file(const struct stat& st) {
    if (S_ISLNK(st.st_mode)) return "it is a symbolic link";
    if (!S_ISREG(st.st_mode)) return "it is not a regular file";
    if (st.st_uid != ::geteuid()) return "it belongs to another user";
    if (st.st_nlink != 1) return "it has more than one link";
    if (st.st_mode & (S_IRWXG | S_IRWXO)) return "its mode gives group or other users access (it must be 0600)";
    return {};
}

std::string random_suffix() {
    std::random_device rd;
    static constexpr char hex[] = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < 4; ++i) {
        const auto v = rd();
        for (int k = 0; k < 4; ++k) s += hex[(v >> (4 * k)) & 0xf];
    }
    return s;
}

}  // namespace

unique_fd::~unique_fd() {
    if (fd >= 0) ::close(fd);
}

session_directory::session_directory(const std::string& path) {
    const auto slash = path.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    name_ = slash == std::string::npos ? path : path.substr(slash + 1);
    if (name_.empty() || name_ == "." || name_ == "..") {
        why_ = "it names a directory, not a file";
        return;
    }
    fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd_ < 0) {
        why_ = errno == ENOTDIR || errno == ELOOP ? "its directory is not a directory (or is a symbolic link)"
                                                  : system_error_text("its directory");
        return;
    }
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
        why_ = system_error_text("its directory");
    } else if (st.st_uid != ::geteuid() && st.st_uid != 0) {
        why_ = "its directory belongs to another user";
    } else if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
        why_ = "its directory is writable by other users";
    }
}

session_directory::~session_directory() {
    if (fd_ >= 0) ::close(fd_);
}

std::string session_directory::read(std::size_t max_size, std::string& text) const {
    text.clear();
    if (!why_.empty()) return why_;
    unique_fd f{::openat(fd_, name_.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)};
    if (f.fd < 0) {
        if (errno == ENOENT) return "absent";
        if (errno == ELOOP) return "it is a symbolic link";
        return system_error_text("open");
    }
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) return system_error_text("fstat");
    if (auto why = check_file(st); !why.empty()) return why;
    if (static_cast<std::size_t>(st.st_size) > max_size) return "larger than " + std::to_string(max_size) + " bytes";
    text.resize(max_size + 1);
    std::size_t got = 0;
    while (got < text.size()) {
        const auto n = ::read(f.fd, text.data() + got, text.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            wipe(text);
            text.clear();
            return system_error_text("read");
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    if (got > max_size) {  // it grew after the fstat
        wipe(text);
        text.clear();
        return "larger than " + std::to_string(max_size) + " bytes";
    }
    text.resize(got);
    return {};
}

// What sits at the file's name may be replaced or removed only when it is a file of ours.
std::string session_directory::existing_is_ours() const {
    struct stat st {};
    if (::fstatat(fd_, name_.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? std::string{} : system_error_text("fstatat");
    if (auto why = check_file(st); !why.empty()) return "what is at the path is not a session file of ours: " + why;
    return {};
}

std::string session_directory::write(const std::string& text) const {
    if (!why_.empty()) return why_;
    if (auto why = existing_is_ours(); !why.empty()) return why;
    std::string tmp;
    unique_fd f;
    for (int i = 0; i < 8 && f.fd < 0; ++i) {
        tmp = "." + name_ + ".tmp." + random_suffix();
        f.fd = ::openat(fd_, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (f.fd < 0 && errno != EEXIST) break;
    }
    if (f.fd < 0) return system_error_text("create a temporary file");
    bool ok = ::fchmod(f.fd, 0600) == 0;  // whatever the umask
    for (std::size_t off = 0; ok && off < text.size();) {
        const auto n = ::write(f.fd, text.data() + off, text.size() - off);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) off += static_cast<std::size_t>(n);
    }
    ok = ok && ::fsync(f.fd) == 0;
    const int fd = f.fd;
    f.fd = -1;
    ok = (::close(fd) == 0) && ok;
    // Checked again just before the rename: what appeared meanwhile is not replaced either.
    std::string why = ok ? existing_is_ours() : system_error_text("write");
    if (why.empty() && ::renameat(fd_, tmp.c_str(), fd_, name_.c_str()) != 0) why = system_error_text("rename");
    if (!why.empty()) {
        ::unlinkat(fd_, tmp.c_str(), 0);
        return why;
    }
    // The rename is durable only once the directory is.
    if (::fsync(fd_) != 0) return system_error_text("fsync the directory");
    return {};
}

std::string session_directory::remove() const {
    if (!why_.empty()) return why_;
    if (auto why = existing_is_ours(); !why.empty()) return why;
    if (::unlinkat(fd_, name_.c_str(), 0) != 0 && errno != ENOENT) return system_error_text("remove");
    return {};
}

int session_directory::open_lock(std::string& why) const {
    why = why_;
    if (!why.empty()) return -1;
    const std::string lock = name_ + ".lock";
    const int fd = ::openat(fd_, lock.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) {
        why = errno == ELOOP ? "the lock file is a symbolic link" : system_error_text("open the lock file");
        return -1;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        why = system_error_text("fstat the lock file");
    } else if (auto bad = check_file(st); !bad.empty()) {
        why = "the lock file: " + bad;
    }
    if (!why.empty()) {
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace neo::detail
