// HTTPS calls on the forge's REST API (GitHub's), over libcurl with
// certificate and host name checks always on. The token goes only into the
// Authorization header: no error text, log line or exception ever holds it.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace embargo::forge_http {

// A failed call. `permanent` when repeating it cannot help: the forge
// understood and refused it (4xx other than 408, 429 and a rate limit), so
// the job is parked for the operator; transport errors and 5xx are retried.
class ForgeError : public std::runtime_error {
  public:
    ForgeError(const std::string& what, long status, bool permanent)
        : std::runtime_error(what), status_(status), permanent_(permanent) {}
    long status() const { return status_; }
    bool permanent() const { return permanent_; }

  private:
    long status_;
    bool permanent_;
};

struct Settings {
    std::string api_url;  // https://api.github.com, without a trailing '/'
    std::string token;    // never logged
    std::string ca_file;  // extra CA bundle; empty: the system store
    std::chrono::seconds timeout{30};
};

struct Response {
    long status = 0;
    std::string body;  // at most kMaxResponseBytes
};

// Forge answers are small JSON objects (a fork's is ~10 KB); more is not one.
constexpr std::size_t kMaxResponseBytes = 1 << 20;

// `method` `api_url + path` with `json_body` (none when empty), the token,
// `Accept: application/json` and GitHub's API version; `extra_headers` are
// added as given. Returns a 2xx response or throws ForgeError, whose text
// names `what` (e.g. "forge: create advisory") and the forge's own message.
Response call(const Settings& s, const std::string& method, const std::string& path,
              const std::string& json_body, const std::vector<std::string>& extra_headers,
              const std::string& what);

// The "message" of a forge error answer (GitHub: {"message": ..., "errors": [...]}),
// printable ASCII, at most 300 characters; the raw text when it is not JSON.
std::string error_message(const std::string& body);

}  // namespace embargo::forge_http
