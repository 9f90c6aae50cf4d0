// HTTP(S) POST of a JSON body to a webhook, over libcurl with certificate
// and host name checks always on. Used by the chat sender.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

namespace embargo::webhook {

// A failed POST. `permanent` when retrying cannot help (a 4xx other than
// 408/429: a revoked or mistyped webhook); transport errors and 5xx are not.
class WebhookError : public std::runtime_error {
  public:
    WebhookError(const std::string& what, long status, bool permanent)
        : std::runtime_error(what), status_(status), permanent_(permanent) {}
    long status() const { return status_; }
    bool permanent() const { return permanent_; }

  private:
    long status_;
    bool permanent_;
};

struct PostSettings {
    std::string ca_file;  // extra CA bundle; empty: the system store
    std::chrono::seconds timeout{30};
};

// POSTs `json_body` to `url` as application/json; returns the HTTP status
// (2xx) or throws WebhookError. Error texts never contain the URL (a secret)
// but name the target as `label`.
long post_json(const std::string& url, const std::string& json_body, const PostSettings& s,
               const std::string& label);

}  // namespace embargo::webhook
