// SMTP client on libcurl: settings validation, one reused easy handle, and the
// translation of libcurl results and server replies into SmtpError.
#include "daemon/smtp_client.hpp"

#include "daemon/curl_handles.hpp"

#include <curl/curl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>
#include <utility>

namespace embargo::smtp {

namespace {

constexpr std::size_t kMaxAddressBytes = 320;  // RFC 5321 path limit (256) with slack
constexpr std::size_t kMaxRecipients = 1000;
constexpr std::size_t kMaxReplyText = 200;

using curl::EasyPtr;
using curl::SlistPtr;
using curl::UrlPtr;

void global_init() {
    if (!curl::global_init())
        throw SmtpError(
            "libcurl initialisation failed (curl_global_init); check the libcurl and OpenSSL "
            "installation",
            0, false);
}

SmtpError settings_error(const std::string& what) {
    return SmtpError("SMTP settings: " + what, 0, false);
}

// Reads one part of a parsed URL; empty when the part is absent.
std::string url_part(CURLU* u, CURLUPart part, unsigned flags = 0) {
    char* out = nullptr;
    if (curl_url_get(u, part, &out, flags) != CURLUE_OK || !out) return {};
    std::string s(out);
    curl_free(out);
    return s;
}

bool is_loopback(const std::string& host) {
    return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]";
}

bool valid_helo_domain(const std::string& d) {
    if (d.empty() || d.size() > 253) return false;
    return std::all_of(d.begin(), d.end(),
                       [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '-'; });
}

// Server text goes into error messages and logs: printable ASCII, bounded.
std::string sanitize(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (out.size() >= kMaxReplyText) {
            out += "...";
            break;
        }
        out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    }
    return out;
}

// An envelope address is pasted by libcurl into "MAIL FROM:<%s>": anything that
// could end the path or the command line would let a caller inject SMTP.
bool valid_address(const std::string& a) {
    if (a.empty() || a.size() > kMaxAddressBytes) return false;
    return std::none_of(a.begin(), a.end(), [](unsigned char c) {
        return c <= 0x20 || c == 0x7f || c == '<' || c == '>';
    });
}

// SMTP needs CRLF line ends; a bare LF or CR would be sent as is by libcurl
// and read differently by different servers (the root of SMTP smuggling).
std::string normalize_line_ends(std::string_view m) {
    std::string out;
    out.reserve(m.size() + m.size() / 32 + 2);
    for (std::size_t i = 0; i < m.size(); ++i) {
        char c = m[i];
        if (c == '\r') {
            out += "\r\n";
            if (i + 1 < m.size() && m[i + 1] == '\n') ++i;
        } else if (c == '\n') {
            out += "\r\n";
        } else {
            out += c;
        }
    }
    return out;
}

bool needs_normalizing(std::string_view m) {
    for (std::size_t i = 0; i < m.size(); ++i) {
        if (m[i] == '\n' && (i == 0 || m[i - 1] != '\r')) return true;
        if (m[i] == '\r' && (i + 1 == m.size() || m[i + 1] != '\n')) return true;
    }
    return false;
}

// What libcurl said on the wire during one transfer, seen through its debug
// callback. Only command verbs are kept: AUTH exchanges carry credentials.
struct Trace {
    std::string last_command;  // EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, QUIT
    int rcpt_count = 0;        // RCPT commands sent, to name a refused recipient
    bool body_sent = false;
    bool auth_sent = false;
    bool quitting = false;
    int last_code = 0;
    std::string last_reply;  // sanitized text of the last reply line

    void reset() { *this = Trace{}; }
};

int debug_callback(CURL*, curl_infotype type, char* data, size_t size, void* userp) {
    auto* t = static_cast<Trace*>(userp);
    std::string_view line(data, size);
    if (type == CURLINFO_HEADER_OUT) {
        static constexpr std::string_view verbs[] = {"EHLO", "HELO", "STARTTLS", "AUTH", "MAIL",
                                                     "RCPT", "DATA", "QUIT",     "RSET", "NOOP"};
        std::string verb;
        for (char c : line.substr(0, line.find_first_of(" \r\n")))
            verb += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (std::find(std::begin(verbs), std::end(verbs), verb) == std::end(verbs)) return 0;
        // libcurl says QUIT after a failure; the failure is what we report.
        if (verb == "QUIT") t->quitting = true;
        if (t->quitting) return 0;
        t->last_command = verb;
        if (verb == "RCPT") ++t->rcpt_count;
        if (verb == "AUTH") t->auth_sent = true;
    } else if (type == CURLINFO_DATA_OUT) {
        t->body_sent = true;
    } else if (type == CURLINFO_HEADER_IN && !t->quitting) {
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
        if (line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0])) &&
            std::isdigit(static_cast<unsigned char>(line[1])) &&
            std::isdigit(static_cast<unsigned char>(line[2]))) {
            t->last_code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
            t->last_reply = sanitize(line);
        }
    }
    return 0;
}

