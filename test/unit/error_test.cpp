#include <neo/error.hpp>

#include <boost/asio/error.hpp>
#include <boost/test/unit_test.hpp>

using neo::condition;
using neo::errc;

BOOST_AUTO_TEST_SUITE(error)

BOOST_AUTO_TEST_CASE(codes_belong_to_their_conditions) {
    struct row {
        errc e;
        condition c;
    };
    const row rows[] = {
        {errc::no_identity, condition::invalid_input},
        {errc::invalid_gateway, condition::invalid_input},
        {errc::missing_credentials, condition::invalid_input},
        {errc::bad_request, condition::rejected},
        {errc::unauthorized, condition::rejected},
        {errc::rejected, condition::rejected},
        {errc::server_error, condition::rejected},
        {errc::rate_limited, condition::unavailable},
        {errc::service_unavailable, condition::unavailable},
        {errc::connection_failed, condition::unavailable},
        {errc::tls_verification_failed, condition::tls},
        {errc::tls_handshake_failed, condition::tls},
        {errc::malformed_response, condition::bad_response},
        {errc::redirect, condition::bad_response},
        {errc::truncated_response, condition::bad_response},
        {errc::timeout, condition::timed_out},
        {errc::deadline_exceeded, condition::timed_out},
        {errc::invalid_params, condition::invalid_input},
        {errc::invalid_proxy, condition::invalid_input},
        {errc::invalid_local_address, condition::invalid_input},
        {errc::proxy_auth_required, condition::rejected},
        {errc::proxy_refused, condition::rejected},
        {errc::proxy_unavailable, condition::unavailable},
        {errc::proxy_closed, condition::unavailable},
        {errc::proxy_protocol_error, condition::bad_response},
    };
    for (const auto& r : rows) {
        const boost::system::error_code ec = r.e;
        BOOST_TEST((ec == r.c), ec.message());
        BOOST_TEST(!ec.message().empty());
    }
    BOOST_TEST(std::string(neo::error_category().name()) == "neo.login");
    const boost::system::error_code aborted = boost::asio::error::operation_aborted;
    BOOST_TEST(!(aborted == condition::timed_out));
}

BOOST_AUTO_TEST_SUITE_END()
