// Test fixture: a real SMTP server (aiosmtpd, tests/support/smtp_sink.py) on a
// free loopback port that stores every accepted message byte-exact, with
// switches for the failures an SMTP client must survive.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/tempdir.hpp"

namespace embargo::test {

struct ReceivedMail {
    std::string mail_from;           // envelope sender as given in MAIL FROM ("" for <>)
    std::vector<std::string> rcpts;  // envelope recipients, in RCPT order
    std::string raw;                 // the message bytes after dot-unstuffing
    int peer_port = 0;               // client's source port: same port = same connection
    // Value of the first header field `name` (case-insensitive), unfolded,
    // without leading blanks; "" when absent.
    std::string header(const std::string& name) const;
};

struct SmtpSinkOptions {
    std::string auth_user, auth_password;  // non-empty user: AUTH is required
    int refuse_code = 0;                   // 451 or 550: answer DATA with it
    int stall_seconds = 0;                 // sleep before answering DATA
    int fault_count = 0;                   // refuse/stall only the first N DATA (0 = every one)
    std::string tls_cert, tls_key;         // PEM files: STARTTLS offered and required
};

class SmtpSink {
  public:
    // Declared outside the class so that `Options o = {}` can be a default argument.
    using Options = SmtpSinkOptions;

    // Own TempDir and free port; started and accepting connections on return.
    explicit SmtpSink(Options o = {});
    ~SmtpSink();
    SmtpSink(const SmtpSink&) = delete;
    SmtpSink& operator=(const SmtpSink&) = delete;

    int port() const { return port_; }
    std::string url() const;  // smtp://127.0.0.1:PORT
    // Everything received so far (over restarts), in order of acceptance.
    std::vector<ReceivedMail> messages() const;
    bool wait_for(std::size_t n, std::chrono::milliseconds timeout) const;

    // Stops the server (connections are cut); messages stay readable.
    void stop();
    // (Re)starts on the same port with new options; stops first if running.
    void start(Options o);
    bool running() const { return pid_ > 0; }

  private:
    // Returns false when the server exited before listening (port taken).
    bool launch(const Options& o);

    TempDir dir_;
    int port_ = 0;
    pid_t pid_ = -1;
    int launches_ = 0;
};

}  // namespace embargo::test
