// libcurl-based IMAP client. libcurl drives the protocol (login, SELECT,
// literal framing); the untagged answers of custom commands are parsed by
// parsers/imap_response. See NOTES-toolchain.md "libcurl IMAP" for the quirks
// this works around.
#include "daemon/imap_client.hpp"

#include "daemon/curl_handles.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "parsers/imap_response.hpp"

namespace embargo::imap {
namespace {

// Answers to our own commands (SEARCH, FETCH attributes, LIST) are small; a
// server streaming more than this is broken or hostile.
constexpr std::size_t kMaxResponseBytes = 32u << 20;
// libcurl 7.88 counts the response lines of one command against its 300 KB
// header limit roughly quadratically (~40 x lines^2 bytes for FETCH lines):
// 100 FETCH lines already fail with "Too large response headers".
constexpr std::size_t kFetchBatch = 25;
// libcurl 7.88 silently drops the middle of a response line longer than its
// 64 KB buffer (rc 0, UIDs missing). SEARCH over at most this many UIDs
// keeps the line below 22 KB.
constexpr std::uint32_t kSearchWindow = 2000;

using CurlString = curl::String;

void global_init() {
    if (!curl::global_init())
        throw ImapError(
            "libcurl initialisation failed (curl_global_init); check the libcurl "
            "and OpenSSL installation");
}

std::optional<std::string> url_part(CURLU* u, CURLUPart part, unsigned flags = 0) {
    char* out = nullptr;
    if (curl_url_get(u, part, &out, flags) != CURLUE_OK || !out) return std::nullopt;
    CurlString holder(out);
    return std::string(out);
}

bool is_loopback(const std::string& host) {
    return host == "localhost" || host.rfind("127.", 0) == 0 || host == "[::1]";
}

std::string percent_encode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(hex[u >> 4]);
            out.push_back(hex[u & 15]);
        }
    }
    return out;
}

bool icontains(std::string_view hay, std::string_view needle) {
    auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) ==
               std::tolower(static_cast<unsigned char>(b));
    });
    return it != hay.end();
}

// Commands whose name we remember to explain a failure. Anything else (SASL
// continuation lines carry the base64 password) is never looked at further.
constexpr std::array<std::string_view, 14> kKnownVerbs = {
    "CAPABILITY", "STARTTLS", "AUTHENTICATE", "LOGIN", "SELECT", "EXAMINE", "STATUS",
    "NOOP",       "LIST",     "CREATE",       "UID",   "FETCH",  "SEARCH",  "LOGOUT"};

}  // namespace

struct Client::State {
    Settings settings;
    std::string base;     // "imap://host:port", no path
    std::string server;   // "host:port" for messages
    std::string mailbox;  // decoded name
    curl::EasyPtr curl;
    std::set<std::string> known_mailboxes;  // move targets known to exist

    // Per-call state, reset by perform().
    std::string body;
    std::size_t limit = 0;
    bool check_announced = false;  // fetch: compare the literal size with limit
    bool too_large = false;
    std::uint64_t announced = 0;
    std::string last_verb;    // verb of the last command sent
    std::string failed_verb;  // command the server answered with NO/BAD
    std::optional<TaggedResponse> failure;
    std::array<char, CURL_ERROR_SIZE> errbuf{};

    std::string mailbox_url() const { return base + "/" + percent_encode(mailbox); }

