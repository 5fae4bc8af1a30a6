// The mock gateway: one coroutine per connection, all on one strand.
#include <neo/detail/redact.hpp>
#include <neo/detail/request.hpp>
#include <neo/mock/gateway.hpp>
#include <neo/totp.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <openssl/rand.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <cstring>
#include <deque>
#include <fstream>
#include <list>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace neo::mock {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using steady = std::chrono::steady_clock;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

const char* to_string(route r) noexcept {
    switch (r) {
        case route::app_token:
            return "app_token";
        case route::login:
            return "login";
        case route::unknown:
            return "unknown";
        case route::otp_generate:
            return "otp_generate";
        case route::second_factor:
            return "second_factor";
        case route::logout:
            return "logout";
        case route::totp_login:
            return "totp_login";
        case route::totp_validate:
            return "totp_validate";
    }
    return "?";
}

std::string recorded_request::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (beast::iequals(k, name)) return v;
    return {};
}

namespace {

using response_t = http::response<http::string_body>;
using request_t = http::request<http::string_body>;

std::string random_bytes(std::size_t n) {
    std::string s(n, '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(s.data()), static_cast<int>(n));
    return s;
}

std::string base64url(std::string_view in) {
    auto s = detail::base64_encode(in);
    for (auto& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
    while (!s.empty() && s.back() == '=') s.pop_back();
    return s;
}

std::string uuid() {
    auto b = random_bytes(16);
    b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
    static constexpr char hex[] = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
        s += hex[(b[i] >> 4) & 15];
        s += hex[b[i] & 15];
    }
    return s;
}

std::string jwt(const json::object& claims) {
    return base64url(R"({"alg":"RS256","typ":"JWT"})") + "." + base64url(json::serialize(claims)) + "." +
           base64url(random_bytes(256));  // RS256 with a 2048-bit key, as the gateway signs
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

response_t make_response(unsigned status, std::string body, std::string_view content_type = "application/json") {
    response_t res{static_cast<http::status>(status), 11};
    res.set(http::field::server, "neo-mock-gateway");
    res.set(http::field::content_type, content_type);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

// An IMF-fixdate (RFC 9110), spelled out by hand: no locale can change it.
std::string http_date(std::chrono::system_clock::time_point t) {
    static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
                  months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

std::string error_array(std::string_view code, std::string_view message) {
    json::object e{{"code", code}, {"message", message}};
    return json::serialize(json::object{{"error", json::array{e}}});
}

response_t canned(unsigned status) {
    switch (status) {
        case 400:
            return make_response(400, error_array("10300", "Invalid or missing input parameters"));
        case 401:
            return make_response(
                401,
                R"({"code":"900901","message":"Invalid Credentials","description":"Access failure for API: /login/1.0, version: 1.0 status: (900901) - Invalid Credentials. Make sure you have provided the correct security credentials"})");
        case 403:
            return make_response(403, error_array("10403", "Forbidden"));
        case 429:
            return make_response(429,
                                 R"({"code":429,"error":"Rate limit exceeded","message":"too many request received"})");
        case 500:
            return make_response(500, error_array("10500", "Unexpected error"));
        case 502:
        case 503:
        case 504:
            return make_response(status,
                                 "<html><head><title>" + std::to_string(status) + "</title></head><body><h1>" +
                                     std::to_string(status) + " Service Temporarily Unavailable</h1></body></html>",
                                 "text/html");
        default:
            return make_response(status, error_array(std::to_string(status), "scripted answer"));
    }
}

route route_of(const request_t& req) {
    const std::string_view target = req.target();
    if (target == "/oauth2/token") return route::app_token;
    if (target == "/login/1.0/login/v2/validate" || target == "/api/1.0/login/v2/validate") {
        const std::string_view body = req.body();
        const bool factor = req.find("sid") != req.end() || req.find("Auth") != req.end() ||
                            body.find("\"otp\"") != std::string_view::npos ||
                            body.find("\"userId\"") != std::string_view::npos;
        return factor ? route::second_factor : route::login;
    }
    if (target == "/login/1.0/login/otp/generate" || target == "/api/1.0/login/otp/generate")
        return route::otp_generate;
    if (target == "/login/1.0/logout" || target == "/api/1.0/logout") return route::logout;
    if (target == "/login/1.0/tradeApiLogin") return route::totp_login;
    if (target == "/login/1.0/tradeApiValidate") return route::totp_validate;
    return route::unknown;
}

std::string gen2_error(unsigned code, std::string_view message) {
    return json::serialize(
        json::object{{"status", "error"}, {"message", message}, {"errorCode", std::to_string(code)}});
}

std::string gen2_failure(int st_code, std::string_view message) {
    return json::serialize(json::object{{"stCode", st_code}, {"errMsg", message}, {"status", "failure"}});
}

bool digits(std::string_view s, std::size_t min, std::size_t max) {
    if (s.size() < min || s.size() > max) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

std::string str(const json::object& o, std::string_view k) {
    const auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

struct connection {
    ssl::stream<beast::tcp_stream> tls;
    asio::steady_timer timer;
    connection(tcp::socket s, ssl::context& ctx)
        : tls(beast::tcp_stream(std::move(s)), ctx), timer(tls.get_executor()) {}
    void abort() {
        error_code ec;
        beast::get_lowest_layer(tls).socket().close(ec);
        timer.cancel();
    }
};

}  // namespace

struct gateway::impl : std::enable_shared_from_this<impl> {
    gateway_params params;
    std::unique_ptr<asio::io_context> own_io;
    std::thread thread;
    asio::strand<asio::any_io_executor> strand;
    ssl::context ctx{ssl::context::tls_server};
    std::string ca;
    tcp::acceptor acceptor;
    std::uint16_t bound_port = 0;

    mutable std::mutex mu;  // guards everything below
    std::map<route, std::deque<answer>> scripts;
    std::deque<fault> connection_script;
    std::deque<recorded_request> records;  // the newest max_records
    std::size_t first_record = 0;          // the sequence number of records.front()
    std::map<route, std::size_t> counts;   // every request, recorded or dropped
    std::size_t accepted = 0, handshakes = 0, resumed = 0;
    std::size_t answering = 0, peak_answering = 0, clean_closes = 0;

    // Counts a request from when it is read until its answer is written (or the connection ends).
    struct answering_scope {
        impl* self;
        explicit answering_scope(impl* s) : self(s) {
            std::lock_guard lock(self->mu);
            self->peak_answering = std::max(self->peak_answering, ++self->answering);
        }
        answering_scope(const answering_scope&) = delete;
        answering_scope& operator=(const answering_scope&) = delete;
        ~answering_scope() {
            std::lock_guard lock(self->mu);
            --self->answering;
        }
    };
    std::map<std::string, steady::time_point> app_tokens;
    std::map<std::string, std::pair<steady::time_point, unsigned>> rate;
    struct live_session {
        std::string token;
        steady::time_point expiry;
        bool trade = false;
        bool gen2 = false;
    };
    std::map<std::string, live_session> sessions;  // by sid
    std::map<std::string, bool> otp_sent;          // by userId
    std::vector<std::string> issued;               // every token handed out
    std::list<std::weak_ptr<connection>> live;
    bool stopped = false;

    impl(asio::any_io_executor ex, gateway_params p)
        : params(std::move(p)), strand(asio::make_strand(ex)), acceptor(strand) {
        std::string chain = params.certificate_chain_pem, key = params.private_key_pem;
        if (chain.empty()) {
            certificate_authority authority;
            auto issued = authority.issue();
            chain = issued.certificate;
            key = issued.private_key;
            ca = authority.certificate();
        }
        SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
        ctx.use_certificate_chain(asio::buffer(chain));
        ctx.use_private_key(asio::buffer(key), ssl::context::pem);
        const tcp::endpoint ep(asio::ip::make_address(params.address), params.port);
        acceptor.open(ep.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(ep);
        acceptor.listen();
        bound_port = acceptor.local_endpoint().port();
    }

    fault next_connection_fault() {
        std::lock_guard lock(mu);
        ++accepted;
        if (connection_script.empty()) return fault::none;
        auto f = connection_script.front();
        connection_script.pop_front();
        return f;
    }

    std::optional<answer> next_answer(route r) {
        std::lock_guard lock(mu);
        auto& q = scripts[r];
        if (q.empty()) return std::nullopt;
        auto a = std::move(q.front());
        q.pop_front();
        return a;
    }

    std::size_t record(const request_t& req, route r) {
        recorded_request rec;
        rec.route = r;
        rec.method = std::string(req.method_string());
        rec.target = std::string(req.target());
        for (const auto& f : req) rec.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
        rec.body = req.body();
        std::lock_guard lock(mu);
        ++counts[r];
        records.push_back(std::move(rec));
        while (records.size() > std::max<std::size_t>(params.max_records, 1)) {
            records.pop_front();
            ++first_record;
        }
        return first_record + records.size() - 1;
    }

    void set_status(std::size_t seq, unsigned status) {
        recorded_request copy;
        {
            std::lock_guard lock(mu);
            if (seq < first_record || seq - first_record >= records.size()) return;  // dropped or reset
            auto& rec = records[seq - first_record];
            rec.status = status;
            if (params.on_request) copy = rec;
        }
        if (params.on_request) params.on_request(copy);
    }

    // A 429 when the caller (keyed by its Authorization) is over the rate limit. Holds `mu`.
    std::optional<response_t> over_rate_limit(const std::string& key) {
        if (params.rate_limit == 0) return std::nullopt;
        auto& [start, count] = rate[key];
        const auto now = steady::now();
        if (now - start >= params.rate_window) {
            start = now;
            count = 0;
        }
        if (++count <= params.rate_limit) return std::nullopt;
        auto res = canned(429);
        if (params.rate_limit_retry_after)
            res.set(http::field::retry_after, std::to_string(params.rate_limit_retry_after->count()));
        return res;
    }

    // A fresh token and the `data` object of a session; the session is live from now on.
    json::object issue(bool trade, bool gen2) {
        const auto& fx = params.fixture;
        const auto now = unix_now();
        const std::string token = jwt({{"scope", json::array{trade ? "Trade" : "View"}},
                                       {"exp", now + params.token_lifetime.count()},
                                       {"jti", uuid()},
                                       {"iat", now},
                                       {"iss", "login-service"},
                                       {"sub", fx.sub},
                                       {"ucc", fx.ucc},
                                       {"fetchcachingrule", 0},
                                       {"categorisation", ""}});
        const auto ts = std::to_string(now);
        const std::string sid = uuid();
        json::object data{{"token", token},
                          {"sid", sid},
                          {"rid", uuid()},
                          {"hsServerId", "server1"},
                          {"isUserPwdExpired", false},
                          {"caches", json::object{{"baskets", ts},
                                                  {"lastUpdatedTS", ts},
                                                  {"multiplewatchlists", ts},
                                                  {"techchartpreferences", ts},
                                                  {"watchlist", ts}}},
                          {"ucc", fx.ucc},
                          {"greetingName", fx.greeting_name},
                          {"isTrialAccount", false},
                          {"dataCenter", "mock"},
                          {"searchAPIKey", ""}};
        if (gen2) {
            data["kType"] = trade ? "Trade" : "View";
            data["status"] = "success";
            if (trade) data["baseUrl"] = "https://127.0.0.1:" + std::to_string(bound_port);
        }
        std::lock_guard lock(mu);
        sessions[sid] = live_session{token, steady::now() + params.token_lifetime, trade, gen2};
        issued.push_back(token);
        return data;
    }

    static response_t ok(json::object data) {
        return make_response(200, json::serialize(json::object{{"data", std::move(data)}}));
    }

    // The sid/Auth pair of a following step: 400 10512 when absent, 401 unless it names a live
    // session of the expected kind.
    std::optional<response_t> check_pair(const request_t& req, bool trade, bool gen2) {
        const auto sid = req["sid"];
        const auto auth = req["Auth"];
        if (sid.empty() || auth.empty()) {
            if (gen2) return make_response(400, gen2_error(400, "Required header not found."));
            return make_response(400, error_array("10512", "Required header not found."));
        }
        std::lock_guard lock(mu);
        auto it = sessions.find(std::string(sid));
        const bool good = it != sessions.end() && it->second.token == auth && it->second.trade == trade &&
                          it->second.gen2 == gen2 && steady::now() < it->second.expiry;
        if (good) return std::nullopt;
        if (gen2) return make_response(401, gen2_error(401, "Invalid session"));
        return make_response(401, error_array("10401", "Invalid or expired session"));
    }

    // The mock's clock: ours, shifted by gateway_params::clock_offset.
    std::chrono::system_clock::time_point clock_now() const {
        return std::chrono::system_clock::now() + params.clock_offset;
    }

    bool totp_ok(std::string_view code) const {
        auto gen = totp::from_base32(secret(params.fixture.totp_secret));
        if (!gen || code.size() != 6) return false;
        const auto now = clock_now();
        for (int skew : {-1, 0, 1})
            if (gen->code(now + std::chrono::seconds(30 * skew)).reveal() == code) return true;
        return false;
    }

    // The identity and secret rules of protocol.md step 2 (also the MPIN second factor): an error
    // answer, or nullopt when the body names the fixture user with the right secret.
    std::optional<response_t> check_credentials(const json::object& o, bool mpin_only) {
        const auto& fx = params.fixture;
        const auto mobile = str(o, "mobileNumber"), pan = str(o, "pan"), userid = str(o, "userid");
        const auto password = str(o, "password"), mpin = str(o, "mpin");
        const int identities = !mobile.empty() + !pan.empty() + !userid.empty();
        if (identities != 1)
            return make_response(400, error_array("10300", "Exactly one of mobileNumber, pan, userid is required"));
        if (!mobile.empty() && !(mobile.front() == '+' && digits(std::string_view(mobile).substr(1), 11, 15)))
            return make_response(400, error_array("10300", "mobileNumber must be + and digits"));
        if (!pan.empty() && detail::normalize_pan(pan) != pan)
            return make_response(400, error_array("10300", "pan is invalid"));
        if (mpin_only ? (mpin.empty() || !password.empty()) : password.empty() == mpin.empty())
            return make_response(400, error_array("10300", mpin_only ? "mpin is required"
                                                                     : "Exactly one of password, mpin is required"));
        if (!mpin.empty() && !digits(mpin, 6, 6))
            return make_response(400, error_array("10300", "mpin must be 6 digits"));
        const bool who =
            mobile.empty() ? (pan.empty() ? userid == fx.userid : pan == fx.pan) : mobile == fx.mobile_number;
        const bool what = password.empty() ? mpin == fx.mpin : password == fx.password;
        if (!who || !what) return make_response(401, error_array("10200", "Invalid credentials"));
        return std::nullopt;
    }

    // The mock contract of docs/protocol.md, for every endpoint of both generations.
    response_t contract(const request_t& req, route r) {
        if (r == route::unknown || req.method() != http::verb::post)
            return make_response(401, error_array("10401", "Verify resource and path of the request"));
        const std::string auth(req[http::field::authorization]);
        const auto& fx = params.fixture;
        const bool gen2 = r == route::totp_login || r == route::totp_validate;
        if (r == route::app_token) {
            if (auth != detail::basic_authorization(fx.consumer_key, fx.consumer_secret))
                return make_response(401, R"({"error_description":"invalid_client","error":"invalid_client"})");
        } else if (gen2) {
            if (auth != fx.consumer_key) return canned(401);
            if (req["neo-fin-key"] != fx.neo_fin_key)
                return make_response(401, gen2_error(401, "Invalid or missing neo-fin-key"));
            std::lock_guard lock(mu);
            if (auto res = over_rate_limit(auth)) return std::move(*res);
        } else {
            const std::string_view prefix = "Bearer ";
            const std::string token = auth.rfind(prefix, 0) == 0 ? auth.substr(prefix.size()) : std::string();
            std::lock_guard lock(mu);
            auto it = app_tokens.find(token);
            if (it == app_tokens.end() || it->second < steady::now()) return canned(401);
            if (auto res = over_rate_limit(token)) return std::move(*res);
        }
        if (r == route::logout) {
            if (auto bad = check_pair(req, true, false)) return std::move(*bad);
            std::lock_guard lock(mu);
            sessions.erase(std::string(req["sid"]));
            return ok(json::object{{"status", "success"}, {"message", "logged out"}});
        }
        if (req[http::field::content_type].substr(0, 16) != "application/json")
            return make_response(400, error_array("10300", "Content-Type must be application/json"));
        boost::system::error_code jec;
        auto body = json::parse(req.body(), jec);
        if (jec || !body.is_object()) return make_response(400, error_array("10300", "Invalid JSON body"));
        const auto& o = body.get_object();

        switch (r) {
            case route::app_token: {
                if (str(o, "grant_type") != "client_credentials")
                    return make_response(
                        400, R"({"error_description":"unsupported grant_type","error":"unsupported_grant_type"})");
                const std::string token = jwt({{"sub", fx.consumer_key}, {"scope", "default"}, {"jti", uuid()}});
                {
                    std::lock_guard lock(mu);
                    app_tokens[token] = steady::now() + params.app_token_lifetime;
                    issued.push_back(token);
                }
                return make_response(200,
                                     json::serialize(json::object{{"access_token", token},
                                                                  {"scope", "default"},
                                                                  {"token_type", "Bearer"},
                                                                  {"expires_in", params.app_token_lifetime.count()}}));
            }
            case route::login:
                if (auto bad = check_credentials(o, false)) return std::move(*bad);
                return ok(issue(false, false));
            case route::otp_generate: {
                const auto user = str(o, "userId");
                if (user.empty()) return make_response(400, error_array("10300", "userId is required"));
                if (user != fx.sub) return make_response(401, error_array("10200", "Invalid userId"));
                std::lock_guard lock(mu);
                otp_sent[user] = true;
                return ok(json::object{{"message", "OTP sent"}, {"otpGenerated", true}});
            }
            case route::second_factor: {
                if (auto bad = check_pair(req, false, false)) return std::move(*bad);
                // The SDK's two shapes: {"userId":<sub>,"otp":<OTP or, after a user-id login, the
                // MPIN>}, or {"mobileNumber"|"pan":...,"mpin":...}. Nothing else.
                if (o.contains("otp")) {
                    const auto user = str(o, "userId"), otp = str(o, "otp");
                    if (user.empty() || !(digits(otp, 4, 4) || digits(otp, 6, 6)) || o.size() != 2)
                        return make_response(
                            400, error_array("10300", "userId and a 4-digit otp (or 6-digit mpin) are required"));
                    if (user != fx.sub) return make_response(401, error_array("10200", "Invalid userId"));
                    if (otp.size() == 6) {
                        if (otp != fx.mpin) return make_response(401, error_array("10200", "Invalid credentials"));
                    } else {
                        std::lock_guard lock(mu);
                        auto it = otp_sent.find(user);
                        if (it == otp_sent.end() || otp != fx.otp)
                            return make_response(401, error_array("10200", "Invalid or expired OTP"));
                        otp_sent.erase(it);  // one use per generation
                    }
                } else if (o.contains("userid") || o.contains("userId")) {
                    return make_response(400, error_array("10300", "an mpin goes with mobileNumber or pan"));
                } else if (auto bad = check_credentials(o, true)) {
                    return std::move(*bad);
                }
                return ok(issue(true, false));
            }
            case route::totp_login: {
                const auto mobile = str(o, "mobileNumber"), ucc = str(o, "ucc"), code = str(o, "totp");
                if (mobile.empty() || ucc.empty() || !digits(code, 6, 6))
                    return make_response(400, gen2_error(400, "mobileNumber, ucc and a 6-digit totp are required"));
                if (ucc != fx.ucc) return make_response(200, gen2_failure(429, "Invalid UCC"));
                if (mobile != fx.mobile_number || !totp_ok(code))
                    return make_response(401, gen2_error(401, "Invalid credentials or TOTP."));
                return ok(issue(false, true));
            }
            case route::totp_validate: {
                if (auto bad = check_pair(req, false, true)) return std::move(*bad);
                const auto mpin = str(o, "mpin");
                if (!digits(mpin, 6, 6)) return make_response(400, gen2_error(400, "mpin must be 6 digits"));
                if (mpin != fx.mpin) return make_response(200, gen2_failure(401, "Invalid MPIN"));
                return ok(issue(true, true));
            }
            default:
                return canned(401);
        }
    }

    asio::awaitable<void> wait_forever(connection& c) {
        c.timer.expires_at(steady::time_point::max());
        co_await c.timer.async_wait(nothrow);
    }

    // `self` keeps the gateway's state alive while the connection lives.
    asio::awaitable<void> serve([[maybe_unused]] std::shared_ptr<impl> self, tcp::socket socket) {
        const fault f = next_connection_fault();
        if (f == fault::close_before_tls) {
            error_code ec;
            socket.close(ec);
            co_return;
        }
        error_code nodelay_ec;
        socket.set_option(tcp::no_delay(true), nodelay_ec);  // answers leave at once (no Nagle)
        auto c = std::make_shared<connection>(std::move(socket), ctx);
        {
            std::lock_guard lock(mu);
            if (stopped) co_return;
            live.remove_if([](const auto& w) { return w.expired(); });
            live.push_back(c);
        }
        if (f == fault::stall_before_tls) {
            co_await wait_forever(*c);
            co_return;
        }
        auto& lowest = beast::get_lowest_layer(c->tls);
        lowest.expires_after(params.io_timeout);
        auto [hec] = co_await c->tls.async_handshake(ssl::stream_base::server, nothrow);
        if (hec) co_return;
        {
            std::lock_guard lock(mu);
            ++handshakes;
            resumed += SSL_session_reused(c->tls.native_handle()) == 1;
        }
        beast::flat_buffer buffer;
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.body_limit(1024 * 1024);
            lowest.expires_after(params.io_timeout);
            auto [rec, rn] = co_await http::async_read(c->tls, buffer, parser, nothrow);
            if (rec == http::error::end_of_stream) {  // the client's close_notify
                std::lock_guard lock(mu);
                ++clean_closes;
            }
            if (rec) break;
            request_t req = parser.release();
            const route r = route_of(req);
            const auto index = record(req, r);
            const answering_scope answering_now(this);
            const auto scripted = next_answer(r);
            if (scripted && scripted->delay.count() > 0) {
                c->timer.expires_after(scripted->delay);
                co_await c->timer.async_wait(nothrow);
                if (!lowest.socket().is_open()) co_return;
            }
            const fault action = scripted ? scripted->action : fault::none;
            if (action == fault::stall) {
                lowest.expires_never();
                co_await wait_forever(*c);
                co_return;
            }
            if (action == fault::close_without_answer) {
                c->abort();
                co_return;
            }
            response_t res;
            if (scripted && (scripted->status != 200 || scripted->body)) {
                res = scripted->body ? make_response(scripted->status, *scripted->body) : canned(scripted->status);
                for (const auto& [k, v] : scripted->headers) res.set(k, v);
                res.prepare_payload();
            } else {
                res = contract(req, r);
                if (scripted)
                    for (const auto& [k, v] : scripted->headers) res.set(k, v);
            }
            // Every answer says the time, as a gateway does (a scripted Date wins).
            if (res[http::field::date].empty()) res.set(http::field::date, http_date(clock_now()));
            set_status(index, res.result_int());
            // A scripted "Connection: close" wins; otherwise the connection stays as the client asked.
            if (res[http::field::connection].empty()) res.keep_alive(req.keep_alive());
            lowest.expires_after(params.io_timeout);
            if (action == fault::close_mid_answer || action == fault::close_delimited_answer) {
                // close_mid_answer: the whole header, half the body. close_delimited_answer: no
                // Content-Length, the whole body. Either way a close without close_notify follows.
                const bool whole = action == fault::close_delimited_answer;
                if (whole) res.erase(http::field::content_length);
                std::string head;
                for (const auto& field : res.base())
                    head += std::string(field.name_string()) + ": " + std::string(field.value()) + "\r\n";
                std::string wire = "HTTP/1.1 " + std::to_string(res.result_int()) + " " + std::string(res.reason()) +
                                   "\r\n" + head + (whole ? "Connection: close\r\n\r\n" : "\r\n");
                wire += whole ? res.body() : res.body().substr(0, res.body().size() / 2);
                co_await asio::async_write(c->tls, asio::buffer(wire), nothrow);
                c->abort();
                co_return;
            }
            auto [wec, wn] = co_await http::async_write(c->tls, res, nothrow);
            if (wec || !res.keep_alive()) break;
        }
        lowest.expires_after(std::chrono::seconds(1));
        co_await c->tls.async_shutdown(nothrow);
        error_code ignored;
        lowest.socket().close(ignored);
    }

    asio::awaitable<void> accept_loop(std::shared_ptr<impl> self) {
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(nothrow);
            if (ec) {
                if (!acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
                continue;
            }
            asio::co_spawn(strand, serve(self, std::move(socket)), asio::detached);
        }
    }

    void close_all() {
        error_code ec;
        acceptor.close(ec);
        std::list<std::weak_ptr<connection>> conns;
        {
            std::lock_guard lock(mu);
            stopped = true;
            conns.swap(live);
        }
        for (auto& w : conns)
            if (auto c = w.lock()) c->abort();
    }
};

gateway::gateway(gateway_params params) {
    auto io = std::make_unique<asio::io_context>(1);
    impl_ = std::make_shared<impl>(io->get_executor(), std::move(params));
    impl_->own_io = std::move(io);
    asio::co_spawn(impl_->strand, impl_->accept_loop(impl_), asio::detached);
    impl_->thread = std::thread([io = impl_->own_io.get()] { io->run(); });
}

gateway::gateway(asio::any_io_executor ex, gateway_params params)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(params))) {
    asio::co_spawn(impl_->strand, impl_->accept_loop(impl_), asio::detached);
}

gateway::~gateway() {
    stop();
}

void gateway::stop() {
    // With its own thread, stopped once already: the thread is gone, and a handler posted now
    // would stay queued in the io_context the impl owns (a cycle that never frees).
    if (!impl_ || (impl_->own_io && !impl_->thread.joinable())) return;
    asio::post(impl_->strand, [self = impl_] { self->close_all(); });
    // With its own thread: every coroutine now ends (sockets closed, timers cancelled), so the
    // io_context runs out of work and the thread returns.
    if (impl_->thread.joinable()) impl_->thread.join();
}

std::uint16_t gateway::port() const noexcept {
    return impl_->bound_port;
}

std::string gateway::origin() const {
    const bool v6 = impl_->params.address.find(':') != std::string::npos;
    return "https://" + (v6 ? "[" + impl_->params.address + "]" : impl_->params.address) + ":" + std::to_string(port());
}

const std::string& gateway::ca_pem() const noexcept {
    return impl_->ca;
}

neo::client_params gateway::client_params() const {
    neo::client_params p;
    p.gateway = neo::gateway::from_origin(origin());
    p.consumer_key = impl_->params.fixture.consumer_key;
    p.consumer_secret = impl_->params.fixture.consumer_secret;
    p.ca_pem = impl_->ca;
    return p;
}

void gateway::write_ca_file(const std::string& path) const {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        throw std::runtime_error("cannot create the CA file '" + detail::escape_text(path) +
                                 "': " + std::strerror(errno));
    const auto& ca = impl_->ca;
    bool ok = true;
    for (std::size_t off = 0; ok && off < ca.size();) {
        const auto n = ::write(fd, ca.data() + off, ca.size() - off);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) off += static_cast<std::size_t>(n);
    }
    ok = (::close(fd) == 0) && ok;
    if (!ok) throw std::runtime_error("cannot write the CA file '" + detail::escape_text(path) + "'");
}

void gateway::script(route r, std::vector<answer> answers) {
    std::lock_guard lock(impl_->mu);
    auto& q = impl_->scripts[r];
    for (auto& a : answers) q.push_back(std::move(a));
}

void gateway::script_connections(std::vector<fault> faults) {
    std::lock_guard lock(impl_->mu);
    for (auto f : faults) impl_->connection_script.push_back(f);
}

std::vector<recorded_request> gateway::requests() const {
    std::lock_guard lock(impl_->mu);
    return {impl_->records.begin(), impl_->records.end()};
}

std::size_t gateway::request_count(route r) const {
    std::lock_guard lock(impl_->mu);
    const auto it = impl_->counts.find(r);
    return it == impl_->counts.end() ? 0 : it->second;
}

std::size_t gateway::connections() const {
    std::lock_guard lock(impl_->mu);
    return impl_->accepted;
}

std::size_t gateway::handshakes() const {
    std::lock_guard lock(impl_->mu);
    return impl_->handshakes;
}

std::size_t gateway::resumed_handshakes() const {
    std::lock_guard lock(impl_->mu);
    return impl_->resumed;
}

std::size_t gateway::clean_closes() const {
    std::lock_guard lock(impl_->mu);
    return impl_->clean_closes;
}

std::size_t gateway::peak_concurrent_requests() const {
    std::lock_guard lock(impl_->mu);
    return impl_->peak_answering;
}

void gateway::reset_counters() {
    std::lock_guard lock(impl_->mu);
    impl_->first_record += impl_->records.size();  // answers still in flight find no record
    impl_->records.clear();
    impl_->counts.clear();
    impl_->scripts.clear();
    impl_->connection_script.clear();
    impl_->accepted = impl_->handshakes = impl_->resumed = 0;
    impl_->peak_answering = impl_->clean_closes = 0;
    impl_->rate.clear();
}

void gateway::reset() {
    reset_counters();
    std::lock_guard lock(impl_->mu);
    impl_->app_tokens.clear();
    impl_->sessions.clear();
    impl_->otp_sent.clear();
    impl_->issued.clear();
}

std::vector<std::string> gateway::issued_tokens() const {
    std::lock_guard lock(impl_->mu);
    return impl_->issued;
}

std::size_t gateway::live_sessions() const {
    std::lock_guard lock(impl_->mu);
    std::size_t n = 0;
    const auto now = steady::now();
    for (const auto& [sid, live] : impl_->sessions) n += now < live.expiry;
    return n;
}

}  // namespace neo::mock