struct Body {
    std::string_view data;
    std::size_t offset = 0;
};

size_t read_callback(char* buffer, size_t size, size_t nitems, void* userp) {
    auto* b = static_cast<Body*>(userp);
    std::size_t n = std::min(size * nitems, b->data.size() - b->offset);
    std::memcpy(buffer, b->data.data() + b->offset, n);
    b->offset += n;
    return n;
}

bool is_tls_error(CURLcode rc) {
    switch (rc) {
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_SSL_ENGINE_INITFAILED:
        case CURLE_SSL_SHUTDOWN_FAILED:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_SSL_CLIENTCERT:
            return true;
        default:
            return false;
    }
}

std::string stage_name(const std::string& command) {
    if (command.empty()) return "the greeting";
    if (command == "MAIL") return "MAIL FROM";
    if (command == "RCPT") return "RCPT TO";
    return command;
}

}  // namespace

struct Client::Handle {
    Trace trace;
    char errbuf[CURL_ERROR_SIZE] = {};
    // Last, so it is cleaned up first: the cleanup's QUIT still reports to
    // trace and errbuf.
    EasyPtr easy;
};

Client::Client(Settings s) : settings_(std::move(s)) {
    global_init();
    if (settings_.url.empty()) throw settings_error("[smtp] url is empty; set smtps://host[:port]");
    UrlPtr u(curl_url());
    if (!u) throw settings_error("out of memory parsing [smtp] url");
    if (curl_url_set(u.get(), CURLUPART_URL, settings_.url.c_str(), 0) != CURLUE_OK)
        throw settings_error("[smtp] url '" + sanitize(settings_.url) +
                             "' is not a valid URL; use smtps://host[:port] or smtp://host:port");
    std::string scheme = url_part(u.get(), CURLUPART_SCHEME);
    std::string host = url_part(u.get(), CURLUPART_HOST);
    if (scheme != "smtp" && scheme != "smtps")
        throw settings_error("[smtp] url must start with smtps:// or smtp://, not " +
                             sanitize(scheme) + "://");
    // The URL must not carry credentials: it shows up in messages and logs.
    if (!url_part(u.get(), CURLUPART_USER).empty() ||
        !url_part(u.get(), CURLUPART_PASSWORD).empty())
        throw settings_error(
            "[smtp] url contains a user name or password; put them in [smtp] username and "
            "password_file instead");
    std::string path = url_part(u.get(), CURLUPART_PATH);
    if ((path != "/" && !path.empty()) || !url_part(u.get(), CURLUPART_QUERY).empty() ||
        !url_part(u.get(), CURLUPART_FRAGMENT).empty())
        throw settings_error("[smtp] url must be just scheme://host[:port], without a path");
    server_ = host + ":" + url_part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
    if (!valid_helo_domain(settings_.helo_domain))
        throw settings_error("HELO domain '" + sanitize(settings_.helo_domain) +
                             "' is not a host name (letters, digits, '.', '-')");
    if (settings_.starttls && scheme == "smtps")
        throw settings_error(
            "starttls is for smtp:// URLs; smtps:// already uses TLS from the start");
    if (!settings_.username.empty() && scheme == "smtp" && !settings_.starttls &&
        !is_loopback(host))
        throw settings_error("refusing to send the password for " + server_ +
                             " unencrypted; use smtps:// or enable starttls");
    if (settings_.timeout <= std::chrono::seconds::zero())
        throw settings_error("timeout must be positive");
    // libcurl takes the EHLO name from the URL path.
    std::string p = "/" + settings_.helo_domain;
    if (curl_url_set(u.get(), CURLUPART_PATH, p.c_str(), 0) != CURLUE_OK)
        throw settings_error("cannot build the URL for " + server_);
    curl_url_ = url_part(u.get(), CURLUPART_URL);
}

Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

