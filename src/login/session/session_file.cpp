// The session file's trust rules: see session_file.hpp.
#include "session_file.hpp"

#include <neo/secret.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace neo::detail {

namespace {

std::string directory_of(const std::string& path) {
    const auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

std::string system_error_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

// The directory must not let anyone but its owner (us or root) replace the file: no group or
// other write permission, unless the sticky bit (as on /tmp) keeps others' hands off our files.
std::string check_directory(const std::string& path) {
    struct stat st {};
    if (::stat(directory_of(path).c_str(), &st) != 0) return system_error_text("its directory");
    if (!S_ISDIR(st.st_mode)) return "its directory is not a directory";
    if (st.st_uid != ::geteuid() && st.st_uid != 0) return "its directory belongs to another user";
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
        return "its directory is writable by other users";
    return {};
}

struct fd_guard {
    int fd = -1;
    ~fd_guard() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

std::string read_trusted_file(const std::string& path, std::size_t max_size, std::string& text) {
    text.clear();
    fd_guard f{::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)};
    if (f.fd < 0) {
        if (errno == ENOENT) return "absent";
        if (errno == ELOOP) return "it is a symbolic link";
        return system_error_text("open");
    }
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) return system_error_text("fstat");
    if (!S_ISREG(st.st_mode)) return "it is not a regular file";
    if (st.st_uid != ::geteuid()) return "it belongs to another user";
    if (st.st_mode & (S_IRWXG | S_IRWXO)) return "its mode gives group or other users access (it must be 0600)";
    if (auto why = check_directory(path); !why.empty()) return why;
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

std::string write_file_atomically(const std::string& path, const std::string& text) {
    if (auto why = check_directory(path); !why.empty()) return why;
    std::string tmp = path + ".tmp.XXXXXX";
    fd_guard f{::mkostemp(tmp.data(), O_CLOEXEC)};  // unique, O_EXCL, mode 0600
    if (f.fd < 0) return system_error_text("create a temporary file");
    bool ok = ::fchmod(f.fd, 0600) == 0;
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
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        auto why = system_error_text("write");
        ::unlink(tmp.c_str());
        return why;
    }
    // The rename is durable only once the directory is.
    fd_guard d{::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (d.fd < 0 || ::fsync(d.fd) != 0) return system_error_text("fsync the directory");
    return {};
}

}  // namespace neo::detail
