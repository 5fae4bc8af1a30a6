// The TLS sessions a client may resume (see session_cache.hpp).
#include "session_cache.hpp"

namespace neo::detail {

namespace {
void free_all(std::vector<SSL_SESSION*>& v) {
    for (auto* s : v) SSL_SESSION_free(s);
    v.clear();
}
}  // namespace

session_cache::~session_cache() {
    for (auto& [key, v] : sessions_) free_all(v);
}

SSL_SESSION* session_cache::take(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(key);
    if (it == sessions_.end() || it->second.empty()) return nullptr;
    SSL_SESSION* s = it->second.back();
    it->second.pop_back();
    return s;
}

void session_cache::keep(const std::string& key, SSL_SESSION* s) {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(key);
    if (!s) {
        if (it != sessions_.end()) {
            free_all(it->second);
            sessions_.erase(it);
        }
        return;
    }
    if (it == sessions_.end()) {
        if (sessions_.size() >= max_hosts) {
            free_all(sessions_.begin()->second);
            sessions_.erase(sessions_.begin());
        }
        it = sessions_.emplace(key, std::vector<SSL_SESSION*>()).first;
    }
    auto& v = it->second;
    if (v.size() >= tickets_per_host) {  // the oldest goes
        SSL_SESSION_free(v.front());
        v.erase(v.begin());
    }
    v.push_back(s);
}

}  // namespace neo::detail