namespace {

void must(CURLcode rc, const char* option) {
    if (rc != CURLE_OK)
        throw SmtpError(std::string("libcurl rejected option ") + option + ": " +
                            curl_easy_strerror(rc) + "; is libcurl built with SMTP and TLS?",
                        0, false);
}

// Options every connection gets, whether for send() or check().
void configure(CURL* c, const Settings& s, const std::string& url, Trace* trace, char* errbuf) {
    long timeout_ms =
        static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(s.timeout).count());
    must(curl_easy_setopt(c, CURLOPT_URL, url.c_str()), "URL");
    must(curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps"), "PROTOCOLS_STR");
    must(curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L), "NOSIGNAL");
    must(curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf), "ERRORBUFFER");
    // Without these a dead or stalled server blocks the outbox forever.
    must(curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms), "CONNECTTIMEOUT_MS");
    must(curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms), "TIMEOUT_MS");
    must(curl_easy_setopt(c, CURLOPT_SERVER_RESPONSE_TIMEOUT, static_cast<long>(s.timeout.count())),
         "SERVER_RESPONSE_TIMEOUT");
    must(curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L), "TCP_KEEPALIVE");
    // VERBOSE only feeds debug_callback (never stderr); it is how replies and
    // the failing command are known.
    must(curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, debug_callback), "DEBUGFUNCTION");
    must(curl_easy_setopt(c, CURLOPT_DEBUGDATA, trace), "DEBUGDATA");
    must(curl_easy_setopt(c, CURLOPT_VERBOSE, 1L), "VERBOSE");
    must(curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L), "SSL_VERIFYPEER");
    must(curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L), "SSL_VERIFYHOST");
    must(curl_easy_setopt(c, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2), "SSLVERSION");
    if (!s.ca_file.empty()) must(curl_easy_setopt(c, CURLOPT_CAINFO, s.ca_file.c_str()), "CAINFO");
    if (s.starttls) must(curl_easy_setopt(c, CURLOPT_USE_SSL, CURLUSESSL_ALL), "USE_SSL");
    if (!s.username.empty()) {
        must(curl_easy_setopt(c, CURLOPT_USERNAME, s.username.c_str()), "USERNAME");
        must(curl_easy_setopt(c, CURLOPT_PASSWORD, s.password.c_str()), "PASSWORD");
    }
}

// Builds the SmtpError for a failed transfer. Never includes the password:
// only libcurl's error text (which has none), the server's reply, the host.
SmtpError failure(CURLcode rc, const Trace& t, const char* errbuf, const Settings& s,
                  const std::string& server, const std::vector<std::string>* recipients) {
    std::string detail = errbuf[0] ? sanitize(errbuf) : std::string(curl_easy_strerror(rc));
    std::string at = "SMTP server " + server;
    int code = t.last_code >= 400 ? t.last_code : 0;
    switch (rc) {
        case CURLE_COULDNT_RESOLVE_HOST:
            return SmtpError(
                at + ": cannot resolve the host name (" + detail + "); check [smtp] url and DNS", 0,
                false);
        case CURLE_COULDNT_CONNECT:
            return SmtpError(at + ": cannot connect (" + detail +
                                 "); check [smtp] url and that the server is running and "
                                 "reachable",
                             0, false);
        case CURLE_OPERATION_TIMEDOUT: {
            std::string what = at + ": no answer within " + std::to_string(s.timeout.count()) +
                               " s (after " + stage_name(t.last_command) + ")";
            if (t.body_sent) what += "; the message was sent and may or may not have been accepted";
            return SmtpError(what + "; check that the server is reachable and not overloaded", 0,
                             false);
        }
        case CURLE_LOGIN_DENIED:
            return SmtpError(at + " refused login as '" + sanitize(s.username) + "'" +
                                 (code ? " (" + t.last_reply + ")" : std::string()) +
                                 "; check [smtp] username and password_file",
                             code, false);
        case CURLE_USE_SSL_FAILED:
            return SmtpError(at + " does not offer STARTTLS (" + detail +
                                 "); use smtps:// or a server that supports STARTTLS",
                             0, false);
        default:
            break;
    }
    if (is_tls_error(rc))
        return SmtpError(at + ": TLS failed (" + detail +
                             "); check that the server certificate matches the host name and "
                             "is signed by a CA in the system store or [smtp] ca_file",
                         0, false);
    if (code) {
        bool about_message =
            t.last_command == "MAIL" || t.last_command == "RCPT" || t.last_command == "DATA";
        std::string what = at + " refused " + stage_name(t.last_command);
        if (t.last_command == "RCPT" && recipients && t.rcpt_count >= 1 &&
            static_cast<std::size_t>(t.rcpt_count) <= recipients->size())
            what +=
                " <" + sanitize((*recipients)[static_cast<std::size_t>(t.rcpt_count - 1)]) + ">";
        what += ": " + t.last_reply;
        // 530 is about the session (no AUTH or no STARTTLS yet), not the message.
        if (code == 530)
            return SmtpError(what +
                                 "; the server wants a login or TLS first: check [smtp] "
                                 "username, password_file and starttls",
                             code, false);
        if (about_message && code >= 500)
            return SmtpError(what +
                                 "; the server will not take this message: check the "
                                 "addresses and the message",
                             code, true);
        if (code >= 500)
            return SmtpError(what + "; check [smtp] settings and the server", code, false);
        return SmtpError(what + "; temporary, try again later", code, false);
    }
    return SmtpError(at + ": " + detail + " (during " + stage_name(t.last_command) +
                         "); check the server and [smtp] settings",
                     0, false);
}

}  // namespace

