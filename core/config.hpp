// The daemon's configuration as plain data (SPEC section 3). Parsed and
// validated by parsers/config_parser; read by the core rules and the I/O edges.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"

namespace embargo {

struct Member {
    std::string name;         // "Alice Example"
    std::string email;        // lower-cased "alice@example.org"
    std::string fingerprint;  // 40 upper-case hex digits
};

// A member is away from `from` 00:00 UTC through `to` 23:59:59 UTC (both days included).
struct Away {
    std::string email;  // lower-cased
    std::chrono::sys_days from;
    std::chrono::sys_days to;
};

enum class EncryptMode { Required, Opportunistic };

struct Timeline {
    Duration organize = std::chrono::hours{24};
    Duration fix = std::chrono::days{7};
    Duration announce = std::chrono::days{7};
    Duration release = std::chrono::days{21};
    Duration retrospective = std::chrono::days{3};
    Duration slow_extension = std::chrono::days{14};
    Duration escalate_every = std::chrono::hours{24};
    // Minutes after 00:00 UTC; nullopt disables the daily digest.
    std::optional<std::chrono::minutes> digest_time = std::chrono::hours{9};
};

struct AsapTimeline {
    Duration organize = std::chrono::hours{4};
    Duration fix = std::chrono::hours{48};
    Duration announce = std::chrono::hours{48};
    Duration release = std::chrono::hours{72};
};

// De-duplication of new reports (SPEC section 4, step 3).
struct Dedup {
    // Estimated text similarity (0..1) from which a new report is the same
    // report as one already filed.
    double similarity = 0.8;
    // Same reporter + same normalised subject joins within this window.
    Duration window = std::chrono::days{14};
    // MinHash banding: a candidate must agree on all `rows` hashes of at least
    // one of `bands` bands; bands * rows <= dedup::kSignatureSize.
    int bands = 16;
    int rows = 4;
    // Texts with fewer words ("see attached") are never matched by text.
    std::size_t min_words = 20;
};

// Which CVE Numbering Authority the project asks for CVE ids (SPEC: [cve]).
// The cve-request mail to the lead on /released says what to do for it.
enum class Cna {
    Github,       // the repository security advisory's "Request CVE" (GitHub is the CNA)
    CveServices,  // the project is its own CNA: publish through the CVE Services API
    Mitre,        // MITRE's CNA-LR web form (the default: open to every project)
    None,         // no CVE requests: no cve-request mail, a note in the release mail
};

// A chat channel's incoming webhook (SPEC: [chat]). Only public kinds may be
// routed to one: the parser refuses anything carrying case content.
struct ChatTarget {
    enum class Format { Slack, Json };
    std::string name;  // "general": outbox recipient "chat:general"
    Format format = Format::Slack;
    std::string url_file;            // resolved path of the file holding the webhook URL
    std::string url;                 // read from url_file, never logged (it is the secret)
    std::vector<std::string> kinds;  // announcement, release-announcement, retrospective
};

// The notice kinds a chat target may receive: public texts only.
inline constexpr const char* kChatKinds[] = {"announcement", "release-announcement",
                                             "retrospective"};

// The forge hosting the project's repository (SPEC: [forge]): a GitHub
// repository security advisory per case, the Fix Team as its collaborators,
// its temporary private fork, the CVE request through it.
struct Forge {
    enum class Type { None, Github };
    Type type = Type::None;
    std::string api_url = "https://api.github.com";  // without a trailing '/'
    std::string owner;                               // repository = owner/name
    std::string repo;
    std::string token_file;  // resolved path of the file holding the API token
    std::string token;       // read from token_file, never logged
    std::string ca_file;     // extra CA bundle for api_url; empty: system store
    std::chrono::seconds timeout{30};
    // Team members' (and other Fix Team engineers') forge logins: `/cc EMAIL`
    // adds the login as a collaborator without a github: form.
    struct Login {
        std::string email;  // lower-cased
        std::string login;
    };
    std::vector<Login> logins;
    bool enabled() const { return type != Type::None; }
    std::string repository() const { return owner + "/" + repo; }
    const std::string* login_of(const std::string& email) const {
        for (const auto& l : logins)
            if (l.email == email) return &l.login;
        return nullptr;
    }
};

struct Config {
    std::string path;  // the file it was read from

