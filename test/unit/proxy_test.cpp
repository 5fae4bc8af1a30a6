// The proxy's pure parts: origins, NO_PROXY matching, the environment, the CONNECT request and
// what a proxy's status means. No sockets.
#include <neo/detail/proxy.hpp>
#include <neo/detail/request.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdlib>

using neo::errc;

BOOST_AUTO_TEST_SUITE(proxy_parts)

BOOST_AUTO_TEST_CASE(origins) {
    std::string host, port;
    BOOST_TEST(neo::detail::parse_proxy_origin("http://proxy.desk.example:3128", host, port).empty());
    BOOST_TEST(host == "proxy.desk.example");
    BOOST_TEST(port == "3128");
    BOOST_TEST(neo::detail::parse_proxy_origin("HTTP://10.0.0.1/", host, port).empty());
    BOOST_TEST(host == "10.0.0.1");
    BOOST_TEST(port == "80");
    BOOST_TEST(neo::detail::parse_proxy_origin("http://[::1]:8080", host, port).empty());
    BOOST_TEST(host == "::1");
    BOOST_TEST(port == "8080");
    for (const char* bad :
         {"", "https://p:1", "p:3128", "http://", "http://p:0", "http://p:65536", "http://p:x", "http://p:1/x",
          "http://u:pw@p:1", "http://[::1", "http://[zz]:1", "http://p q:1", "http://p:1?x"})
        BOOST_TEST(!neo::detail::parse_proxy_origin(bad, host, port).empty(), bad);
}

BOOST_AUTO_TEST_CASE(no_proxy_matches_names_their_subdomains_and_literals) {
    neo::proxy_settings p;
    BOOST_TEST(!p.applies_to("mis.kotaksecurities.com"));  // no origin: no proxy
    p.origin = "http://proxy:3128";
    BOOST_TEST(p.applies_to("mis.kotaksecurities.com"));
    p.no_proxy = " localhost, .kotaksecurities.com ,10.1.2.3,[::1]";
    BOOST_TEST(!p.applies_to("mis.kotaksecurities.com"));
    BOOST_TEST(!p.applies_to("KOTAKSECURITIES.COM"));
    BOOST_TEST(p.applies_to("notkotaksecurities.com"));  // a suffix is not a subdomain
    BOOST_TEST(!p.applies_to("localhost"));
    BOOST_TEST(!p.applies_to("10.1.2.3"));
    BOOST_TEST(p.applies_to("10.1.2.30"));
    BOOST_TEST(!p.applies_to("::1"));
    const neo::proxy_settings all{.origin = "http://proxy:3128", .no_proxy = "*"};
    BOOST_TEST(!all.applies_to("anything.example"));
}

