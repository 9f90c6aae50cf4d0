// Test mail construction.
#include "tests/support/mail.hpp"

#include <atomic>
#include <unistd.h>

namespace embargo::test {

std::string crlf(const std::string& s) {
    std::string out;
    out.reserve(s.size() + s.size() / 40);
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) out += '\r';
        out += s[i];
    }
    return out;
}

std::string unique_message_id(const std::string& tag) {
    static std::atomic<int> n{0};
    return tag + "." + std::to_string(getpid()) + "." + std::to_string(++n) + "@test.example";
}

std::string Mail::str() const {
    std::string m;
    m += "From: " + from + "\n";
    m += "To: " + to + "\n";
    m += "Subject: " + subject + "\n";
    m += "Date: " + date + "\n";
    m += "Message-ID: <" + (message_id.empty() ? unique_message_id() : message_id) + ">\n";
    if (!in_reply_to.empty()) m += "In-Reply-To: <" + in_reply_to + ">\n";
    if (!references.empty()) {
        m += "References:";
        size_t b = 0;
        while (b < references.size()) {
            size_t e = references.find(' ', b);
            if (e == std::string::npos) e = references.size();
            if (e > b) m += " <" + references.substr(b, e - b) + ">";
            b = e + 1;
        }
        m += "\n";
    }
    for (const auto& [k, v] : headers) m += k + ": " + v + "\n";
    m += "MIME-Version: 1.0\n";
    m += "Content-Type: " + content_type + "\n";
    m += "\n";
    m += body;
    return crlf(m);
}

}  // namespace embargo::test