    struct Project {
        std::string name;
        std::string case_prefix = "SEC";
        std::vector<std::string> supported;  // release series, e.g. "1.13"
        std::string main_branch = "main";
        std::string domain;  // right-hand side of generated Message-IDs
    } project;

    struct Imap {
        std::string url;  // imaps://host[:port]/MAILBOX or imap:// (loopback or starttls)
        std::string username;
        std::string password_file;  // resolved absolute path
        std::string password;       // read from password_file, never logged
        Duration poll_interval = std::chrono::seconds{60};
        std::string processed_mailbox;  // empty: leave processed mail where it is
        bool starttls = false;
        std::string ca_file;  // extra CA bundle for private servers; empty: system store
        // Connect, each server answer, and a stalled transfer; a whole
        // operation gets at most 10 times this (imap::Settings::timeout).
        std::chrono::seconds timeout{60};
    } imap;

    struct Smtp {
        std::string url;  // smtps://host[:port] or smtp://host:port
        std::string username;
        std::string password_file;
        std::string password;
        std::string from;          // "Example Security Team <secalert@example.org>"
        std::string from_address;  // lower-cased address part of `from`
        bool starttls = false;
        std::string ca_file;
        std::chrono::seconds timeout{60};  // connect, each server reply, one whole send
    } smtp;

    struct Gpg {
        std::string homedir;
        std::vector<std::string> keys;  // team key fingerprints; the first signs
        EncryptMode encrypt = EncryptMode::Required;
        // Outgoing mail signed and encrypted with librnp inside the helper
        // processes (keys exported from homedir); false: a gpg run per message.
        bool sign_in_process = true;
    } gpg;

    struct Team {
        std::vector<Member> members;  // rotation order
        std::vector<Away> away;
        bool require_signed_commands = true;
        // How far a command signature's creation time may lie after the
        // message's receipt (clocks differ a little; more is a forgery or a
        // badly set clock, and would outlive the 7-day replay window).
        Duration signature_clock_skew = std::chrono::minutes{10};
        std::vector<std::string> announce;
        std::vector<std::string> retrospective;
    } team;

    struct CveSettings {
        Cna cna = Cna::Mitre;
        // The CNA's organisation UUID for the record's assignerOrgId and
        // providerMetadata.orgId; empty: a placeholder the lead replaces.
        std::string org_id;
    } cve;
    struct Chat {
        std::vector<ChatTarget> targets;
        std::string ca_file;  // extra CA bundle for the webhook hosts; empty: system store
        std::chrono::seconds timeout{30};
    } chat;

    // Optional pre-notification list (linux-distros style): /distributors
    // sends them the encrypted pre-notification, at most max_embargo before
    // the release date, and a reminder 24 h before it.
    struct Distributors {
        std::vector<std::string> addresses;  // lower-cased; empty: feature off
        Duration max_embargo = std::chrono::days{14};
    } distributors;

    Forge forge;

    Timeline timeline;
    AsapTimeline asap;
    Dedup dedup;

    struct Storage {
        std::string database;
    } storage;

    struct Limits {
        std::size_t max_message_bytes = 26214400;
        std::size_t max_mime_parts = 1000;
        std::size_t max_mime_depth = 20;
        std::size_t max_header_bytes = 262144;  // one header block; longer is cut and flagged
        std::size_t max_keys_per_message = 5;
        std::size_t max_key_bytes = 65536;
    } limits;

    struct Daemon {
        // Threads that sign and encrypt outgoing notifications; 0: "auto",
        // one per CPU the daemon may run on.
        std::size_t workers = 0;
    } daemon;

    // The domain of our Message-IDs and thread roots ([project] domain, or a
    // reserved one that can never be someone else's).
    std::string mail_domain() const {
        return project.domain.empty() ? "embargo.invalid" : project.domain;
    }

    // Whether any chat target takes notices of `kind`.
    bool chat_wants(const std::string& kind) const {
        for (const auto& t : chat.targets)
            for (const auto& k : t.kinds)
                if (k == kind) return true;
        return false;
    }

    const Member* member_by_email(const std::string& email) const {
        for (const auto& m : team.members)
            if (m.email == email) return &m;
        return nullptr;
    }
};

}  // namespace embargo
