// The per-message pipeline. Slow work (MIME parsing, gpg) happens before the
// write transaction; everything the message changes happens inside it.
#include "daemon/intake.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/case.hpp"
#include "core/dedup.hpp"
#include "core/notice_text.hpp"
#include "core/public_report.hpp"
#include "core/rotation.hpp"
#include "core/text.hpp"
#include "core/threading.hpp"
#include "daemon/command_step.hpp"
#include "daemon/forge_jobs.hpp"
#include "daemon/message_view.hpp"
#include "daemon/notifier.hpp"
#include "parsers/mime.hpp"
#include "storage/case_store.hpp"
#include "storage/event_log.hpp"
#include "storage/mailbox_store.hpp"
#include "storage/message_store.hpp"
#include "storage/outbox_store.hpp"
#include "storage/signature_store.hpp"
#include "storage/sketch_store.hpp"

namespace embargo::daemon {
namespace {

using storage::Event;

// A flood of mail from one address must not turn us into a spam cannon.
constexpr int kMaxAcksPerDay = 5;

void add_unique(std::vector<std::string>& v, const std::string& s) {
    if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string out;
    for (const auto& s : v) {
        if (!out.empty()) out += sep;
        out += s;
    }
    return out;
}

std::string without_quoted_lines(const std::string& text) {
    std::string out;
    for (const auto& line : split_lines(text))
        if (trim(line).rfind('>', 0) != 0) out += line + "\n";
    return out;
}

// Follows merged_into so replies to a merged case reach the case it joined.
std::optional<Case> resolve_case(storage::Database& db, const std::string& id) {
    auto c = storage::load_case(db, id);
    for (int hops = 0; c && c->state == CaseState::Merged && !c->merged_into.empty() && hops < 16;
         ++hops)
        c = storage::load_case(db, c->merged_into);
    return c;
}

std::array<Milestone, 5> first_milestones(TimePoint disclosure, const Timeline& t) {
    std::array<Milestone, 5> m{};
    for (size_t i = 0; i < m.size(); ++i) m[i].name = kMilestones[i];
    m[0].due = disclosure + t.organize;
    m[1].due = disclosure + t.fix;
    m[2].due = disclosure + t.announce;
    m[3].due = disclosure + t.release;
    return m;  // retrospective is due only once released
}

}  // namespace

Intake::Intake(const Config& cfg, storage::Database& db, crypto::Gpg* gpg, Notifier* notifier)
    : cfg_(&cfg), db_(db), gpg_(gpg), notifier_(notifier) {}

IntakeResult Intake::process(const IncomingMessage& in, TimePoint now) {
    const Config& cfg = *cfg_;
    MessageView view = view_message(in, cfg, gpg_);

    IntakeResult result;
    result.flags = view.flags;
    const TimePoint received = std::min(in.internaldate, now);

    auto tx = db_.write_transaction();
    // Every notification this message causes is prepared here and signed and
    // encrypted at once, in parallel, when the batch commits: in this
    // transaction, just before the mailbox position moves past the message.
    std::optional<Notifier::Batch> batch;
    if (notifier_) batch.emplace(*notifier_);
    auto advance = [&] {
        if (batch) batch->commit(db_);
        auto st = storage::mailbox_state(db_, in.mailbox).value_or(storage::MailboxState{});
        if (st.uidvalidity != in.uidvalidity) st = storage::MailboxState{in.uidvalidity, 0};
        st.last_uid = std::max(st.last_uid, in.uid);
        storage::set_mailbox_state(db_, in.mailbox, st);
        storage::clear_failure(db_, in.mailbox, in.uidvalidity, in.uid);
    };

    // A rescan after a UIDVALIDITY change sees old mail again: skip it.
    if (storage::message_seen(db_, view.message_id, view.content_hash)) {
        advance();
        tx.commit();
        result.outcome = IntakeResult::Outcome::AlreadySeen;
        return result;
    }

    const bool message_id_seen = storage::message_id_seen(db_, view.message_id);

    // 1. Threading: a reply to a known message or notification, or a case tag.
    std::optional<Case> kase;
    for (const auto& ref : thread_candidates(view.in_reply_to, view.references)) {
        if (auto id = storage::case_of_message_id(db_, ref)) {
            kase = resolve_case(db_, *id);
            if (kase) break;
        }
    }
    if (!kase) {
        if (auto tag = subject_case_tag(view.subject, cfg.project.case_prefix))
            kase = resolve_case(db_, *tag);
    }
    // A reply to one of our notifications that spans cases (the digest, or
    // the answer asking which case) is never a new report: it belongs to the
    // case its text names, or to none.
    bool via_case_less_notice = false;
    if (!kase) {
        if (auto ours = case_less_notice_replied_to(view)) {
            via_case_less_notice = true;
            // The signed text, when there is one: it is what vouches for the commands.
            const std::string& text = view.signature == "valid" && !view.signed_text.empty()
                                          ? view.signed_text
                                          : view.text;
            auto named = cases_on_case_lines(text, cfg.project.case_prefix);
            if (named.size() == 1) kase = resolve_case(db_, named[0]);
            if (!kase) {
                result.notifications = answer_which_case(view, *ours, named, now);
                advance();
                tx.commit();
                result.outcome = IntakeResult::Outcome::Ignored;
                return result;
            }
        }
    }
    bool is_reply = kase.has_value();

    // 2. De-duplication of new reports: the same Message-ID; the same reporter
    // and normalised subject within [dedup] window; or near-identical text,
    // looked up in the sketch index (a few candidates, never every case). A
    // match in a closed, rejected or merged case opens a new case that refers
    // to it.
    bool joined = false;
    std::string related;
    std::optional<dedup::Sketch> sketch;
    if (!kase && !view.undecryptable) sketch = dedup::sketch_text(view.text, cfg.dedup.min_words);
    if (!kase) {
        auto join_if_open = [&](const std::string& id) {
            auto found = resolve_case(db_, id);
            if (found && is_open(found->state)) {
                kase = std::move(found);
                return true;
            }
            if (found && related.empty()) related = found->id;
            return false;
        };
        bool done = false;
        if (message_id_seen)
            if (auto dup = storage::case_of_message_id(db_, view.message_id))
                done = join_if_open(*dup);
        if (!done)
            if (auto dup = storage::open_case_by_reporter_subject(db_, view.from, view.norm_subject,
                                                                  received - cfg.dedup.window))
                done = join_if_open(*dup);
        if (!done && sketch)
            for (const auto& match : storage::find_similar(db_, *sketch, cfg.dedup))
                if (join_if_open(match.case_id)) {
                    spdlog::info("message {}: same report as case {} (text similarity {:.2f})",
                                 view.message_id, kase->id, match.similarity);
                    break;
                }
        joined = kase.has_value();
        if (joined) related.clear();
    }
    // Once the report is stored in its case: index its sketch (also for a
    // joined copy, which may be closer to the next one) and link the case it
    // repeats.
    auto index_report = [&](const Case& filed) {
        if (sketch) storage::index_sketch(db_, filed.id, view.message_id, *sketch, cfg.dedup, now);
        if (!related.empty())
            storage::append_event(
                db_, Event{0, filed.id, now, "embargod", "related", "related to " + related, ""});
    };

    // 3. A new case: next id of the disclosure year, next lead in rotation.
    bool is_new = false;
    if (!kase) {
        is_new = true;
        Case c;
        auto ymd = std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(received)};
        CaseId id =
            storage::next_case_id(db_, cfg.project.case_prefix, static_cast<int>(ymd.year()));
        c.id = id.str();
        c.state = CaseState::Triage;
        c.subject = view.subject;
        c.received_at = received;
        auto last = storage::kv_get(db_, "rotation.last_lead");
        std::optional<size_t> last_pos;
        if (auto p = storage::kv_get(db_, "rotation.last_position")) last_pos = std::stoul(*p);
        auto lead = next_lead(cfg.team.members, cfg.team.away, last, last_pos, now);
        if (lead) {
            c.lead = cfg.team.members[*lead].email;
            storage::kv_set(db_, "rotation.last_lead", c.lead);
            storage::kv_set(db_, "rotation.last_position", std::to_string(*lead));
        }
        c.milestones = first_milestones(received, cfg.timeline);
        c.encrypted = view.encrypted;
        storage::insert_case(db_, c, id, view.norm_subject);
        storage::append_event(db_, Event{0, c.id, now, "embargod", "case-opened",
                                         "report " + view.message_id + " from " + view.from +
                                             "; lead " + (c.lead.empty() ? "none" : c.lead),
                                         ""});
        kase = std::move(c);
    }
    Case& c = *kase;

