// Resolved addresses kept for a while (see address_cache.hpp).
#include "address_cache.hpp"

#include <algorithm>

namespace neo::detail {

namespace {

std::string key_of(const std::string& host, const std::string& port) {
    std::string k;
    k.reserve(host.size() + 1 + port.size());
    for (char c : host) k += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;  // names are caseless
    k += ':';
    k += port;
    return k;
}

}  // namespace

address_cache::addresses address_cache::find(const std::string& host, const std::string& port, clock::time_point now) {
    if (ttl_.count() <= 0) return {};
    const auto k = key_of(host, port);
    std::lock_guard lock(mu_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        if (it->key != k) continue;
        if (now < it->until) return it->a;
        entries_.erase(it);
        break;
    }
    return {};
}

void address_cache::keep(const std::string& host, const std::string& port, addresses a, clock::time_point now) {
    if (ttl_.count() <= 0 || a.empty()) return;
    auto k = key_of(host, port);
    std::lock_guard lock(mu_);
    std::erase_if(entries_, [&](const entry& e) { return e.key == k || e.until <= now; });
    if (entries_.size() >= max_hosts)
        entries_.erase(std::min_element(entries_.begin(), entries_.end(),
                                        [](const entry& x, const entry& y) { return x.until < y.until; }));
    entries_.push_back(entry{std::move(k), std::move(a), now + ttl_});
}

void address_cache::drop(const std::string& host, const std::string& port) {
    const auto k = key_of(host, port);
    std::lock_guard lock(mu_);
    std::erase_if(entries_, [&](const entry& e) { return e.key == k; });
}

}  // namespace neo::detail
