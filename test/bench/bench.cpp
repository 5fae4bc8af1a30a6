// neo_bench: one run, one local TLS server, and side by side: our login (fresh and resumed
// handshakes), the floor that OpenSSL itself sets (a bare blocking client doing the same exchange,
// with read-ahead, reading exactly the header and Content-Length, not waiting for the peer's close),
// libcurl when present, a concurrent run with the event loop's lateness, memory per login in
// flight, heap allocations per login, and each flow's round trips and connections through a
// delay relay (cold and warmed). See README "Performance".
#include "delay_relay.hpp"

#include <neo/login.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/parse.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#if defined(NEO_BENCH_HAVE_CURL)
#include <curl/curl.h>
#endif

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <new>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

// ---- heap allocations made through operator new (ours and Asio's/Beast's; not OpenSSL's, which
// uses malloc) --------------------------------------------------------------------------------
static std::atomic<std::uint64_t> g_allocs{0};
void* operator new(std::size_t n) {
    ++g_allocs;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    ++g_allocs;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
    ++g_allocs;
    if (void* p = std::aligned_alloc(static_cast<std::size_t>(a),
                                     (n + static_cast<std::size_t>(a) - 1) & ~(static_cast<std::size_t>(a) - 1)))
        return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}

namespace {

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;
using us = std::chrono::microseconds;

struct options {
    int n = 300;              // sequential logins per variant
    int concurrent_n = 2000;  // logins in the concurrent run
    int concurrency = 1000;   // in flight at once
    int max_in_flight = -1;   // the client's bound on connections; -1: its default
    bool json = false;
    std::string gateway, ca_file, mock_exe = NEO_MOCK_EXE;
    std::string only;  // one sequential row alone (for a profiler)
    int rounds = 10;   // the sequential rows take turns this many times
    int rtt_ms = 50;   // the delay relay's round-trip time; 0: no round-trip table
};

// ---- figures ----------------------------------------------------------------------------------
struct stats {
    double mean_us = 0, p50_us = 0, p99_us = 0, max_us = 0;
};
stats summarize(std::vector<double> v) {
    stats s;
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    s.mean_us = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    auto at = [&](double q) {
        return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
    };
    s.p50_us = at(0.50);
    s.p99_us = at(0.99);
    s.max_us = v.back();
    return s;
}

double cpu_seconds() {
    rusage r{};
    getrusage(RUSAGE_SELF, &r);
    return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
           static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

long rss_kib() {
    std::ifstream f("/proc/self/statm");
    long pages = 0, resident = 0;
    f >> pages >> resident;
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

struct sequential_result {
    std::string name;
    bool available = true;
    stats latency;
    double cpu_us_per_login = 0;
    double allocs_per_login = -1;
    int failures = 0;
    int resumed = -1;  // ours: logins whose handshake resumed a session (from diagnostics)
    int reused = -1;   // ours: logins over a connection kept open (no handshake at all)
};

// One row of the sequential table: a client set up and warmed once, then `once()` per login (true
// on success). The rows are measured in interleaved rounds, so that a drift of the machine
// (a shared VM) reaches every row alike.
struct row {
    sequential_result r;
    std::function<bool()> once;
    std::function<void(sequential_result&)> report;  // what else the row knows, at the end
    bool count_allocs = false;
    std::vector<double> lat;
    double cpu_s = 0;
    std::uint64_t allocs = 0;
    int n = 0;
};

void warm(row& w) {
    for (int i = 0; i < 5 && w.r.available; ++i) w.once();  // app token cached, a session to resume
}

void run_chunk(row& w, int k) {
    if (!w.r.available) return;
    const auto allocs0 = g_allocs.load();
    const double cpu0 = cpu_seconds();
    for (int i = 0; i < k; ++i) {
        const auto t0 = clock_type::now();
        w.r.failures += !w.once();
        w.lat.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
    }
    w.cpu_s += cpu_seconds() - cpu0;
    w.allocs += g_allocs.load() - allocs0;
    w.n += k;
}

// `n` logins per row in `rounds` rounds; each round runs every row, in turn, forwards then backwards.
std::vector<sequential_result> measure(std::vector<row>& rows, int n, int rounds) {
    for (int round = 0; round < rounds; ++round) {
        const int k = n / rounds + (round < n % rounds ? 1 : 0);
        for (std::size_t i = 0; i < rows.size(); ++i) run_chunk(rows[round % 2 ? rows.size() - 1 - i : i], k);
    }
    std::vector<sequential_result> out;
    for (auto& w : rows) {
        if (w.n > 0) {
            w.r.cpu_us_per_login = w.cpu_s * 1e6 / w.n;
            if (w.count_allocs) w.r.allocs_per_login = static_cast<double>(w.allocs) / w.n;
            w.r.latency = summarize(std::move(w.lat));
        }
        if (w.report) w.report(w.r);
        out.push_back(std::move(w.r));
    }
    return out;
}

// ---- the local server -------------------------------------------------------------------------
struct server {
    pid_t pid = -1;
    std::string origin, ca_file, host, port;
    std::string proxy;  // the mock's CONNECT proxy (in the mock's process), when the bench started it
    std::string totp_secret;  // the mock's fixture user's TOTP seed, when the bench started it
    ~server() {
        if (pid > 0) {
            kill(pid, SIGTERM);
            waitpid(pid, nullptr, 0);
        }
    }
};

void split_origin(server& s) {
    auto rest = s.origin.substr(std::string("https://").size());
    if (!rest.empty() && rest.back() == '/') rest.pop_back();
    const auto colon = rest.rfind(':');
    s.host = rest.substr(0, colon);
    s.port = colon == std::string::npos ? "443" : rest.substr(colon + 1);
}

void start_mock(server& s, const options& o) {
    char tmpl[] = "/tmp/neo-bench-XXXXXX";
    const std::string dir = mkdtemp(tmpl);
    s.ca_file = dir + "/ca.pem";
    const std::string out = dir + "/mock.out";
    std::vector<std::string> args = {o.mock_exe, "--quiet",      "--ca-file", s.ca_file, "--app-token-lifetime",
                                     "86400",    "--proxy-port", "0"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (posix_spawn(&s.pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) {
        std::cerr << "neo_bench: cannot start " << o.mock_exe << "\n";
        std::exit(1);
    }
    posix_spawn_file_actions_destroy(&fa);
    for (int i = 0; i < 400 && s.origin.empty(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        std::ifstream f(out);
        std::string line, origin, proxy;
        bool ca = false;
        while (std::getline(f, line)) {
            if (line.rfind("totp_secret=", 0) == 0) s.totp_secret = line.substr(12);
            if (line.rfind("origin=", 0) == 0) origin = line.substr(7);
            if (line.rfind("ca_file=", 0) == 0) ca = true;
            if (line.rfind("proxy=", 0) == 0) proxy = line.substr(6);
        }
        if (ca && !proxy.empty()) {
            s.origin = origin;
            s.proxy = proxy;
        }
    }
    if (s.origin.empty()) {
        std::cerr << "neo_bench: the mock gateway did not start\n";
        std::exit(1);
    }
    split_origin(s);
}

// ---- ours ------------------------------------------------------------------------------------
neo::client_params our_params(const server& s) {
    neo::client_params p;
    p.gateway = neo::gateway::from_origin(s.origin);
    p.consumer_key = "mock-consumer-key";
    p.consumer_secret = "mock-consumer-secret";
    p.ca_file = s.ca_file;
    return p;
}

const neo::login_request request() {
    return {.mobilenumber = "9999999908", .password = "mock-password"};
}

// fresh: a new connection and a full handshake per login; resumed: a new connection per login
// resuming a TLS session; kept: the defaults, where the next login goes over the connection the
// last one left open (like libcurl's reused handle).
enum class mode { fresh, resumed, kept };

row ours_row(const server& s, mode m, bool via_proxy = false) {
    row w;
    w.r.name = m == mode::fresh     ? "ours, fresh handshakes"
               : m == mode::resumed ? "ours, resumed (default TLS)"
                                    : "ours, kept-alive (defaults)";
    if (via_proxy) w.r.name += ", through a CONNECT proxy";
    w.count_allocs = true;
    struct state {
        asio::io_context io{1};
        std::optional<neo::client> c;
        neo::diagnostics diag;
        int resumed = 0, reused = 0, warm = 5;
    };
    auto st = std::make_shared<state>();
    auto p = our_params(s);
    p.tls_session_resumption = m != mode::fresh;
    if (m != mode::kept) p.keep_alive_idle = std::chrono::milliseconds(0);  // a connection per login
    if (via_proxy) p.proxy.origin = s.proxy;
    st->c.emplace(st->io, std::move(p));
    w.once = [st] {
        bool ok = false;
        st->c->async_login(request(), st->diag, [&](boost::system::error_code ec, neo::session) { ok = !ec; });
        st->io.restart();
        st->io.run();
        if (st->warm > 0) {
            --st->warm;  // warm() calls: not counted
        } else if (!st->diag.history.empty()) {
            st->resumed += st->diag.history.back().tls_resumed;
            st->reused += st->diag.history.back().connection_reused;
        }
        return ok;
    };
    w.report = [st](sequential_result& r) {
        r.resumed = st->resumed;
        r.reused = st->reused;
    };
    return w;
}

struct concurrent_result {
    int n = 0, k = 0, failures = 0;
    std::size_t max_in_flight = 0;
    double logins_per_s = 0;
    stats latency;
    double rss_growth_kib = 0, kib_per_login_in_flight = 0;
    stats lateness;
    stats idle_lateness;  // the same timer on an idle loop: what the machine itself allows
};

// The engine's heartbeat: a 1 ms periodic timer on a loop, recording how late each tick runs;
// `more()` is called each tick and says whether to go on.
struct heartbeat {
    asio::steady_timer tick;
    std::function<bool()> more;
    std::vector<double> late;
    clock_type::time_point next;
    heartbeat(asio::io_context& io, std::function<bool()> m) : tick(io), more(std::move(m)) { late.reserve(100000); }
    void arm() {
        if (late.empty()) next = clock_type::now() + std::chrono::milliseconds(1);
        tick.expires_at(next);
        tick.async_wait([this](boost::system::error_code ec) {
            if (ec) return;
            const auto now = clock_type::now();
            late.push_back(std::chrono::duration<double, std::micro>(now - next).count());
            next += std::chrono::milliseconds(1);
            if (next < now) next = now + std::chrono::milliseconds(1);
            if (more()) arm();
        });
    }
};

// `new_connections`: keep_alive_idle 0, so that every login makes its own connection (resumed),
// as a gateway that closes after each answer would make it; otherwise the defaults, where a
// login that starts when another ends takes the connection that one left open.
concurrent_result ours_concurrent(const server& s, const options& o, bool new_connections) {
    concurrent_result r;
    r.n = o.concurrent_n;
    r.k = std::min(o.concurrency, o.concurrent_n);
    asio::io_context io(1);
    auto params = our_params(s);
    if (o.max_in_flight >= 0) params.max_in_flight = static_cast<std::size_t>(o.max_in_flight);
    if (new_connections) params.keep_alive_idle = std::chrono::milliseconds(0);
    r.max_in_flight = params.max_in_flight;
    neo::client c{io, std::move(params)};
    {  // warm
        c.async_login(request(), [](boost::system::error_code, neo::session) {});
        io.run();
        io.restart();
    }
    std::vector<double> lat;
    lat.reserve(static_cast<std::size_t>(r.n));
    int started = 0, finished = 0;
    long peak = 0;
    const long base = rss_kib();
    std::function<void()> start_one = [&] {
        const auto t0 = clock_type::now();
        ++started;
        c.async_login(request(), [&, t0](boost::system::error_code ec, neo::session) {
            lat.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
            r.failures += !!ec;
            ++finished;
            if (started < r.n) start_one();
        });
    };
    heartbeat beat(io, [&] {
        peak = std::max(peak, rss_kib());
        return finished < r.n;
    });
    const auto t0 = clock_type::now();
    beat.arm();
    for (int i = 0; i < r.k; ++i) start_one();
    io.run();
    const double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
    r.logins_per_s = r.n / secs;
    r.latency = summarize(std::move(lat));
    r.lateness = summarize(std::move(beat.late));
    // The machine's own floor: the same heartbeat on an idle loop for as long.
    asio::io_context idle(1);
    heartbeat alone(
        idle, [&, end = clock_type::now() + std::chrono::duration<double>(secs)] { return clock_type::now() < end; });
    alone.arm();
    idle.run();
    r.idle_lateness = summarize(std::move(alone.late));
    r.rss_growth_kib = static_cast<double>(std::max(0L, peak - base));
    r.kib_per_login_in_flight = r.rss_growth_kib / r.k;
    return r;
}

// ---- the floor: a bare blocking OpenSSL client ----------------------------------------------
struct floor_client {
    SSL_CTX* ctx = nullptr;
    const server& s;
    std::string bearer;
    SSL_SESSION* session = nullptr;
    explicit floor_client(const server& srv) : s(srv) {
        ctx = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
        SSL_CTX_load_verify_locations(ctx, s.ca_file.c_str(), nullptr);
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT);
        // Read-ahead: one read() takes every byte there is, whole records, as plain code would.
        SSL_CTX_set_read_ahead(ctx, 1);
    }
    ~floor_client() {
        if (session) SSL_SESSION_free(session);
        SSL_CTX_free(ctx);
    }
    // One exchange: connect, TLS (verify), write, read the whole answer, find the token.
    std::optional<std::string> exchange(const std::string& request, bool resume) {
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(std::stoi(s.port)));
        inet_pton(AF_INET, s.host.c_str(), &a.sin_addr);
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            close(fd);
            return std::nullopt;
        }
        SSL* ssl = SSL_new(ctx);
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), s.host.c_str());
        SSL_set_fd(ssl, fd);
        if (resume && session) SSL_set_session(ssl, session);
        std::optional<std::string> body;
        if (SSL_connect(ssl) == 1 && SSL_write(ssl, request.data(), static_cast<int>(request.size())) > 0) {
            std::string in;
            char buf[16384];
            std::size_t need = std::string::npos;
            for (;;) {
                const int k = SSL_read(ssl, buf, sizeof buf);
                if (k <= 0) break;
                in.append(buf, static_cast<std::size_t>(k));
                const auto end = in.find("\r\n\r\n");
                if (end != std::string::npos && need == std::string::npos) {
                    const auto cl = in.find("Content-Length: ");
                    need = end + 4 + (cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16)));
                }
                if (need != std::string::npos && in.size() >= need) break;
            }
            if (need != std::string::npos && in.size() >= need) body = in.substr(in.find("\r\n\r\n") + 4);
            if (resume) {
                if (session) SSL_SESSION_free(session);
                session = SSL_get1_session(ssl);
            }
            SSL_shutdown(ssl);  // our close_notify, as curl does; no wait for the peer's
        }
        SSL_free(ssl);
        close(fd);
        return body;
    }
    std::string http_request(const std::string& path, const std::string& auth, const std::string& body) const {
        return "POST " + path + " HTTP/1.1\r\nHost: " + s.host + ":" + s.port +
               "\r\nUser-Agent: floor\r\nContent-Type: application/json\r\nAccept: "
               "application/json\r\nAuthorization: " +
               auth + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    }
};