    // 4. Store the message and what it changes on the case.
    bool is_report = is_new || joined;
    storage::StoredMessage m;
    m.case_id = c.id;
    m.message_id = view.message_id;
    m.content_hash = view.content_hash;
    m.mailbox = in.mailbox;
    m.uidvalidity = in.uidvalidity;
    m.uid = in.uid;
    m.from = view.from;
    m.subject = view.subject;
    m.norm_subject = view.norm_subject;
    m.received_at = received;
    m.processed_at = now;
    m.kind = is_report ? "report" : "reply";
    m.encrypted = view.encrypted;
    m.signature = view.signature;
    m.signed_by = view.signed_by;
    m.signed_at = view.signed_at;
    m.flags = join(view.flags, " ");
    m.in_reply_to = view.in_reply_to;
    m.refs = join(view.references, " ");
    m.raw = in.raw;
    m.text = view.text;
    storage::insert_message(db_, m);
    index_report(c);

    if (is_report) add_unique(c.reporters, view.from);
    for (const auto& f : view.flags) add_unique(c.flags, f);
    if (is_new) c.encrypted = view.encrypted;
    if (joined)
        storage::append_event(db_, Event{0, c.id, now, "embargod", "report-joined",
                                         "report " + view.message_id + " from " + view.from, ""});
    else if (is_reply)
        storage::append_event(
            db_, Event{0, c.id, now, view.from, "message", "message " + view.message_id, ""});
    for (const auto& f : view.flags)
        storage::append_event(db_, Event{0, c.id, now, "embargod", "flagged",
                                         f + " on message " + view.message_id, ""});
    for (const auto& fpr : view.imported_keys) {
        storage::record_sender_key(db_, view.from, fpr, now);
        storage::append_event(db_, Event{0, c.id, now, view.from, "key-imported", fpr, ""});
    }

