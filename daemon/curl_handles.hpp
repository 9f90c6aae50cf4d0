// Owning handles for libcurl objects and the one process-wide libcurl
// initialisation, shared by the IMAP, SMTP and webhook clients.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace embargo::curl {

struct EasyDeleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;

struct SlistDeleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

struct UrlDeleter {
    void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using UrlPtr = std::unique_ptr<CURLU, UrlDeleter>;

struct StringDeleter {
    void operator()(char* p) const { curl_free(p); }
};
using String = std::unique_ptr<char, StringDeleter>;

// curl_global_init is not thread-safe and must run once before any handle:
// one flag for the whole process (inline: a single instance across clients).
// False when libcurl could not initialise; the caller names what failed.
inline bool global_init() {
    static std::once_flag once;
    static bool ok = false;
    std::call_once(once, [] { ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; });
    return ok;
}

}  // namespace embargo::curl