const std::string login_body = R"({"mobileNumber":"+919999999908","password":"mock-password"})";

row floor_row(const server& s, bool resume) {
    row w;
    w.r.name = resume ? "floor: bare OpenSSL, resumed" : "floor: bare OpenSSL, fresh";
    auto f = std::make_shared<floor_client>(s);
    // The app token once, as our client caches it.
    const auto basic = "Basic " + std::string("bW9jay1jb25zdW1lci1rZXk6bW9jay1jb25zdW1lci1zZWNyZXQ=");
    auto tok = f->exchange(f->http_request("/oauth2/token", basic, R"({"grant_type":"client_credentials"})"), resume);
    if (!tok) {
        w.r.available = false;
        return w;
    }
    f->bearer = std::string(boost::json::parse(*tok).at("access_token").as_string());
    auto req = std::make_shared<std::string>(
        f->http_request("/login/1.0/login/v2/validate", "Bearer " + f->bearer, login_body));
    w.once = [f, req, resume] {
        auto b = f->exchange(*req, resume);
        return b && b->find("\"token\"") != std::string::npos;
    };
    return w;
}

// ---- the peer: libcurl ------------------------------------------------------------------------
#if defined(NEO_BENCH_HAVE_CURL)
// One easy handle per login, or one for all (connection and TLS session reused).
struct curl_state {
    std::string url, auth, body, ca_file;
    curl_slist* headers = nullptr;
    CURL* shared = nullptr;
    ~curl_state() {
        if (shared) curl_easy_cleanup(shared);
        curl_slist_free_all(headers);
    }
    void setup(CURL* h) {
        curl_easy_setopt(h, CURLOPT_URL, url.c_str());
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, login_body.c_str());
        curl_easy_setopt(h, CURLOPT_CAINFO, ca_file.c_str());
        curl_easy_setopt(
            h, CURLOPT_WRITEFUNCTION, +[](char* p, size_t sz, size_t n, void* ud) -> size_t {
                static_cast<std::string*>(ud)->append(p, sz * n);
                return sz * n;
            });
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    }
    bool once() {
        body.clear();
        CURL* h = shared ? shared : curl_easy_init();
        if (!shared) setup(h);
        const bool ok = curl_easy_perform(h) == CURLE_OK && body.find("\"token\"") != std::string::npos;
        if (!shared) curl_easy_cleanup(h);
        return ok;
    }
};
#endif