// Every form of entry, as curl reads NO_PROXY (and Python's urllib its host:port entries): one row
// per (list, host, port), true when the connection goes through the proxy.
BOOST_AUTO_TEST_CASE(no_proxy_reads_every_form_as_curl_does) {
    struct row {
        const char* no_proxy;
        const char* host;
        const char* port;
        bool proxied;
    };
    const row rows[] = {
        // IP literals match exactly, never as a suffix.
        {"0.0.1", "127.0.0.1", "443", true},
        {"0.1", "127.0.0.1", "443", true},
        {"127.0.0.1", "127.0.0.1", "443", false},
        {"127.0.0.1", "127.0.0.10", "443", true},
        {"10.1.2.3", "10.1.2.30", "443", true},
        {"::1", "::1", "443", false},
        {"[::1]", "::1", "443", false},
        {"::1", "[::1]", "443", false},
        {"::1", "::2", "443", true},
        {"0:0:0:0:0:0:0:1", "::1", "443", false},  // the same address, written otherwise
        // CIDR, both families.
        {"127.0.0.0/8", "127.0.0.1", "443", false},
        {"127.0.0.0/8", "127.200.3.4", "443", false},
        {"127.0.0.0/8", "128.0.0.1", "443", true},
        {"10.1.2.0/24", "10.1.3.1", "443", true},
        {"10.1.2.0/23", "10.1.3.1", "443", false},
        {"0.0.0.0/0", "192.0.2.1", "443", false},
        {"192.0.2.1/32", "192.0.2.1", "443", false},
        {"192.0.2.1/32", "192.0.2.2", "443", true},
        {"::1/128", "::1", "443", false},
        {"::1/128", "::2", "443", true},
        {"fd00::/8", "fd12:3456::1", "443", false},
        {"fd00::/8", "fe80::1", "443", true},
        {"127.0.0.0/8", "::1", "443", true},       // another family
        {"127.0.0.0/33", "127.0.0.1", "443", true},  // no such prefix
        {"127.0.0.0/x", "127.0.0.1", "443", true},
        {"127.0.0.0/8", "localhost", "443", true},  // a name is not an address
        // Names: themselves and their subdomains, any case, a leading "." or "*." ignored.
        {"example.com", "example.com", "443", false},
        {"example.com", "api.example.com", "443", false},
        {"example.com", "notexample.com", "443", true},
        {".example.com", "example.com", "443", false},
        {".example.com", "a.b.example.com", "443", false},
        {"*.example.com", "a.example.com", "443", false},
        {"EXAMPLE.com", "Api.Example.COM", "443", false},
        {"example.com", "example.com.", "443", false},
        {"com", "127.0.0.1", "443", true},
        {"1", "127.0.0.1", "443", true},  // a name part never matches an address
        // host:port: that host on that port only.
        {"example.com:8443", "example.com", "8443", false},
        {"example.com:8443", "example.com", "443", true},
        {"127.0.0.1:443", "127.0.0.1", "443", false},
        {"127.0.0.1:443", "127.0.0.1", "8443", true},
        {"[::1]:443", "::1", "443", false},
        {"[::1]:443", "::1", "444", true},
        // Lists, spaces, empty entries, the wildcard.
        {" other.org , example.com ", "example.com", "443", false},
        {",,", "example.com", "443", true},
        {"*", "anything.example", "443", false},
        {"*", "10.0.0.1", "443", false},
        {"", "example.com", "443", true},
    };
    for (const auto& r : rows) {
        const neo::proxy_settings p{.origin = "http://proxy:3128", .no_proxy = r.no_proxy};
        BOOST_TEST(p.applies_to(r.host, r.port) == r.proxied,
                   "NO_PROXY='" << r.no_proxy << "' host " << r.host << " port " << r.port);
    }
    // Without a port, an entry that names one does not match.
    const neo::proxy_settings with_port{.origin = "http://proxy:3128", .no_proxy = "example.com:8443"};
    BOOST_TEST(with_port.applies_to("example.com"));
}

BOOST_AUTO_TEST_CASE(settings_from_the_environment) {
    ::unsetenv("HTTPS_PROXY");
    ::unsetenv("https_proxy");
    ::unsetenv("NO_PROXY");
    ::unsetenv("no_proxy");
    BOOST_TEST(neo::proxy_from_environment().origin.empty());
    ::setenv("https_proxy", "http://desk%40corp:p%3Ass@proxy.corp:3128", 1);
    ::setenv("no_proxy", "localhost,.corp", 1);
    auto p = neo::proxy_from_environment();
    BOOST_TEST(p.origin == "http://proxy.corp:3128");
    BOOST_TEST(p.user == "desk@corp");
    BOOST_TEST(p.password.reveal() == "p:ss");
    BOOST_TEST(p.no_proxy == "localhost,.corp");
    ::setenv("HTTPS_PROXY", "proxy2:8080", 1);  // the upper-case one wins; a bare host:port is http
    p = neo::proxy_from_environment();
    BOOST_TEST(p.origin == "http://proxy2:8080");
    BOOST_TEST(p.user.empty());
    for (const char* v : {"HTTPS_PROXY", "https_proxy", "no_proxy"}) ::unsetenv(v);
}

BOOST_AUTO_TEST_CASE(the_connect_request) {
    neo::proxy_settings p;
    p.origin = "http://proxy:3128";
    BOOST_TEST(neo::detail::connect_request("mis.kotaksecurities.com", "443", p, "neo-login/0.1") ==
               "CONNECT mis.kotaksecurities.com:443 HTTP/1.1\r\nHost: mis.kotaksecurities.com:443\r\n"
               "User-Agent: neo-login/0.1\r\n\r\n");
    p.user = "desk";
    p.password = "s3cret";
    BOOST_TEST(
        neo::detail::connect_request("::1", "8443", p, "") ==
        "CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\nProxy-Authorization: Basic ZGVzazpzM2NyZXQ=\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(what_a_proxy_status_means) {
    BOOST_TEST(!neo::detail::proxy_status_error(200));
    BOOST_TEST(!neo::detail::proxy_status_error(204));
    BOOST_TEST(neo::detail::proxy_status_error(407) == make_error_code(errc::proxy_auth_required));
    for (unsigned s : {502u, 503u, 504u})
        BOOST_TEST(neo::detail::proxy_status_error(s) == make_error_code(errc::proxy_unavailable));
    for (unsigned s : {100u, 301u, 400u, 403u, 404u, 405u, 500u})
        BOOST_TEST(neo::detail::proxy_status_error(s) == make_error_code(errc::proxy_refused));
}

BOOST_AUTO_TEST_SUITE_END()