    static std::size_t on_write(char* ptr, std::size_t size, std::size_t n, void* ud) {
        auto* st = static_cast<State*>(ud);
        std::size_t len = size * n;
        if (st->check_announced) {
            st->check_announced = false;
            curl_off_t cl = -1;
            curl_easy_getinfo(st->curl.get(), CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
            if (cl >= 0) {
                st->announced = static_cast<std::uint64_t>(cl);
                if (st->announced > st->limit) {
                    st->too_large = true;
                    return 0;  // aborts the transfer; libcurl drops the connection
                }
                st->body.reserve(static_cast<std::size_t>(cl));
            }
        }
        if (len > st->limit - st->body.size()) {
            st->too_large = true;
            return 0;
        }
        st->body.append(ptr, len);
        return len;
    }

    static std::size_t on_header(char* ptr, std::size_t size, std::size_t n, void* ud) {
        auto* st = static_cast<State*>(ud);
        std::size_t len = size * n;
        auto tagged = parse_tagged(std::string_view(ptr, len));
        if (tagged && tagged->status != "OK") {
            st->failure = std::move(tagged);
            st->failed_verb = st->last_verb;
        }
        return len;
    }

    static int on_debug(CURL*, curl_infotype type, char* data, std::size_t size, void* ud) {
        if (type != CURLINFO_HEADER_OUT) return 0;
        auto* st = static_cast<State*>(ud);
        std::string_view line(data, size);
        std::size_t sp = line.find(' ');
        if (sp == std::string_view::npos) return 0;
        std::string_view rest = line.substr(sp + 1);
        std::string_view verb = rest.substr(0, rest.find_first_of(" \r\n"));
        for (std::string_view known : kKnownVerbs) {
            if (verb == known) {
                st->last_verb = std::string(known);
                if (known == "UID") {
                    std::string_view sub = rest.substr(verb.size());
                    if (!sub.empty()) sub.remove_prefix(1);
                    sub = sub.substr(0, sub.find_first_of(" \r\n"));
                    for (std::string_view s : {"FETCH", "SEARCH", "MOVE", "STORE", "COPY"}) {
                        if (sub == s) st->last_verb += " " + std::string(s);
                    }
                }
            }
        }
        return 0;
    }

    std::string hint(CURLcode rc) const {
        switch (rc) {
            case CURLE_COULDNT_RESOLVE_HOST:
                return "check the host name in the [imap] url and DNS";
            case CURLE_COULDNT_CONNECT:
                return "check that the IMAP server is running and that the [imap] url has the "
                       "right host and port";
            case CURLE_OPERATION_TIMEDOUT:
                return "the server did not answer within " +
                       std::to_string(settings.timeout.count()) +
                       " s; check the server and the network";
            case CURLE_LOGIN_DENIED:
                if (failed_verb == "SELECT" || failed_verb == "EXAMINE") {
                    return "the mailbox cannot be opened: check the mailbox in the [imap] url";
                }
                return "authentication failed: check the [imap] username and password_file";
            case CURLE_USE_SSL_FAILED:
                return "the server does not offer STARTTLS: use imaps:// or enable STARTTLS on "
                       "the server";
            case CURLE_PEER_FAILED_VERIFICATION:
            case CURLE_SSL_CONNECT_ERROR:
            case CURLE_SSL_CACERT_BADFILE:
            case CURLE_SSL_CERTPROBLEM:
                return "TLS failed: check that the server certificate is valid for this host "
                       "name, or point ca_file at the CA that signed it";
            case CURLE_REMOTE_FILE_NOT_FOUND:
                return "the message or mailbox does not exist (any more)";
            case CURLE_QUOTE_ERROR:
                return "the server refused the command; see its answer and its log";
            case CURLE_SEND_ERROR:
            case CURLE_RECV_ERROR:
            case CURLE_GOT_NOTHING:
                return "the connection broke; the next attempt reconnects (check the server "
                       "log if this repeats)";
            default:
                return "check the server log and the [imap] settings";
        }
    }

    std::string describe(const std::string& op, CURLcode rc) const {
        std::string msg = "IMAP " + op + " on " + server + " failed: " + curl_easy_strerror(rc);
        if (errbuf[0] != '\0' && std::string_view(errbuf.data()) != curl_easy_strerror(rc)) {
            msg += " (" + sanitize_for_message(errbuf.data(), 200) + ")";
        }
        if (failure) {
            msg += "; the server answered " + (failed_verb.empty() ? "a command" : failed_verb) +
                   " with " + failure->status;
            if (!failure->code.empty()) msg += " [" + failure->code + "]";
            if (!failure->text.empty()) msg += ": " + failure->text;
        }
        return msg + ". " + hint(rc);
    }

    void reset_call(std::size_t max_bytes, bool fetch) {
        body.clear();
        limit = max_bytes;
        check_announced = fetch;
        too_large = false;
        announced = 0;
        last_verb.clear();
        failed_verb.clear();
        failure.reset();
        errbuf[0] = '\0';
    }

    // Runs one libcurl transfer and returns what the write callback received.
    // A reused connection the server has closed meanwhile (idle timeout,
    // restart) fails on first use; that case is retried once on a new one.
    std::string perform(const std::string& op, const std::string& url, const std::string& custom,
                        std::size_t max_bytes = kMaxResponseBytes, bool fetch = false,
                        std::uint32_t uid = 0) {
        CURL* h = curl.get();
        curl_easy_setopt(h, CURLOPT_URL, url.c_str());
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, custom.empty() ? nullptr : custom.c_str());
        CURLcode rc = CURLE_OK;
        for (int attempt = 0; attempt < 2; ++attempt) {
            reset_call(max_bytes, fetch);
            curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, attempt > 0 ? 1L : 0L);
            rc = curl_easy_perform(h);
            if (rc == CURLE_OK) break;
            long new_connections = 0;
            curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &new_connections);
            bool stale =
                new_connections == 0 && (rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR ||
                                         rc == CURLE_GOT_NOTHING || rc == CURLE_WEIRD_SERVER_REPLY);
            if (!stale || too_large) break;
        }
        curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 0L);
        if (rc == CURLE_OK) return std::move(body);
        if (too_large && fetch) {
            std::string what = "IMAP " + op + " on " + server + ": message UID " +
                               std::to_string(uid) + " is larger than the limit of " +
                               std::to_string(limit) + " bytes";
            if (announced > 0) what += " (" + std::to_string(announced) + " bytes)";
            throw ImapTooLarge(what + "; raise [limits] max_message_bytes to accept it", announced,
                               limit, body.size());
        }
        if (too_large) {
            throw ImapError("IMAP " + op + " on " + server + " failed: the server sent more than " +
                            std::to_string(limit) + " bytes in answer; check the server");
        }
        if (fetch && rc == CURLE_REMOTE_FILE_NOT_FOUND) {
            throw ImapNoSuchMessage("IMAP " + op + " on " + server + ": mailbox " + mailbox +
                                    " holds no message with UID " + std::to_string(uid) +
                                    " (expunged or moved meanwhile)");
        }
        throw ImapError(describe(op, rc));
    }

    template <typename F>
    auto parse(const std::string& op, F&& f) const {
        try {
            return f();
        } catch (const ImapParseError& e) {
            throw ImapError("IMAP " + op + " on " + server +
                            ": the server's answer is not valid IMAP: " + e.what() +
                            ". Check the server software");
        }
    }
};