row curl_row(const server& s, bool reuse) {
    row w;
    w.r.name = reuse ? "libcurl, one reused handle" : "libcurl, new handle per login";
#if defined(NEO_BENCH_HAVE_CURL)
    curl_global_init(CURL_GLOBAL_DEFAULT);
    floor_client f(s);
    auto tok = f.exchange(f.http_request("/oauth2/token", "Basic bW9jay1jb25zdW1lci1rZXk6bW9jay1jb25zdW1lci1zZWNyZXQ=",
                                         R"({"grant_type":"client_credentials"})"),
                          false);
    if (!tok) {
        w.r.available = false;
        return w;
    }
    auto c = std::make_shared<curl_state>();
    c->url = s.origin + "/login/1.0/login/v2/validate";
    c->auth = "Authorization: Bearer " + std::string(boost::json::parse(*tok).at("access_token").as_string());
    c->ca_file = s.ca_file;
    c->headers = curl_slist_append(c->headers, "Content-Type: application/json");
    c->headers = curl_slist_append(c->headers, "Accept: application/json");
    c->headers = curl_slist_append(c->headers, c->auth.c_str());
    if (reuse) {
        c->shared = curl_easy_init();
        c->setup(c->shared);
    }
    w.once = [c] { return c->once(); };
#else
    (void)s;
    (void)reuse;
    w.r.available = false;
#endif
    return w;
}

