// What the mock gateway has seen: the newest requests (a bounded ring) with the status each got,
// per-route counts of every request, and the connection counters; one consistent snapshot of
// them as gateway_stats. Thread-safe.
#pragma once

#include "contract/answers.hpp"

#include <neo/mock/gateway.hpp>

#include <deque>
#include <functional>
#include <map>
#include <mutex>

namespace neo::mock {

class recorder {
public:
    recorder(std::size_t max_records, std::function<void(const recorded_request&)> on_request)
        : max_records_(std::max<std::size_t>(max_records, 1)), on_request_(std::move(on_request)) {}

    // Records a request as read; returns its sequence number, for set_status.
    std::size_t record(const contract::request_t& req, route r);
    // The status it was answered (then the on_request callback sees it), unless dropped meanwhile.
    void set_status(std::size_t seq, unsigned status);
    void accepted();
    void handshake(bool resumed);
    void clean_close();
    // Counts a request from when it is read until its answer is written (or the connection ends).
    class answering {
    public:
        explicit answering(recorder& r);
        answering(const answering&) = delete;
        answering& operator=(const answering&) = delete;
        ~answering();

    private:
        recorder& r_;
    };

    gateway_stats stats() const;
    std::vector<recorded_request> requests() const;
    std::size_t count(route r) const;
    // Forgets the records and the counters.
    void reset();

private:
    const std::size_t max_records_;
    const std::function<void(const recorded_request&)> on_request_;
    mutable std::mutex mu_;                 // guards what follows
    std::deque<recorded_request> records_;  // the newest max_records_
    std::size_t first_record_ = 0;          // the sequence number of records_.front()
    std::map<route, std::size_t> counts_;   // every request, recorded or dropped
    std::size_t accepted_ = 0, handshakes_ = 0, resumed_ = 0;
    std::size_t answering_ = 0, peak_answering_ = 0, clean_closes_ = 0;
};

}  // namespace neo::mock