Client::Client(Settings s) : st_(std::make_unique<State>()) {
    global_init();
    State& st = *st_;
    st.settings = std::move(s);
    const Settings& set = st.settings;
    // The URL is never quoted in messages: it might carry a password.
    auto bad = [](const std::string& why) {
        return ImapError("invalid [imap] url: " + why +
                         "; expected imap://host[:port]/MAILBOX or imaps://host[:port]/MAILBOX");
    };
    curl::UrlPtr u(curl_url());
    if (!u) throw ImapError("out of memory parsing the [imap] url");
    if (CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, set.url.c_str(), 0); rc != CURLUE_OK) {
        throw bad(curl_url_strerror(rc));
    }
    std::string scheme = url_part(u.get(), CURLUPART_SCHEME).value_or("");
    if (scheme != "imap" && scheme != "imaps") throw bad("the scheme must be imap or imaps");
    if (url_part(u.get(), CURLUPART_USER) || url_part(u.get(), CURLUPART_PASSWORD) ||
        url_part(u.get(), CURLUPART_OPTIONS)) {
        throw bad("it must not contain credentials (use username and password_file)");
    }
    if (url_part(u.get(), CURLUPART_QUERY) || url_part(u.get(), CURLUPART_FRAGMENT)) {
        throw bad("it must not contain a query or fragment");
    }
    std::string host = url_part(u.get(), CURLUPART_HOST).value_or("");
    std::string port = url_part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT).value_or("");
    if (host.empty() || port.empty()) throw bad("it has no host");
    std::string raw_path = url_part(u.get(), CURLUPART_PATH).value_or("/");
    if (raw_path.find(';') != std::string::npos) {
        throw bad("the mailbox must not contain ';' parameters (write %3B for a literal ';')");
    }
    std::string path = url_part(u.get(), CURLUPART_PATH, CURLU_URLDECODE).value_or("/");
    while (!path.empty() && path.front() == '/') path.erase(0, 1);
    if (!path.empty() && path.back() == '/') path.pop_back();
    st.mailbox = path.empty() ? "INBOX" : path;
    try {
        quote_mailbox(st.mailbox);
    } catch (const ImapParseError& e) {
        throw bad(e.what());
    }
    if (scheme == "imap" && !set.starttls && !is_loopback(host)) {
        throw ImapError("[imap] url uses imap:// to " + host +
                        " without starttls: the password would cross the network in clear "
                        "text. Use imaps://, set starttls, or a loopback host");
    }
    if (set.timeout <= std::chrono::seconds{0}) {
        throw ImapError("[imap] timeout must be at least 1 second");
    }
    st.base = scheme + "://" + host + ":" + port;
    st.server = host + ":" + port;

    st.curl.reset(curl_easy_init());
    if (!st.curl) throw ImapError("curl_easy_init failed (out of memory?)");
    CURL* h = st.curl.get();
    long secs = static_cast<long>(set.timeout.count());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "imap,imaps");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERNAME, set.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, set.password.c_str());
    curl_easy_setopt(h, CURLOPT_USE_SSL,
                     set.starttls || scheme == "imaps" ? static_cast<long>(CURLUSESSL_ALL)
                                                       : static_cast<long>(CURLUSESSL_NONE));
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!set.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, set.ca_file.c_str());
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, secs);
    curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, secs);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, secs);
    // A server dripping one byte at a time defeats the low-speed check.
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10 * secs);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &State::on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &st);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &State::on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &st);
    // VERBOSE only feeds on_debug, which notes command names for messages.
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, &State::on_debug);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, &st);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, st.errbuf.data());
}

Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

