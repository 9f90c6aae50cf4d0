// Test fixture: a real HTTP(S) server (tests/support/webhook_receiver.py, on
// Python's http.server) on a free loopback port that records the body of
// every POST, with switches to refuse the first posts (a 500, a 404) and to
// serve HTTPS with a given certificate.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "tests/support/tempdir.hpp"

namespace embargo::test {

struct ReceivedPost {
    std::string path;          // request target, e.g. /hooks/general
    std::string content_type;  // the Content-Type header
    int status = 0;            // what the receiver answered
    std::string body;          // byte-exact
};

struct WebhookReceiverOptions {
    int fail_code = 0;              // answer POSTs with this status instead of 200
    int fail_count = 0;             // only the first N POSTs (0 = every one)
    std::string tls_cert, tls_key;  // PEM files: serve HTTPS
};

class WebhookReceiver {
  public:
    using Options = WebhookReceiverOptions;

    // Own TempDir and free port; listening on return.
    explicit WebhookReceiver(Options o = {});
    ~WebhookReceiver();
    WebhookReceiver(const WebhookReceiver&) = delete;
    WebhookReceiver& operator=(const WebhookReceiver&) = delete;

    int port() const { return port_; }
    // http(s)://127.0.0.1:PORT + path
    std::string url(const std::string& path) const;
    // Every POST answered so far (over restarts), refused ones included, in order.
    std::vector<ReceivedPost> posts() const;
    // Only those answered 200.
    std::vector<ReceivedPost> accepted() const;
    bool wait_for(std::size_t n, std::chrono::milliseconds timeout) const;

    void stop();
    // (Re)starts on the same port with new options.
    void start(Options o);

  private:
    bool launch(const Options& o);

    TempDir dir_;
    int port_ = 0;
    pid_t pid_ = -1;
    int launches_ = 0;
    bool tls_ = false;
};

}  // namespace embargo::test
