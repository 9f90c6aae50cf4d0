// Building test mail: RFC 5322 messages with CRLF line endings.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace embargo::test {

struct Mail {
    std::string from = "Eve Reporter <eve@example.net>";
    std::string to = "secalert@example.org";
    std::string subject = "Heap overflow in header parser";
    std::string message_id;  // without <>; generated when empty
    std::string in_reply_to;
    std::string references;  // space-separated ids without <>
    std::string date = "Tue, 24 Nov 2026 10:00:00 +0000";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body = "The header parser overflows its buffer on a 70000-byte header line.\n";
    std::string str() const;  // the whole message, CRLF
};

// Converts LF line endings to CRLF (leaves existing CRLF alone).
std::string crlf(const std::string& s);
std::string unique_message_id(const std::string& tag = "m");

}  // namespace embargo::test
