// What the mock gateway has seen (see recorder.hpp).
#include "recorder.hpp"

#include <boost/beast/core/string.hpp>

namespace neo::mock {

std::string recorded_request::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (boost::beast::iequals(k, name)) return v;
    return {};
}

std::size_t recorder::record(const contract::request_t& req, route r) {
    recorded_request rec;
    rec.route = r;
    rec.method = std::string(req.method_string());
    rec.target = std::string(req.target());
    for (const auto& f : req) rec.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    rec.body = req.body();
    std::lock_guard lock(mu_);
    ++counts_[r];
    records_.push_back(std::move(rec));
    while (records_.size() > max_records_) {
        records_.pop_front();
        ++first_record_;
    }
    return first_record_ + records_.size() - 1;
}

void recorder::set_status(std::size_t seq, unsigned status) {
    recorded_request copy;
    {
        std::lock_guard lock(mu_);
        if (seq < first_record_ || seq - first_record_ >= records_.size()) return;  // dropped or reset
        auto& rec = records_[seq - first_record_];
        rec.status = status;
        if (on_request_) copy = rec;
    }
    if (on_request_) on_request_(copy);
}

void recorder::accepted() {
    std::lock_guard lock(mu_);
    ++accepted_;
}

void recorder::handshake(bool resumed) {
    std::lock_guard lock(mu_);
    ++handshakes_;
    resumed_ += resumed;
}

void recorder::clean_close() {
    std::lock_guard lock(mu_);
    ++clean_closes_;
}

recorder::answering::answering(recorder& r) : r_(r) {
    std::lock_guard lock(r_.mu_);
    r_.peak_answering_ = std::max(r_.peak_answering_, ++r_.answering_);
}

recorder::answering::~answering() {
    std::lock_guard lock(r_.mu_);
    --r_.answering_;
}

gateway_stats recorder::stats() const {
    gateway_stats s;
    std::lock_guard lock(mu_);
    for (const auto& [r, n] : counts_) {
        s.requests += n;
        s.requests_by_route[r] = n;
    }
    s.connections = accepted_;
    s.handshakes = handshakes_;
    s.resumed_handshakes = resumed_;
    s.clean_closes = clean_closes_;
    s.peak_concurrent_requests = peak_answering_;
    return s;
}

std::vector<recorded_request> recorder::requests() const {
    std::lock_guard lock(mu_);
    return {records_.begin(), records_.end()};
}

std::size_t recorder::count(route r) const {
    std::lock_guard lock(mu_);
    const auto it = counts_.find(r);
    return it == counts_.end() ? 0 : it->second;
}

void recorder::reset() {
    std::lock_guard lock(mu_);
    first_record_ += records_.size();  // answers still in flight find no record
    records_.clear();
    counts_.clear();
    accepted_ = handshakes_ = resumed_ = 0;
    peak_answering_ = clean_closes_ = 0;
}

}  // namespace neo::mock
