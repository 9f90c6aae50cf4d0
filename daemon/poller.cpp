// Mailbox polling with crash-safe positions and failure quarantine.
#include "daemon/poller.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "daemon/imap_client.hpp"
#include "daemon/intake.hpp"
#include "storage/mailbox_store.hpp"

namespace embargo::daemon {

std::string mailbox_of_url(const std::string& url) {
    auto scheme = url.find("://");
    auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    if (slash == std::string::npos || slash + 1 >= url.size()) return "INBOX";
    std::string box = url.substr(slash + 1);
    auto semi = box.find(';');
    if (semi != std::string::npos) box.resize(semi);
    return box.empty() ? "INBOX" : box;
}

PollStats poll_mailbox(imap::Client& imap, Intake& intake, storage::Database& db, const Config& cfg,
                       const std::function<TimePoint()>& now, const std::atomic<bool>& stop) {
    PollStats stats;
    const std::string mailbox = mailbox_of_url(cfg.imap.url);
    auto status = imap.status();
    auto state = storage::mailbox_state(db, mailbox);
    long long last_uid = 0;
    if (state && state->uidvalidity == status.uidvalidity) {
        last_uid = state->last_uid;
    } else if (state) {
        // The server renumbered the mailbox: rescan it all; the intake skips
        // what it has already stored (Message-ID + content hash).
        spdlog::warn("mailbox {}: UIDVALIDITY changed from {} to {}; rescanning it", mailbox,
                     state->uidvalidity, status.uidvalidity);
    }

    std::set<uint32_t> todo;
    for (auto uid : imap.uids_from(static_cast<uint32_t>(last_uid + 1))) todo.insert(uid);
    for (const auto& f : storage::pending_failures(db, mailbox, status.uidvalidity))
        todo.insert(static_cast<uint32_t>(f.uid));
    if (todo.empty()) {
        if (!state || state->uidvalidity != status.uidvalidity) {
            auto tx = db.write_transaction();
            storage::set_mailbox_state(db, mailbox, {status.uidvalidity, 0});
            tx.commit();
        }
        return stats;
    }

    std::vector<uint32_t> uids(todo.begin(), todo.end());
    auto infos = imap.info(uids);
    std::sort(infos.begin(), infos.end(),
              [](const auto& a, const auto& b) { return a.uid < b.uid; });
    for (const auto& info : infos) {
        if (stop.load()) break;
        IncomingMessage in;
        in.mailbox = mailbox;
        in.uidvalidity = status.uidvalidity;
        in.uid = info.uid;
        in.internaldate = info.internaldate;
        in.size = info.size;
        std::string message_id;
        try {
            if (info.size > cfg.limits.max_message_bytes) {
                // Never read an oversized message whole: keep its headers.
                in.oversized = true;
                try {
                    in.raw = imap.fetch_header(info.uid, cfg.limits.max_header_bytes);
                } catch (const imap::ImapTooLarge&) {
                    // Even the header block is over the limit: keep a stub so
                    // the case exists and the team sees it (the raw mail stays
                    // on the server).
                    in.raw = "X-Embargo-Unreadable: header block over " +
                             std::to_string(cfg.limits.max_header_bytes) +
                             " bytes; the message is still on the IMAP server, UID " +
                             std::to_string(info.uid) + "\r\n\r\n";
                }
            } else {
                in.raw = imap.fetch(info.uid, cfg.limits.max_message_bytes);
            }
            ++stats.fetched;
            auto r = intake.process(in, now());
            if (r.outcome == IntakeResult::Outcome::AlreadySeen)
                ++stats.skipped;
            else
                ++stats.processed;
            spdlog::info("mailbox {} uid {}: {} {}", mailbox, info.uid,
                         r.outcome == IntakeResult::Outcome::NewCase  ? "opened"
                         : r.outcome == IntakeResult::Outcome::Joined ? "joined"
                         : r.outcome == IntakeResult::Outcome::Reply  ? "threaded into"
                                                                      : "already stored in",
                         r.case_id.empty() ? "-" : r.case_id);
            if (!cfg.imap.processed_mailbox.empty()) {
                try {
                    imap.move(info.uid, cfg.imap.processed_mailbox);
                } catch (const std::exception& e) {
                    spdlog::warn("mailbox {} uid {}: could not move it to {}: {}", mailbox,
                                 info.uid, cfg.imap.processed_mailbox, e.what());
                }
            }
        } catch (const imap::ImapNoSuchMessage&) {
            // Expunged between the search and the fetch: nothing to process.
            auto tx = db.write_transaction();
            auto st = storage::mailbox_state(db, mailbox).value_or(storage::MailboxState{});
            if (st.uidvalidity != status.uidvalidity) st = {status.uidvalidity, 0};
            st.last_uid = std::max<long long>(st.last_uid, info.uid);
            storage::set_mailbox_state(db, mailbox, st);
            tx.commit();
        } catch (const imap::ImapError&) {
            throw;  // the mailbox itself failed: stop this cycle, nothing is lost
        } catch (const std::exception& e) {
            // A locked or full database is not this message's fault: counting
            // it as a failed attempt would quarantine good mail during an outage.
            if (const auto* se = dynamic_cast<const SQLite::Exception*>(&e);
                se && storage::is_unavailable(*se))
                throw storage::unavailable(db.path(), *se);
            ++stats.failed;
            auto f = storage::record_failure(db, mailbox, status.uidvalidity, info.uid, message_id,
                                             e.what(), in.raw, now(), kMaxAttempts);
            // Move the position past it: it is retried from the failures table.
            {
                auto tx = db.write_transaction();
                auto st = storage::mailbox_state(db, mailbox).value_or(storage::MailboxState{});
                if (st.uidvalidity != status.uidvalidity) st = {status.uidvalidity, 0};
                st.last_uid = std::max<long long>(st.last_uid, info.uid);
                storage::set_mailbox_state(db, mailbox, st);
                tx.commit();
            }
            if (f.quarantined_at) {
                ++stats.quarantined;
                spdlog::error("mailbox {} uid {}: quarantined after {} failed attempts: {}",
                              mailbox, info.uid, f.attempts, e.what());
            } else {
                spdlog::warn(
                    "mailbox {} uid {}: processing failed (attempt {} of {}), will retry: {}",
                    mailbox, info.uid, f.attempts, kMaxAttempts, e.what());
            }
        }
    }
    return stats;
}

}  // namespace embargo::daemon