    // A report that says the issue is out already: flag the case once and
    // give the lead the policy's reply asking whether it can stay private.
    // The event names the phrase from our list, never the report's words.
    std::optional<workflow::NoticeRequest> public_draft;
    if (is_report && !view.undecryptable && !c.is_public && !c.has_flag(public_report::kFlag)) {
        if (auto phrase = public_report::says_public(view.text)) {
            c.flags.emplace_back(public_report::kFlag);
            storage::append_event(db_, Event{0, c.id, now, "embargod", "reported-public",
                                             "report " + view.message_id + " says \"" + *phrase +
                                                 "\"; reply draft sent to the lead",
                                             ""});
            public_draft = public_report::draft_notice(
                c, cfg,
                "The report " + std::string(is_new ? "" : "that joined this case ") +
                    "appears to say that the issue is already public (it says \"" + *phrase +
                    "\"). If it is, mark the case with /public (and the URL, if there is one).");
        }
    }

    // 5. Commands, only in replies on a case thread (never in a new report).
    CommandStep commands;
    if (is_reply) commands = run_commands(db_, cfg, c, view, message_id_seen, received, now);
    storage::save_case(db_, c);
    // Forge calls ([forge]) are outbox items too: queued with the message,
    // made later by the forge sender. A new case gets its draft advisory.
    if (is_new) queue_forge_jobs(db_, cfg, c, {forge::Job{forge::Action::CreateAdvisory, {}}}, now);
    queue_forge_jobs(db_, cfg, c, commands.forge_jobs, now);

    // 6. Notifications, queued in this same transaction.
    if (notifier_) {
        result.notifications = notify(c, view, is_new, joined, is_reply, via_case_less_notice, now);
        if (public_draft)
            result.notifications += notifier_->queue(db_, *public_draft, now, view.message_id);
        for (const auto& n : commands.notices)
            result.notifications += notifier_->queue(db_, n, now, view.message_id);
        if (commands.relay_to_reporters && !c.reporters.empty()) {
            workflow::NoticeRequest r;
            r.kind = "relay";
            r.case_id = c.id;
            r.to = c.reporters;
            r.subject = c.subject;
            // Quoted lines may carry another reporter's words: never relay them.
            std::string text = commands.relay_text;
            if (text.empty()) text = without_quoted_lines(commands.text_without_commands);
            r.body = "Case: " + c.id + "\n\n" + text;
            result.notifications += notifier_->queue(db_, r, now, view.message_id);
        }
    }

    advance();
    tx.commit();

    result.case_id = c.id;
    result.outcome = is_new   ? IntakeResult::Outcome::NewCase
                     : joined ? IntakeResult::Outcome::Joined
                              : IntakeResult::Outcome::Reply;
    return result;
}

