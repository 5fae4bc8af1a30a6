// Tokens in freed memory: while a login and its second factor run, every block the client's
// thread frees is kept, then searched for the tokens. A block freed with a token inside is a copy
// left for whoever gets that memory next. Both ways memory goes back are watched: operator delete
// (ours, Beast's, Boost.JSON's) and the malloc family's free and realloc (OpenSSL's record
// buffers, C code). The mock runs on its own thread, whose frees (it makes and parses the tokens
// too) are not counted. The tokens the caller holds (in its neo::session) are the caller's; they
// are freed after the watch ends.
#include "fixture.hpp"

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <fstream>
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

// A block realloc may move: its bytes before the call (kept only if it moved, which frees it).
constexpr std::size_t snapshot_size = 1u << 20;
char snapshot[snapshot_size];

void* allocate(std::size_t n) {
    if (auto& c = neo_test::allocations(); c.on.load(std::memory_order_relaxed)) ++c.n;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}

}  // namespace

// free and realloc, replaced for the whole test program (glibc's own underneath) so that what C
// libraries free is watched too. Not under a sanitizer, which owns the malloc family itself.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NEO_TEST_MALLOC_HOOK 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define NEO_TEST_MALLOC_HOOK 0
#endif
#endif
#ifndef NEO_TEST_MALLOC_HOOK
#define NEO_TEST_MALLOC_HOOK 1
extern "C" {
void __libc_free(void* p);
void* __libc_realloc(void* p, std::size_t n);
void free(void* p) {
    inspect(p);
    __libc_free(p);
}
void* realloc(void* p, std::size_t n) {
    const bool watch = p && armed.load(std::memory_order_relaxed) && std::this_thread::get_id() == watched.load();
    const std::size_t old = watch ? ::malloc_usable_size(p) : 0;
    if (watch && old <= snapshot_size) std::memcpy(snapshot, p, old);
    void* q = __libc_realloc(p, n);
    if (watch && q != p && old <= snapshot_size && graveyard_used + old + 1 <= graveyard_size) {
        std::memcpy(graveyard + graveyard_used, snapshot, old);
        graveyard_used += old;
        graveyard[graveyard_used++] = '\0';
    }
    return q;
}
}
#endif

neo_test::allocation_count& neo_test::allocations() {
    static allocation_count c;
    return c;
}

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
// With the malloc hook, free() itself inspects the block: operator delete only frees.
#if NEO_TEST_MALLOC_HOOK
#define NEO_TEST_INSPECT(p)
#else
#define NEO_TEST_INSPECT(p) inspect(p)
#endif
void operator delete(void* p) noexcept {
    NEO_TEST_INSPECT(p);
    std::free(p);
}
void operator delete[](void* p) noexcept {
    NEO_TEST_INSPECT(p);
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    NEO_TEST_INSPECT(p);
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    NEO_TEST_INSPECT(p);
    std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
    NEO_TEST_INSPECT(p);
    std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
    NEO_TEST_INSPECT(p);
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

// The session manager in both generations with a session file: the app token (generation 1),
// every view and trade token the mock issued, the sid and the file's bytes are searched for.
BOOST_AUTO_TEST_CASE(the_session_manager_leaves_no_copy_in_either_generation) {
    for (int generation : {1, 2}) {
        graveyard = static_cast<char*>(std::malloc(graveyard_size));
        graveyard_used = 0;
        BOOST_REQUIRE(graveyard);
        char tmpl[] = "/tmp/neo-freed-XXXXXX";
        const std::string dir = ::mkdtemp(tmpl);
        const std::string file = dir + "/session.json";
        neo::mock::gateway mock;  // its own thread
        asio::io_context io;
        std::string file_bytes;
        neo::session trade;
        boost::system::error_code ec;
        {
            neo::mock::fixture fx;
            auto m = generation == 2
                         ? neo::session_manager{neo::client{io, mock.client_params()},
                                                neo::totp_recipe{.mobilenumber = "9999999908", .ucc = "TESTYA24",
                                                                 .totp_seed = fx.totp_secret, .mpin = "123456"},
                                                {.session_file = file}}
                         : neo::session_manager{neo::client{io, mock.client_params()},
                                                neo::password_recipe{.login = good_request(), .mpin = "123456", .otp = {}},
                                                {.session_file = file}};
            watched = std::this_thread::get_id();
            armed = true;
            m.async_session([&](boost::system::error_code e, neo::session s) {
                ec = e;
                trade = std::move(s);
                // A second manager on the same file: it reads, parses and drops what it read.
                auto again = std::make_shared<neo::session_manager>(
                    neo::client{io, mock.client_params()},
                    neo::totp_recipe{.mobilenumber = "9999999908", .ucc = "TESTYA24", .totp_seed = fx.totp_secret,
                                     .mpin = "123456"},
                    neo::session_manager_options{.session_file = file});
                if (generation == 1) {
                    armed = false;
                    return;
                }
                again->async_session([&, again](boost::system::error_code, neo::session) { armed = false; });
            });
            io.run_for(20s);
            armed = false;
            std::ifstream in(file);
            file_bytes.assign(std::istreambuf_iterator<char>(in), {});
        }
        BOOST_TEST_CONTEXT("generation " << generation) {
            BOOST_TEST(!ec, ec.message());
            BOOST_TEST(!graveyard_full);
            BOOST_TEST(graveyard_used > 0u);
            if (!NEO_TEST_MALLOC_HOOK) BOOST_TEST_MESSAGE("under a sanitizer: only operator delete is watched here");
            const auto tokens = mock.issued_tokens();  // app (generation 1), view and trade tokens
            BOOST_TEST(tokens.size() >= 2u);
            for (const auto& t : tokens) BOOST_TEST(copies_of(t) == 0, copies_of(t) << " freed copies of " << t.substr(0, 12));
            BOOST_TEST(copies_of(trade.sid) == 0, "the sid");
            BOOST_TEST(!file_bytes.empty());
            BOOST_TEST(copies_of(file_bytes) == 0, "the file's bytes");
        }
        std::memset(graveyard, 0, graveyard_used);
        std::free(graveyard);
        graveyard = nullptr;
        mock.stop();
        std::system(("rm -rf " + dir).c_str());
    }
}

BOOST_AUTO_TEST_SUITE_END()
