// Composing and queueing notifications per recipient.
#include "daemon/notifier.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <random>
#include <stdexcept>

#include "crypto/gpg.hpp"
#include "crypto/pgp_compose.hpp"
#include "daemon/chat_notice.hpp"
#include "daemon/worker_pool.hpp"
#include "storage/outbox_store.hpp"
#include "storage/signature_store.hpp"

namespace embargo::daemon {

std::string random_token() {
    static thread_local std::random_device rd;
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < 4; ++i) {
        auto v = rd();
        for (int k = 0; k < 8; ++k) s += hex[(v >> (k * 4)) & 15];
    }
    return s;
}

namespace {

std::string content_free_body(const Notice& n, const Config& cfg) {
    std::string fpr = cfg.gpg.keys.empty() ? "" : cfg.gpg.keys.front();
    return "Case: " + n.case_id +
           "\n\nThere is news on this case, but it can only be sent encrypted and we have no "
           "usable OpenPGP key for your address.\n\nPlease send us your public key (attach it "
           "to a reply, or publish it) and we will resend. Our key: " +
           fpr + "\n";
}

// The notice texts already begin their subjects with the case tag; the
// outer subjects and the digest's do not. Tag each once: a subject reading
// "[ID] [ID] ..." looks like a mail client's reply mangling.
std::string tagged(const std::string& label, const std::string& subject) {
    const std::string tag = "[" + label + "]";
    if (subject.rfind(tag, 0) == 0) return subject;
    return tag + " " + subject;
}

std::string outer_subject_for(const std::string& kind) {
    static const std::pair<const char*, const char*> names[] = {
        {"ack", "report received"},
        {"new-case", "new case"},
        {"duplicate", "another report joined the case"},
        {"relay", "new message on the case"},
        {"command-result", "commands"},
        {"reminder", "deadline approaching"},
        {"escalation", "deadline missed"},
        {"cve-request", "CVE request"},
        {"retrospective", "retrospective"},
        {"slowed", "case slowed down"},
        {"public-reply-draft", "reply draft for the reporter"},
        {"distributor-notice", "embargoed pre-notification"},
        {"distributor-reminder", "embargo ends soon"},
        {"digest", "daily digest"},
        {"undecryptable", "your message could not be decrypted"},
    };
    for (const auto& [k, v] : names)
        if (kind == k) return v;
    return kind;
}

}  // namespace

int Notifier::queue(storage::Database& db, const workflow::NoticeRequest& r, TimePoint now,
                    const std::string& in_reply_to, bool content) {
    Notice n;
    n.case_id = r.case_id;
    n.kind = r.kind;
    n.to = r.to;
    n.subject = r.subject;
    n.outer_subject = outer_subject_for(r.kind);
    n.body = r.body;
    n.is_public = r.is_public;
    n.has_content = content;
    n.in_reply_to = in_reply_to;
    return queue(db, n, now);
}

// What the owner thread decides for one outbox item; a pool thread turns it
// into the mail's bytes (item.body).
struct Notifier::Pending {
    enum class Form { Plain, Signed, Encrypted } form = Form::Plain;
    crypto::OutgoingHeaders headers;
    std::string text;  // the body text: may hold case content, kept in memory only
    std::string key;   // recipient's fingerprint (Encrypted)
    std::string signer;
    storage::OutboxItem item;
};

namespace {

void compose(crypto::Gpg* gpg, Notifier::Pending& p) {
    using Form = Notifier::Pending::Form;
    switch (p.form) {
        case Form::Plain:
            p.item.body = crypto::compose_plain(p.headers, p.text);
            break;
        case Form::Signed:
            p.item.body = crypto::compose_signed(*gpg, p.headers, p.text, p.signer);
            break;
        case Form::Encrypted:
            p.item.body = crypto::compose_encrypted(*gpg, p.headers, p.text, p.key, p.signer);
            break;
    }
}

}  // namespace

Notifier::Notifier(const Config& cfg, crypto::Gpg* gpg, WorkerPool* pool)
    : cfg_(&cfg), gpg_(gpg), pool_(pool) {}

Notifier::~Notifier() = default;

Notifier::Batch::Batch(Notifier& n) : n_(n) {
    if (n_.batching_) throw std::logic_error("Notifier::Batch: a batch is already open");
    n_.batching_ = true;
}

Notifier::Batch::~Batch() {
    n_.batching_ = false;
    n_.pending_.clear();
}

void Notifier::Batch::commit(storage::Database& db) {
    std::vector<Pending> items = std::move(n_.pending_);
    n_.pending_.clear();
    n_.batching_ = false;  // anything queued after this is stored at once
    n_.store(db, items);
}

