// libcurl calls on the forge API; see forge_client.hpp.
#include "daemon/forge_client.hpp"

#include <curl/curl.h>

#include <nlohmann/json.hpp>

#include "daemon/curl_handles.hpp"

namespace embargo::forge_http {
namespace {

struct Sink {
    std::string data;
    bool too_large = false;
};

size_t collect(char* data, size_t size, size_t n, void* user) {
    auto* s = static_cast<Sink*>(user);
    size_t len = size * n;
    if (s->data.size() + len > kMaxResponseBytes) {
        s->too_large = true;
        return 0;  // aborts the transfer
    }
    s->data.append(data, len);
    return len;
}

std::string printable(const std::string& s, std::size_t max) {
    std::string out;
    for (char ch : s) {
        if (out.size() >= max) {
            out += "...";
            break;
        }
        out += (ch >= 0x20 && ch < 0x7f) ? ch : ' ';
    }
    return out;
}

}  // namespace

std::string error_message(const std::string& body) {
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_object() && j.contains("message") && j["message"].is_string()) {
        std::string m = j["message"].get<std::string>();
        // Prism and GitHub name the offending field in "errors" or "validation".
        for (const char* key : {"errors", "validation"})
            if (j.contains(key) && j[key].is_array() && !j[key].empty()) {
                const auto& e = j[key].front();
                if (e.is_string())
                    m += ": " + e.get<std::string>();
                else if (e.is_object() && e.contains("message") && e["message"].is_string())
                    m += ": " + e["message"].get<std::string>();
            }
        return printable(m, 300);
    }
    return printable(body, 300);
}

Response call(const Settings& s, const std::string& method, const std::string& path,
              const std::string& json_body, const std::vector<std::string>& extra_headers,
              const std::string& what) {
    if (!curl::global_init())
        throw ForgeError(what +
                             ": libcurl initialisation failed; check the libcurl and OpenSSL "
                             "installation",
                         0, false);
    curl::EasyPtr easy(curl_easy_init());
    if (!easy) throw ForgeError(what + ": curl_easy_init failed (out of memory?)", 0, false);
    CURL* c = easy.get();
    const std::string url = s.api_url + path;
    const std::string auth = "Authorization: Bearer " + s.token;
    curl_slist* list = nullptr;
    // GitHub documents application/vnd.github+json, but its OpenAPI
    // description (and so a contract-checking mock) lists application/json
    // only; GitHub serves both the same.
    for (const std::string& h : {std::string("Accept: application/json"),
                                 std::string("X-GitHub-Api-Version: 2022-11-28"), auth})
        list = curl_slist_append(list, h.c_str());
    if (!json_body.empty()) list = curl_slist_append(list, "Content-Type: application/json");
    for (const auto& h : extra_headers) list = curl_slist_append(list, h.c_str());
    curl::SlistPtr headers(list);
    Sink reply;
    const long timeout_ms =
        static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(s.timeout).count());
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect would carry the token elsewhere
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method == "POST" || !json_body.empty()) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, json_body.data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json_body.size()));
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_USERAGENT, "embargo");  // GitHub refuses requests without one
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!s.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, s.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        if (reply.too_large)
            throw ForgeError(what + ": the answer is larger than " +
                                 std::to_string(kMaxResponseBytes) +
                                 " bytes; is forge.api_url "
                                 "the API?",
                             0, false);
        throw ForgeError(what + ": " + curl_easy_strerror(rc) +
                             "; check that forge.api_url is reachable (and forge.ca_file for a "
                             "private CA)",
                         0, false);
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) return Response{status, std::move(reply.data)};
    std::string message = error_message(reply.data);
    bool rate_limited =
        status == 429 || (status == 403 && message.find("rate limit") != std::string::npos);
    bool permanent = status >= 400 && status < 500 && status != 408 && !rate_limited;
    std::string hint;
    if (status == 401) hint = "; the token in forge.token_file was refused: renew it";
    if (status == 403 && !rate_limited)
        hint =
            "; the token lacks the permission (it needs repository administration or "
            "security advisories write access)";
    if (status == 404) hint = "; check forge.repository and that the token can see it";
    throw ForgeError(what + ": HTTP " + std::to_string(status) +
                         (message.empty() ? "" : " (" + message + ")") + hint,
                     status, permanent);
}

}  // namespace embargo::forge_http