// ---- round trips: a login through the delay relay -------------------------------------------
// generation 1: password login then the MPIN second factor; generation 2: TOTP login then MPIN
// validation. Cold: a new client (generation 1 fetches its app token). Warmed: the app token
// cached (generation 1), the connections the login had gone (the idle bound passed), then
// async_warm_up, then the login; only the login is timed and counted.
struct round_trip_row {
    std::string flow, client;
    bool failed = false;
    double ms = 0;  // 0: quoted, not measured
    int round_trips = 0, connections = 0;
};

round_trip_row round_trips(const server& s, int gen, bool warmed, std::chrono::milliseconds rtt) {
    round_trip_row r;
    r.flow = gen == 1 ? "generation 1, password + MPIN" : "generation 2, TOTP + MPIN";
    r.client = warmed ? (gen == 1 ? "ours, warmed (app token cached)" : "ours, warmed") : "ours, cold (new client)";
    neo_bench::delay_relay relay(s.host, static_cast<unsigned short>(std::stoi(s.port)), rtt);
    std::vector<double> times;
    std::vector<int> conns;
    for (int i = 0; i < 3; ++i) {
        asio::io_context io(1);
        auto p = our_params(s);
        p.gateway = neo::gateway::from_origin("https://127.0.0.1:" + std::to_string(relay.port()));
        p.keep_alive_idle = std::chrono::milliseconds(300);
        neo::client c{io, p};
        double ms = 0;
        int connections = 0;
        auto flow = [&]() -> asio::awaitable<void> {
            neo::second_factor f;
            f.mpin = "123456";
            f.mobilenumber = "9999999908";
            auto login = [&]() -> asio::awaitable<void> {
                if (gen == 1) {
                    auto view = co_await c.async_login(request(), asio::use_awaitable);
                    co_await c.async_session_2fa(view, f, asio::use_awaitable);
                } else {
                    neo::totp_login_request t;
                    t.mobilenumber = "9999999908";
                    t.ucc = "TESTYA24";
                    t.totp = neo::totp(neo::secret(s.totp_secret)).code();
                    auto view = co_await c.async_totp_login(t, asio::use_awaitable);
                    co_await c.async_totp_validate(view, "123456", asio::use_awaitable);
                }
            };
            if (warmed) {
                if (gen == 1) co_await login();  // the app token, cached
                asio::steady_timer idle(io, std::chrono::milliseconds(400));
                co_await idle.async_wait(asio::use_awaitable);  // the kept connection's idle bound passes
                co_await c.async_warm_up(gen == 1 ? neo::generation::one : neo::generation::two, asio::use_awaitable);
            }
            const int before = relay.connections();
            const auto t0 = clock_type::now();
            co_await login();
            ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
            connections = relay.connections() - before;
        };
        bool ok = false;
        asio::co_spawn(io, flow(), [&](std::exception_ptr e) { ok = !e; });
        io.run();
        if (!ok) {
            r.failed = true;
            return r;
        }
        times.push_back(ms);
        conns.push_back(connections);
    }
    std::sort(times.begin(), times.end());
    r.ms = times[1];
    r.round_trips = static_cast<int>(r.ms / static_cast<double>(rtt.count()) + 0.5);
    r.connections = *std::max_element(conns.begin(), conns.end());
    return r;
}