const std::string& Client::server() const {
    return st_->server;
}
const std::string& Client::mailbox() const {
    return st_->mailbox;
}

MailboxStatus Client::status() {
    State& st = *st_;
    std::string op = "STATUS of mailbox " + st.mailbox;
    // NOOP first: Dovecot answers STATUS for the mailbox selected on this
    // connection from its view, which only a NOOP brings up to date (new
    // UIDVALIDITY included).
    st.perform(op, st.mailbox_url(), "NOOP");
    std::string body =
        st.perform(op, st.base + "/",
                   "STATUS " + quote_mailbox(st.mailbox) + " (UIDVALIDITY UIDNEXT MESSAGES)");
    StatusData d = st.parse(op, [&] { return parse_status(body, st.mailbox); });
    if (!d.uidvalidity || !d.uidnext || !d.messages) {
        throw ImapError("IMAP " + op + " on " + st.server +
                        ": the server's answer lacks UIDVALIDITY, UIDNEXT or MESSAGES. Check the "
                        "server software");
    }
    return MailboxStatus{*d.uidvalidity, *d.uidnext, *d.messages};
}

std::vector<std::uint32_t> Client::uids_from(std::uint32_t first_uid) {
    State& st = *st_;
    if (first_uid == 0) first_uid = 1;
    std::string op = "search for UIDs from " + std::to_string(first_uid) + " in " + st.mailbox;
    // Without the NOOP a reused connection keeps the old view of the mailbox.
    st.perform(op, st.mailbox_url(), "NOOP");
    // "n:*" always contains the highest UID (RFC 3501 6.4.8: even when it is
    // below n), so this answers with that single UID: the end of the scan.
    std::string top = st.perform(op, st.mailbox_url(), "UID SEARCH UID 4294967295:*");
    std::vector<std::uint32_t> highest = st.parse(op, [&] { return parse_search(top); });
    std::vector<std::uint32_t> uids;
    if (highest.empty() || highest.back() < first_uid) return uids;
    std::uint32_t last = highest.back();
    for (std::uint64_t from = first_uid; from <= last; from += kSearchWindow) {
        auto to =
            static_cast<std::uint32_t>(std::min<std::uint64_t>(from + kSearchWindow - 1, last));
        std::string body =
            st.perform(op, st.mailbox_url(),
                       "UID SEARCH UID " + std::to_string(from) + ":" + std::to_string(to));
        for (std::uint32_t u : st.parse(op, [&] { return parse_search(body); })) {
            // Anything outside the window is not an answer to this search.
            if (u >= from && u <= to) uids.push_back(u);
        }
    }
    return uids;
}

