// libcurl POST for webhooks; see webhook_client.hpp.
#include "daemon/webhook_client.hpp"

#include "daemon/curl_handles.hpp"

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace embargo::webhook {
namespace {

// Chat services answer with a short text ("ok", "invalid_token"); keep a
// little of it for the error message, never more.
size_t keep_reply(char* data, size_t size, size_t n, void* user) {
    auto* s = static_cast<std::string*>(user);
    size_t len = size * n;
    if (s->size() < 200) s->append(data, std::min(len, 200 - s->size()));
    return len;
}

}  // namespace

long post_json(const std::string& url, const std::string& json_body, const PostSettings& s,
               const std::string& label) {
    if (!curl::global_init())
        throw WebhookError(label +
                               ": libcurl initialisation failed; check the libcurl and "
                               "OpenSSL installation",
                           0, false);
    curl::EasyPtr easy(curl_easy_init());
    if (!easy) throw WebhookError(label + ": curl_easy_init failed (out of memory?)", 0, false);
    CURL* c = easy.get();
    curl::SlistPtr headers(curl_slist_append(nullptr, "Content-Type: application/json"));
    std::string reply;
    const long timeout_ms =
        static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(s.timeout).count());
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, json_body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json_body.size()));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_USERAGENT, "embargo");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!s.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, s.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_reply);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK)
        throw WebhookError(label + ": " + curl_easy_strerror(rc) +
                               "; check that the webhook host is reachable (and chat.ca_file "
                               "for a private CA)",
                           0, false);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) return status;
    bool permanent = status >= 400 && status < 500 && status != 408 && status != 429;
    std::string text;
    for (char ch : reply) text += (ch >= 0x20 && ch < 0x7f) ? ch : ' ';
    throw WebhookError(label + ": HTTP " + std::to_string(status) +
                           (text.empty() ? "" : " (" + text + ")") +
                           (permanent ? "; the webhook was refused: check the URL file" : ""),
                       status, permanent);
}

}  // namespace embargo::webhook