// The official SDKs, counted the same way (a relay adding 25 ms each way in front of the mock)
// when issue 19 was filed; quoted, not measured here (the bench does not run Python).
const std::vector<round_trip_row>& sdk_round_trips() {
    static const std::vector<round_trip_row> rows = {
        {"generation 1, password + MPIN", "official SDK v1 (quoted)", false, 0, 8, 4},
        {"generation 2, TOTP + MPIN", "official SDK v3 (quoted)", false, 0, 5, 2},
        {"generation 2, TOTP + MPIN", "curl (quoted)", false, 0, 3, 1},
    };
    return rows;
}

// ---- output -----------------------------------------------------------------------------------
std::string machine() {
    std::ifstream f("/proc/cpuinfo");
    std::string line, model;
    int cpus = 0;
    while (std::getline(f, line)) {
        if (line.rfind("model name", 0) == 0) {
            ++cpus;
            if (model.empty()) model = line.substr(line.find(':') + 2);
        }
    }
    return model + " x" + std::to_string(cpus) + ", " + OPENSSL_VERSION_TEXT;
}

double ratio(double a, double b) {
    return b > 0 ? a / b : 0;
}

}  // namespace

int main(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::cerr << "neo_bench: " << a << " needs a value\n";
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--n")
            o.n = std::max(10, std::stoi(value()));
        else if (a == "--concurrency")
            o.concurrency = std::max(1, std::stoi(value()));
        else if (a == "--max-in-flight")
            o.max_in_flight = std::max(0, std::stoi(value()));
        else if (a == "--concurrent-n")
            o.concurrent_n = std::max(1, std::stoi(value()));
        else if (a == "--rounds")
            o.rounds = std::max(1, std::stoi(value()));
        else if (a == "--rtt-ms")
            o.rtt_ms = std::max(0, std::stoi(value()));
        else if (a == "--only")
            o.only = value();
        else if (a == "--json")
            o.json = true;
        else if (a == "--gateway")
            o.gateway = value();
        else if (a == "--ca-file")
            o.ca_file = value();
        else if (a == "--mock")
            o.mock_exe = value();
        else {
            std::cerr << "usage: neo_bench [--n N] [--concurrency K] [--concurrent-n N] [--max-in-flight M] [--rounds "
                         "R] [--json] [--rtt-ms MS] "
                         "[--only floor-fresh|ours-fresh|floor-resumed|ours-resumed|ours-kept] "
                         "[--gateway https://HOST:PORT --ca-file PATH] [--mock PATH]\n";
            return a == "--help" ? 0 : 2;
        }
    }
    o.concurrent_n = std::max(o.concurrent_n, o.concurrency);
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    server s;
    if (!o.gateway.empty()) {
        s.origin = o.gateway;
        s.ca_file = o.ca_file;
        split_origin(s);
    } else {
        start_mock(s, o);
    }

    if (!o.only.empty()) {  // one row, e.g. under a profiler
        std::vector<row> one;
        one.push_back(o.only == "floor-fresh"     ? floor_row(s, false)
                      : o.only == "ours-fresh"    ? ours_row(s, mode::fresh)
                      : o.only == "floor-resumed" ? floor_row(s, true)
                      : o.only == "ours-kept"     ? ours_row(s, mode::kept)
                                                  : ours_row(s, mode::resumed));
        warm(one[0]);
        const auto r = measure(one, o.n, 1)[0];
        std::printf("%s: mean %.0f us, cpu %.0f us/login, %.0f allocs/login, %d resumed, %d failures\n", r.name.c_str(),
                    r.latency.mean_us, r.cpu_us_per_login, r.allocs_per_login, r.resumed, r.failures);
        return r.failures ? 1 : 0;
    }
    std::vector<row> rows;
    rows.push_back(floor_row(s, false));
    rows.push_back(ours_row(s, mode::fresh));
    rows.push_back(floor_row(s, true));
    rows.push_back(ours_row(s, mode::resumed));
    rows.push_back(curl_row(s, false));
    rows.push_back(curl_row(s, true));
    rows.push_back(ours_row(s, mode::kept));
    if (!s.proxy.empty()) {  // the proxy's cost, next to the direct rows
        rows.push_back(ours_row(s, mode::resumed, true));
        rows.push_back(ours_row(s, mode::kept, true));
    }
    for (auto& w : rows) warm(w);
    const auto seq = measure(rows, o.n, o.rounds);
    // The new-connection run first: its memory figure is the one against the target (the second
    // run's RSS growth is beyond the first's peak, as the allocator keeps what it got).
    const auto conc_new = ours_concurrent(s, o, true);
    const auto conc = ours_concurrent(s, o, false);
    std::vector<round_trip_row> trips;
    if (o.rtt_ms > 0) {
        const std::chrono::milliseconds rtt(o.rtt_ms);
        for (int gen : {1, 2}) {
            if (gen == 2 && s.totp_secret.empty()) continue;  // an outside gateway: no TOTP seed known
            trips.push_back(round_trips(s, gen, false, rtt));
            trips.push_back(round_trips(s, gen, true, rtt));
        }
    }

    const auto& floor_fresh = seq[0];
    const auto& ours_fresh = seq[1];
    const auto& floor_resumed = seq[2];
    const auto& ours_resumed = seq[3];
    const auto& curl_new = seq[4];
    const auto& curl_reused = seq[5];
    const auto& ours_kept = seq[6];
    struct named_ratio {
        std::string name;
        double value;
        double target;  // 0: none
    };
    std::vector<named_ratio> ratios = {
        {"latency ours fresh / floor fresh", ratio(ours_fresh.latency.mean_us, floor_fresh.latency.mean_us), 1.10},
        {"latency ours resumed / floor resumed", ratio(ours_resumed.latency.mean_us, floor_resumed.latency.mean_us),
         1.10},
        {"cpu ours fresh / floor fresh", ratio(ours_fresh.cpu_us_per_login, floor_fresh.cpu_us_per_login), 1.20},
        {"cpu ours resumed / floor resumed", ratio(ours_resumed.cpu_us_per_login, floor_resumed.cpu_us_per_login),
         1.25},
    };
    if (seq.size() >= 9) {
        ratios.push_back({"latency ours resumed through a proxy / direct",
                          ratio(seq[7].latency.mean_us, ours_resumed.latency.mean_us), 0});
        ratios.push_back({"cpu ours resumed through a proxy / direct",
                          ratio(seq[7].cpu_us_per_login, ours_resumed.cpu_us_per_login), 0});
        ratios.push_back({"latency ours kept-alive through a proxy / direct",
                          ratio(seq[8].latency.mean_us, ours_kept.latency.mean_us), 0});
    }
    if (curl_new.available) {
        ratios.push_back({"latency ours resumed / libcurl new handle",
                          ratio(ours_resumed.latency.mean_us, curl_new.latency.mean_us), 0.6});
        ratios.push_back({"latency ours fresh / libcurl new handle",
                          ratio(ours_fresh.latency.mean_us, curl_new.latency.mean_us), 0});
        ratios.push_back({"cpu ours resumed / libcurl new handle",
                          ratio(ours_resumed.cpu_us_per_login, curl_new.cpu_us_per_login), 0});
        ratios.push_back({"latency ours kept-alive / libcurl reused handle",
                          ratio(ours_kept.latency.mean_us, curl_reused.latency.mean_us), 1.00});
        ratios.push_back({"cpu ours kept-alive / libcurl reused handle",
                          ratio(ours_kept.cpu_us_per_login, curl_reused.cpu_us_per_login), 0});
    }

    if (o.json) {
        std::ostringstream j;
        j << "{\"machine\":\"" << machine() << "\",\"server\":\"" << s.origin << "\",\"n\":" << o.n
          << ",\"sequential\":[";
        for (std::size_t i = 0; i < seq.size(); ++i) {
            const auto& r = seq[i];
            j << (i ? "," : "") << "{\"name\":\"" << r.name << "\",\"available\":" << (r.available ? "true" : "false")
              << ",\"mean_us\":" << r.latency.mean_us << ",\"p50_us\":" << r.latency.p50_us
              << ",\"p99_us\":" << r.latency.p99_us << ",\"cpu_us_per_login\":" << r.cpu_us_per_login
              << ",\"allocs_per_login\":" << r.allocs_per_login << ",\"resumed\":" << r.resumed
              << ",\"reused\":" << r.reused << ",\"failures\":" << r.failures << "}";
        }
        auto conc_json = [&](const char* name, const concurrent_result& c) {
            j << ",\"" << name << "\":{\"n\":" << c.n << ",\"in_flight\":" << c.k
              << ",\"max_in_flight\":" << c.max_in_flight << ",\"logins_per_s\":" << c.logins_per_s
              << ",\"p99_us\":" << c.latency.p99_us << ",\"rss_growth_kib\":" << c.rss_growth_kib
              << ",\"kib_per_login_in_flight\":" << c.kib_per_login_in_flight
              << ",\"loop_lateness_p99_us\":" << c.lateness.p99_us << ",\"loop_lateness_max_us\":" << c.lateness.max_us
              << ",\"idle_loop_lateness_p99_us\":" << c.idle_lateness.p99_us
              << ",\"idle_loop_lateness_max_us\":" << c.idle_lateness.max_us << ",\"failures\":" << c.failures << "}";
        };
        j << "]";
        conc_json("concurrent", conc);
        conc_json("concurrent_new_connections", conc_new);
        j << ",\"round_trips\":{\"rtt_ms\":" << o.rtt_ms << ",\"rows\":[";
        for (std::size_t i = 0; i < trips.size(); ++i)
            j << (i ? "," : "") << "{\"flow\":\"" << trips[i].flow << "\",\"client\":\"" << trips[i].client
              << "\",\"failed\":" << (trips[i].failed ? "true" : "false") << ",\"ms\":" << trips[i].ms
              << ",\"round_trips\":" << trips[i].round_trips << ",\"connections\":" << trips[i].connections << "}";
        j << "]}";
        j << ",\"ratios\":{";
        for (std::size_t i = 0; i < ratios.size(); ++i)
            j << (i ? "," : "") << "\"" << ratios[i].name << "\":" << ratios[i].value;
        j << "}}";
        std::cout << j.str() << std::endl;
        return 0;
    }

    std::printf("neo_bench: %s\nserver %s, %d sequential logins per row (login step; app token cached)\n\n",
                machine().c_str(), s.origin.c_str(), o.n);
    std::printf("%-36s %10s %10s %10s %12s %12s %6s  %s\n", "sequential", "mean us", "p50 us", "p99 us", "cpu us/login",
                "allocs/login", "fail", "resumed/reused");
    for (const auto& r : seq) {
        if (!r.available) {
            std::printf("%-36s %s\n", r.name.c_str(), "(not available: build without libcurl)");
            continue;
        }
        const std::string how =
            r.resumed < 0 ? "-"
                          : std::to_string(r.resumed) + "/" + std::to_string(r.reused) + " of " + std::to_string(o.n);
        std::printf("%-36s %10.0f %10.0f %10.0f %12.0f %12s %6d  %s\n", r.name.c_str(), r.latency.mean_us,
                    r.latency.p50_us, r.latency.p99_us, r.cpu_us_per_login,
                    r.allocs_per_login >= 0 ? std::to_string(static_cast<int>(r.allocs_per_login + 0.5)).c_str() : "-",
                    r.failures, how.c_str());
    }
    auto print_conc = [&](const char* how, const concurrent_result& c, bool first) {
        std::printf("\nconcurrent (ours, one io_context thread, %s): %d logins, %d in flight, max_in_flight %zu\n", how,
                    c.n, c.k, c.max_in_flight);
        std::printf("  %.0f logins/s, p99 latency %.0f us, %d failures\n", c.logins_per_s, c.latency.p99_us,
                    c.failures);
        if (first)
            std::printf("  peak RSS growth %.0f KiB = %.1f KiB per login in flight (target <= 48)\n", c.rss_growth_kib,
                        c.kib_per_login_in_flight);
        else
            std::printf("  peak RSS growth beyond the run above: %.0f KiB\n", c.rss_growth_kib);
        std::printf("  1 ms timer lateness: p99 %.0f us (target <= 2000), max %.0f us (target <= 10000)\n",
                    c.lateness.p99_us, c.lateness.max_us);
        std::printf("  the same timer on an idle loop, as long (the machine's floor): p99 %.0f us, max %.0f us\n",
                    c.idle_lateness.p99_us, c.idle_lateness.max_us);
    };
    print_conc("a new connection per login", conc_new, true);
    print_conc("defaults: a login that starts as another ends takes its connection", conc, false);
    if (!trips.empty()) {
        std::printf("\nround trips (a relay adds %d ms each way; TCP handshakes not counted: on a network each "
                    "connection adds one)\n",
                    o.rtt_ms / 2);
        std::printf("  %-32s %-34s %8s %12s %12s\n", "flow", "client", "ms", "round trips", "connections");
        auto print_trip = [](const round_trip_row& t) {
            if (!t.failed)
                std::printf("  %-32s %-34s %8s %12d %12d\n", t.flow.c_str(), t.client.c_str(),
                            t.ms > 0 ? std::to_string(static_cast<int>(t.ms + 0.5)).c_str() : "-", t.round_trips,
                            t.connections);
            else
                std::printf("  %-32s %-34s %8s\n", t.flow.c_str(), t.client.c_str(), "failed");
        };
        for (const auto& t : trips) print_trip(t);
        for (const auto& t : sdk_round_trips()) print_trip(t);
    }
    std::printf("\nratios\n");
    for (const auto& r : ratios) {
        if (r.target > 0)
            std::printf("  %-44s %5.2f  (target <= %.2f: %s)\n", r.name.c_str(), r.value, r.target,
                        r.value <= r.target ? "met" : "NOT met");
        else
            std::printf("  %-44s %5.2f\n", r.name.c_str(), r.value);
    }
    return 0;
}