std::vector<MessageInfo> Client::info(const std::vector<std::uint32_t>& uids) {
    State& st = *st_;
    std::vector<std::uint32_t> wanted = uids;
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    std::erase(wanted, 0u);
    std::vector<MessageInfo> out;
    for (std::size_t i = 0; i < wanted.size(); i += kFetchBatch) {
        std::vector<std::uint32_t> batch(
            wanted.begin() + static_cast<std::ptrdiff_t>(i),
            wanted.begin() + static_cast<std::ptrdiff_t>(std::min(i + kFetchBatch, wanted.size())));
        std::string op =
            "UID FETCH of " + std::to_string(batch.size()) + " message(s) in " + st.mailbox;
        std::string body =
            st.perform(op, st.mailbox_url(),
                       "UID FETCH " + uid_set(batch) + " (UID INTERNALDATE RFC822.SIZE)");
        for (const FetchData& f : st.parse(op, [&] { return parse_fetch(body); })) {
            // Unsolicited data for other messages is not ours to report.
            if (std::binary_search(batch.begin(), batch.end(), f.uid)) {
                out.push_back(MessageInfo{f.uid, f.internaldate, f.size});
            }
        }
    }
    return out;
}

std::string Client::fetch(std::uint32_t uid, std::size_t max_bytes) {
    State& st = *st_;
    return st.perform("fetch of UID " + std::to_string(uid) + " in " + st.mailbox,
                      st.mailbox_url() + ";UID=" + std::to_string(uid), "", max_bytes, true, uid);
}

std::string Client::fetch_header(std::uint32_t uid, std::size_t max_bytes) {
    State& st = *st_;
    return st.perform("header fetch of UID " + std::to_string(uid) + " in " + st.mailbox,
                      st.mailbox_url() + ";UID=" + std::to_string(uid) + ";SECTION=HEADER", "",
                      max_bytes, true, uid);
}

void Client::move(std::uint32_t uid, const std::string& mailbox) {
    State& st = *st_;
    std::string op = "move of UID " + std::to_string(uid) + " from " + st.mailbox + " to " +
                     sanitize_for_message(mailbox);
    std::string quoted;
    try {
        quoted = quote_mailbox(mailbox);
    } catch (const ImapParseError& e) {
        throw ImapError("IMAP " + op + ": invalid target mailbox: " + e.what());
    }
    if (mailbox == st.mailbox) {
        throw ImapError("IMAP " + op +
                        ": the target is the mailbox being read; configure a "
                        "different processed_mailbox");
    }
    if (!st.known_mailboxes.contains(mailbox)) {
        // LIST first: a failing CREATE costs a reconnect (libcurl drops the
        // connection on any NO).
        std::string body = st.perform(op, st.base + "/", "LIST \"\" " + quoted);
        std::vector<std::string> names = st.parse(op, [&] { return parse_list(body); });
        if (std::find(names.begin(), names.end(), mailbox) == names.end()) {
            try {
                st.perform(op, st.base + "/", "CREATE " + quoted);
            } catch (const ImapError&) {
                // Created by someone else in between: fine.
                bool exists = st.failure && (st.failure->code.rfind("ALREADYEXISTS", 0) == 0 ||
                                             icontains(st.failure->text, "already exists"));
                if (!exists) throw;
            }
        }
        st.known_mailboxes.insert(mailbox);
    }
    try {
        st.perform(op, st.mailbox_url(), "UID MOVE " + std::to_string(uid) + " " + quoted);
    } catch (const ImapError&) {
        st.known_mailboxes.erase(mailbox);  // maybe deleted meanwhile: check again next time
        throw;
    }
}

void Client::login_check() {
    State& st = *st_;
    st.perform("login and SELECT of mailbox " + st.mailbox, st.mailbox_url(), "NOOP");
}

}  // namespace embargo::imap