void Client::send(const std::string& envelope_from, const std::vector<std::string>& recipients,
                  std::string_view message) {
    // Bad input can never succeed: permanent, so the outbox stops retrying.
    if (!envelope_from.empty() && !valid_address(envelope_from))
        throw SmtpError("SMTP: envelope sender is not a plain address (" +
                            sanitize(envelope_from.substr(0, 80)) + "); check [smtp] from",
                        0, true);
    if (recipients.empty())
        throw SmtpError("SMTP: a message needs at least one recipient", 0, true);
    if (recipients.size() > kMaxRecipients)
        throw SmtpError("SMTP: more than " + std::to_string(kMaxRecipients) +
                            " recipients in one message; split it",
                        0, true);
    SlistPtr rcpts;
    for (const auto& r : recipients) {
        if (!valid_address(r))
            throw SmtpError(
                "SMTP: recipient is not a plain address (" + sanitize(r.substr(0, 80)) + ")", 0,
                true);
        curl_slist* next = curl_slist_append(rcpts.get(), r.c_str());
        if (!next) throw SmtpError("SMTP: out of memory building the recipient list", 0, false);
        (void)rcpts.release();
        rcpts.reset(next);
    }
    std::string normalized;
    if (needs_normalizing(message)) {
        normalized = normalize_line_ends(message);
        message = normalized;
    }

    if (!handle_) {
        auto h = std::make_unique<Handle>();
        h->easy.reset(curl_easy_init());
        if (!h->easy) throw SmtpError("SMTP: curl_easy_init failed (out of memory?)", 0, false);
        configure(h->easy.get(), settings_, curl_url_, &h->trace, h->errbuf);
        handle_ = std::move(h);
    }
    CURL* c = handle_->easy.get();
    Body body{message, 0};
    std::string from = envelope_from.empty() ? std::string("<>") : envelope_from;
    must(curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str()), "MAIL_FROM");
    must(curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts.get()), "MAIL_RCPT");
    must(curl_easy_setopt(c, CURLOPT_READFUNCTION, read_callback), "READFUNCTION");
    must(curl_easy_setopt(c, CURLOPT_READDATA, &body), "READDATA");
    must(curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size())),
         "INFILESIZE_LARGE");
    must(curl_easy_setopt(c, CURLOPT_UPLOAD, 1L), "UPLOAD");
    handle_->trace.reset();
    handle_->errbuf[0] = '\0';
    CURLcode rc = curl_easy_perform(c);
    // The handle must not keep pointers to this call's locals.
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, nullptr);
    curl_easy_setopt(c, CURLOPT_READDATA, nullptr);
    if (rc == CURLE_OK) return;
    SmtpError err = failure(rc, handle_->trace, handle_->errbuf, settings_, server_, &recipients);
    // A connection that saw an error may be mid-transaction (libcurl then gets
    // "503 nested MAIL"), or still waiting for a stalled server: libcurl keeps
    // it after a timeout once the body was sent, and its cleanup would send
    // QUIT and wait for the reply once more. Cut it so that the cleanup's QUIT
    // fails at once; the next send connects afresh.
    curl_socket_t sock = CURL_SOCKET_BAD;
    if (curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &sock) == CURLE_OK && sock != CURL_SOCKET_BAD)
        ::shutdown(sock, SHUT_RDWR);
    handle_.reset();
    throw err;
}

void Client::check() {
    Handle h;
    h.easy.reset(curl_easy_init());
    if (!h.easy) throw SmtpError("SMTP: curl_easy_init failed (out of memory?)", 0, false);
    configure(h.easy.get(), settings_, curl_url_, &h.trace, h.errbuf);
    // CONNECT_ONLY stops after the protocol handshake: greeting, EHLO,
    // STARTTLS and AUTH. The handle's cleanup then says QUIT.
    must(curl_easy_setopt(h.easy.get(), CURLOPT_CONNECT_ONLY, 1L), "CONNECT_ONLY");
    CURLcode rc = curl_easy_perform(h.easy.get());
    if (rc != CURLE_OK) throw failure(rc, h.trace, h.errbuf, settings_, server_, nullptr);
    // libcurl silently skips AUTH when the server offers none it supports.
    if (!settings_.username.empty() && !h.trace.auth_sent)
        throw SmtpError("SMTP server " + server_ +
                            " offers no login (AUTH) although [smtp] username is set; check "
                            "the URL and starttls (many servers offer AUTH only over TLS)",
                        0, false);
}

}  // namespace embargo::smtp
