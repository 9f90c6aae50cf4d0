// Scheduler state in notices_sent / kv, and queueing what the rules say is due.
#include "daemon/schedule_step.hpp"

#include <spdlog/spdlog.h>

#include "core/scheduler.hpp"
#include "crypto/gpg.hpp"
#include "daemon/notifier.hpp"
#include "storage/case_store.hpp"
#include "storage/event_log.hpp"
#include "storage/mailbox_store.hpp"

namespace embargo::daemon {
namespace {

scheduler::SentState load_sent(storage::Database& db, const std::string& case_id) {
    scheduler::SentState s;
    SQLite::Statement q(db.sql(),
                        "SELECT milestone, kind, last_at FROM notices_sent WHERE case_id = ?");
    q.bind(1, case_id);
    while (q.executeStep()) {
        auto m = milestone_from(q.getColumn(0).getString());
        if (!m) continue;
        auto& ms = s.milestones[static_cast<size_t>(*m)];
        std::string kind = q.getColumn(1).getString();
        TimePoint t = from_unix(q.getColumn(2).getInt64());
        if (kind == "reminder") ms.reminded_due = t;
        if (kind == "escalation") ms.last_escalation = t;
        if (kind == "distributor-reminder") s.distributors_reminded = t;
    }
    return s;
}

void store_sent(storage::Database& db, const std::string& case_id, const scheduler::SentState& s) {
    SQLite::Statement up(
        db.sql(),
        "INSERT INTO notices_sent (case_id, milestone, kind, count, last_at) "
        "VALUES (?,?,?,1,?) ON CONFLICT (case_id, milestone, kind) DO UPDATE SET "
        "count = count + (last_at != excluded.last_at), last_at = excluded.last_at");
    for (size_t i = 0; i < s.milestones.size(); ++i) {
        auto name = std::string(to_string(kMilestones[i]));
        auto put = [&](const char* kind, const std::optional<TimePoint>& t) {
            if (!t) return;
            up.reset();
            up.bind(1, case_id);
            up.bind(2, name);
            up.bind(3, kind);
            up.bind(4, static_cast<int64_t>(to_unix(*t)));
            up.exec();
        };
        put("reminder", s.milestones[i].reminded_due);
        put("escalation", s.milestones[i].last_escalation);
        // Keyed under the release milestone: the release date it was sent for.
        if (kMilestones[i] == MilestoneName::Release)
            put("distributor-reminder", s.distributors_reminded);
    }
}

std::vector<scheduler::KeyExpiry> expiring_keys(const Config& cfg, crypto::Gpg* gpg,
                                                TimePoint now) {
    std::vector<scheduler::KeyExpiry> out;
    if (!gpg) return out;
    auto check = [&](const std::string& fpr, const std::string& owner, bool secret) {
        try {
            auto k = gpg->key(fpr, secret);
            if (k && k->expires && *k->expires < now + std::chrono::days{30})
                out.push_back({fpr, owner, *k->expires});
        } catch (const std::exception& e) {
            spdlog::warn("digest: cannot read key {}: {}", fpr, e.what());
        }
    };
    for (const auto& k : cfg.gpg.keys) check(k, "team key", true);
    for (const auto& m : cfg.team.members) check(m.fingerprint, m.email, false);
    return out;
}

}  // namespace

int run_scheduler(storage::Database& db, const Config& cfg, Notifier& notifier, crypto::Gpg* gpg,
                  TimePoint now) {
    int queued = 0;
    std::vector<Case> open;
    for (const auto& id : storage::open_case_ids(db)) {
        auto c = storage::load_case(db, id);
        if (!c) continue;
        auto tx = db.write_transaction();
        auto sent = load_sent(db, id);
        auto due = scheduler::case_notices(*c, cfg, now, sent);
        for (const auto& n : due.notices) {
            queued += notifier.queue(db, n, now);
            storage::append_event(
                db, storage::Event{
                        0, id, now, "embargod", n.kind,
                        n.kind + " sent to " + std::to_string(n.to.size()) + " recipient(s)", ""});
        }
        if (!(due.sent == sent)) store_sent(db, id, due.sent);
        tx.commit();
        open.push_back(std::move(*c));
    }
    std::optional<std::chrono::sys_days> last_day;
    if (auto v = storage::kv_get(db, "digest.last_day"))
        last_day = std::chrono::sys_days{std::chrono::days{std::stol(*v)}};
    // Reading the keys runs gpg several times: only when a digest goes out
    // (once a day), not on every poll.
    auto digest = scheduler::digest(open, {}, cfg, now, last_day);
    if (digest.notice)
        digest = scheduler::digest(open, expiring_keys(cfg, gpg, now), cfg, now, last_day);
    if (digest.notice || digest.last_digest_day != last_day) {
        auto tx = db.write_transaction();
        if (digest.notice) queued += notifier.queue(db, *digest.notice, now);
        if (digest.last_digest_day)
            storage::kv_set(db, "digest.last_day",
                            std::to_string(digest.last_digest_day->time_since_epoch().count()));
        tx.commit();
    }
    return queued;
}

}  // namespace embargo::daemon