std::optional<std::string> Intake::case_less_notice_replied_to(const MessageView& view) {
    const Config& cfg = *cfg_;
    const std::string domain = cfg.mail_domain();
    for (const auto& ref : thread_candidates(view.in_reply_to, view.references)) {
        if (auto kind = storage::outbox_kind_of(db_, ref)) return kind;
        // Thread roots of notices without a case (the mail client may keep
        // only the References' first entry).
        for (const char* kind : {"digest", "command-result"})
            if (ref == std::string(kind) + "@" + domain) return std::string(kind);
    }
    return std::nullopt;
}

int Intake::answer_which_case(const MessageView& view, const std::string& replied_kind,
                              const std::vector<std::string>& named, TimePoint now) {
    const Config& cfg = *cfg_;
    // Only a member got the notice; anyone else learns nothing of our cases.
    const Member* member = cfg.member_by_email(view.from);
    spdlog::warn(
        "message {} from {} replies to our {} notice without naming one existing case "
        "({} named): not filed{}",
        view.message_id, view.from, replied_kind, named.size(),
        member && !view.automated ? "; asking which case" : "");
    if (!member || view.automated || !notifier_) return 0;
    std::vector<std::string> candidates;
    if (named.size() > 1) {
        for (const auto& id : named)
            if (storage::load_case(db_, id)) candidates.push_back(id);
    }
    if (candidates.size() < 2) candidates = storage::open_case_ids(db_);
    return notifier_->queue(db_, notice_text::which_case(member->email, named, candidates), now,
                            view.message_id);
}

int Intake::notify(const Case& c, const MessageView& view, bool is_new, bool joined, bool is_reply,
                   bool drop_quote, TimePoint now) {
    const Config& cfg = *cfg_;
    int queued = 0;
    const bool from_member = cfg.member_by_email(view.from) != nullptr;
    // Never answer auto-replies, bounces, lists or our own mail; and at most a
    // few acks a day per address.
    const bool may_answer =
        !view.automated && !view.from.empty() &&
        storage::count_outbox_since(db_, view.from, "ack", now - std::chrono::days{1}) +
                storage::count_outbox_since(db_, view.from, "undecryptable",
                                            now - std::chrono::days{1}) <
            kMaxAcksPerDay;
    if (!view.automated && !may_answer)
        spdlog::warn("case {}: not answering {}: more than {} notices to it today", c.id, view.from,
                     kMaxAcksPerDay);
    if (is_new || joined) {
        if (may_answer && !from_member) {
            if (view.undecryptable) {
                queued += notifier_->queue(db_, notice_text::undecryptable(c, cfg, view.from), now,
                                           view.message_id, false);
            } else {
                bool encrypted = notifier_->can_encrypt_to(db_, view.from);
                queued += notifier_->queue(db_, notice_text::ack(c, cfg, view.from, encrypted), now,
                                           view.message_id, encrypted);
            }
        }
        if (is_new)
            queued += notifier_->queue(db_, notice_text::new_case(c, cfg, view.text), now);
        else
            queued +=
                notifier_->queue(db_, notice_text::duplicate(c, cfg, view.from, view.text), now);
        return queued;
    }
    if (!is_reply) return queued;
    if (view.undecryptable && may_answer && !from_member)
        queued += notifier_->queue(db_, notice_text::undecryptable(c, cfg, view.from), now,
                                   view.message_id, false);
    // Relay to the people on the case but the sender.
    std::vector<std::string> to;
    auto add = [&](const std::string& a) {
        if (!a.empty() && a != view.from && std::find(to.begin(), to.end(), a) == to.end())
            to.push_back(a);
    };
    add(c.lead);
    for (const auto& f : c.fix_team) add(f);
    if (!to.empty()) {
        workflow::NoticeRequest r;
        r.kind = "relay";
        r.case_id = c.id;
        r.to = to;
        r.subject = view.subject;
        r.body = "Case: " + c.id +
                 "\nFrom: " + (view.from_name.empty() ? "" : view.from_name + " ") + "<" +
                 view.from + ">" +
                 (view.undecryptable ? "\nNote: this message could not be decrypted." : "") +
                 "\n\n" + (drop_quote ? without_quoted_lines(view.text) : view.text);
        queued += notifier_->queue(db_, r, now, view.message_id);
    }
    return queued;
}

}  // namespace embargo::daemon
