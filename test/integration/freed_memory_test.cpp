// Tokens in freed memory: while a login and its second factor run, every block the client's
// thread frees is kept, then searched for the view and trade tokens. A block freed with a token
// inside is a copy left for whoever gets that memory next. The mock runs on its own thread, whose
// frees (it makes and parses the tokens too) are not counted. The tokens the caller holds (in
// its neo::session) are the caller's; they are freed after the watch ends.
#include "fixture.hpp"

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>

namespace {

std::atomic<bool> armed{false};
std::atomic<std::thread::id> watched{};
// What the watched thread freed while armed, block after block (malloc'd once, outside new).
constexpr std::size_t graveyard_size = 256u << 20;
char* graveyard = nullptr;
std::size_t graveyard_used = 0;
bool graveyard_full = false;

void inspect(void* p) noexcept {
    if (!p || !armed.load(std::memory_order_relaxed) || std::this_thread::get_id() != watched.load()) return;
    const std::size_t n = ::malloc_usable_size(p);
    if (graveyard_used + n + 1 > graveyard_size) {
        graveyard_full = true;
        return;
    }
    std::memcpy(graveyard + graveyard_used, p, n);
    graveyard_used += n;
    graveyard[graveyard_used++] = '\0';  // no match across two blocks
}

int copies_of(const std::string& token) {
    int n = 0;
    for (const char* at = graveyard; graveyard && token.size();) {
        const auto left = static_cast<std::size_t>(graveyard + graveyard_used - at);
        at = static_cast<const char*>(::memmem(at, left, token.data(), token.size()));
        if (!at) break;
        ++n;
        at += token.size();
    }
    return n;
}

void* allocate(std::size_t n) {
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}

}  // namespace

// Replaced for the whole test program (malloc and free underneath, as the default ones).
void* operator new(std::size_t n) {
    return allocate(n);
}
void* operator new[](std::size_t n) {
    return allocate(n);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    return std::malloc(n ? n : 1);
}
void operator delete(void* p) noexcept {
    inspect(p);
    std::free(p);
}
void operator delete[](void* p) noexcept {
    inspect(p);
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    inspect(p);
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    inspect(p);
    std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
    inspect(p);
    std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
    inspect(p);
    std::free(p);
}

using namespace neo_test;

BOOST_AUTO_TEST_SUITE(freed_memory)

BOOST_AUTO_TEST_CASE(no_freed_block_holds_a_token) {
    graveyard = static_cast<char*>(std::malloc(graveyard_size));
    BOOST_REQUIRE(graveyard);
    neo::mock::gateway mock;  // its own thread
    asio::io_context io;
    neo::client c{io, mock.client_params()};
    neo::session view, trade;
    boost::system::error_code ec1, ec2;
    watched = std::this_thread::get_id();
    armed = true;
    c.async_login({.userid = "testuser", .password = "mock-password"},
                  [&](boost::system::error_code ec, neo::session s) {
                      ec1 = ec;
                      view = std::move(s);
                      c.async_session_2fa(view, neo::second_factor{.mpin = "123456", .userid = "testuser"},
                                          [&](boost::system::error_code ec, neo::session t) {
                                              ec2 = ec;
                                              trade = std::move(t);
                                              armed = false;
                                          });
                  });
    io.run_for(20s);
    armed = false;
    BOOST_TEST(!ec1, ec1.message());
    BOOST_TEST(!ec2, ec2.message());
    BOOST_TEST(!graveyard_full);
    BOOST_TEST(graveyard_used > 0u);  // the watch saw the client's frees
    BOOST_TEST(copies_of(view.token) == 0, copies_of(view.token) << " freed copies of the view token");
    BOOST_TEST(copies_of(trade.token) == 0, copies_of(trade.token) << " freed copies of the trade token");
    std::memset(graveyard, 0, graveyard_used);
    std::free(graveyard);
    graveyard = nullptr;
    mock.stop();
}

BOOST_AUTO_TEST_SUITE_END()