void Notifier::store(storage::Database& db, std::vector<Pending>& items) {
    std::vector<std::function<void()>> jobs;
    for (auto& p : items) {
        if (p.form == Pending::Form::Plain || !pool_)
            compose(gpg_, p);  // no gpg, or no pool: here
        else
            jobs.push_back([this, &p] { compose(gpg_, p); });
    }
    if (jobs.size() == 1)
        jobs.front()();
    else if (!jobs.empty())
        pool_->run_all(std::move(jobs));
    // Only this thread touches the database, in the order of queueing.
    for (auto& p : items) {
        p.text.clear();
        storage::queue_outbox(db, p.item);
    }
}

std::string Notifier::thread_root(const std::string& case_id) const {
    return case_id + "@" + cfg_->mail_domain();
}

std::string Notifier::recipient_key(storage::Database& db, const std::string& email) {
    if (const Member* m = cfg_->member_by_email(email)) return m->fingerprint;
    if (!gpg_) return {};
    try {
        auto k = gpg_->encryption_key_for(email);
        if (!k) return {};
        // Anyone can attach a key with somebody else's address on it: a key
        // that came with mail serves only the address whose mail brought it.
        auto senders = storage::key_senders(db, k->fingerprint);
        if (!senders.empty() && std::find(senders.begin(), senders.end(), email) == senders.end()) {
            spdlog::warn("not encrypting to key {} for {}: it came with mail from another address",
                         k->fingerprint, email);
            return {};
        }
        return k->fingerprint;
    } catch (const std::exception& e) {
        spdlog::warn("key look-up for {} failed: {}", email, e.what());
    }
    return {};
}

int Notifier::queue(storage::Database& db, const Notice& n, TimePoint now) {
    const Config& cfg = *cfg_;
    int queued = 0;
    const std::string signer = cfg.gpg.keys.empty() ? "" : cfg.gpg.keys.front();
    // A notice without one case (the digest, a "which case?" answer) says so:
    // X-Embargo-Case is its kind, never one of the cases, so that neither a
    // mail filter nor a reply takes it for that case's mail; the cases it
    // covers (its body begins "Case: A, B") go in X-Embargo-Cases, and it
    // threads under its own kind.
    std::string label = n.case_id.empty() ? n.kind : n.case_id;
    std::string cases_header;
    if (n.case_id.empty() && n.body.rfind("Case: ", 0) == 0)
        cases_header = n.body.substr(6, n.body.find('\n') - 6);
    std::vector<Pending> items;
    for (const auto& to : n.to) {
        if (to.empty()) continue;
        crypto::OutgoingHeaders h;
        h.from = cfg.smtp.from;
        h.to = to;
        h.reply_to = cfg.smtp.from;
        h.outer_subject = tagged(label, n.outer_subject);
        h.real_subject = n.subject.empty() ? h.outer_subject : tagged(label, n.subject);
        h.message_id = label + "." + n.kind + "." + random_token() + "@" + cfg.mail_domain();
        std::string root = thread_root(label);
        h.in_reply_to = "<" + (n.in_reply_to.empty() ? root : n.in_reply_to) + ">";
        h.references = "<" + root + ">" + (n.in_reply_to.empty() ? "" : " <" + n.in_reply_to + ">");
        h.date = format_rfc5322(now);
        h.extra = {{"X-Embargo-Case", label}, {"X-Embargo-Kind", n.kind}};
        if (n.case_id.empty()) h.extra.emplace_back("X-Embargo-Cases", cases_header);
        if (n.kind != "relay") h.extra.emplace_back("Auto-Submitted", "auto-generated");

        Pending p;
        p.signer = signer;
        if (n.is_public) {
            h.outer_subject = h.real_subject;
            p.form = gpg_ && !signer.empty() ? Pending::Form::Signed : Pending::Form::Plain;
            p.text = n.body;
        } else if (!n.has_content) {
            p.key = recipient_key(db, to);
            p.form = gpg_ && !p.key.empty() && !signer.empty() ? Pending::Form::Encrypted
                                                               : Pending::Form::Plain;
            p.text = n.body;
        } else {
            p.key = recipient_key(db, to);
            if (gpg_ && !p.key.empty() && !signer.empty()) {
                p.form = Pending::Form::Encrypted;
                p.text = n.body;
            } else if (cfg.gpg.encrypt == EncryptMode::Opportunistic) {
                h.outer_subject = h.real_subject;
                p.text = n.body;
            } else {
                p.text = content_free_body(n, cfg);
            }
        }
        p.item = storage::OutboxItem{0,  h.message_id,          n.case_id, n.kind,
                                     to, cfg.smtp.from_address, {},        now};
        p.headers = std::move(h);
        items.push_back(std::move(p));
        ++queued;
    }
    if (batching_)
        for (auto& p : items) pending_.push_back(std::move(p));
    else
        store(db, items);
    queued += queue_chat(db, cfg, n, now);
    return queued;
}

}  // namespace embargo::daemon
