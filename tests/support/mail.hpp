// Building test mail: RFC 5322 messages with CRLF line endings.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tests/support/test_clock.hpp"

namespace embargo::test {

struct Mail {
    std::string from = "Eve Reporter <eve@example.net>";
    std::string to = "secalert@example.org";
    std::string subject = "Heap overflow in header parser";
    std::string message_id;  // without <>; generated when empty
    std::string in_reply_to;
    std::string references;  // space-separated ids without <>
    // The Date header; 10:00 on day 0 of the test timeline (test_clock.hpp).
    std::string date = test_rfc5322(0, "10:00");
    std::vector<std::pair<std::string, std::string>> headers;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body = "The header parser overflows its buffer on a 70000-byte header line.\n";
    std::string str() const;  // the whole message, CRLF
};

// Converts LF line endings to CRLF (leaves existing CRLF alone).
std::string crlf(const std::string& s);
std::string unique_message_id(const std::string& tag = "m");

}  // namespace embargo::test
