// Outbox delivery with backoff and parking.
#include "daemon/outbox_sender.hpp"

#include <spdlog/spdlog.h>

#include "daemon/smtp_client.hpp"
#include "storage/outbox_store.hpp"

namespace embargo::daemon {

void record_send_failure(storage::Database& db, const storage::OutboxItem& item,
                         const std::string& error, bool permanent, TimePoint now,
                         SendStats& stats) {
    auto tx = db.write_transaction();
    storage::mark_failed(db, item.id, error, now, permanent, kMaxSendAttempts);
    tx.commit();
    ++stats.failed;
    stats.last_error = error;
    if (permanent || item.attempts + 1 >= kMaxSendAttempts) {
        ++stats.parked;
        spdlog::error("outbox: parked {} ({}) for {} to {} after {} attempts: {}", item.message_id,
                      item.kind, item.case_id, item.recipient, item.attempts + 1, error);
    } else {
        spdlog::warn("outbox: delivery of {} to {} failed, will retry: {}", item.message_id,
                     item.recipient, error);
    }
}

SendStats flush_outbox(storage::Database& db, smtp::Client& smtp,
                       const std::function<TimePoint()>& now, const std::atomic<bool>& stop) {
    SendStats stats;
    bool server_down = false;
    while (!stop.load() && !server_down) {
        auto batch = storage::due_outbox(db, now(), 50);
        if (batch.empty()) break;
        for (const auto& item : batch) {
            if (stop.load()) break;
            try {
                smtp.send(item.envelope_from, {item.recipient}, item.body);
                auto tx = db.write_transaction();
                storage::mark_sent(db, item.id, now());
                tx.commit();
                ++stats.sent;
                spdlog::info("outbox: sent {} ({}) for {} to {}", item.message_id, item.kind,
                             item.case_id, item.recipient);
            } catch (const smtp::SmtpError& e) {
                record_send_failure(db, item, e.what(), e.permanent(), now(), stats);
                // A server that is down or refusing will refuse the rest too:
                // keep their attempt counts for when it is back.
                if (e.code() == 0 || (e.code() >= 400 && e.code() < 500 && e.code() != 450)) {
                    server_down = true;
                    break;
                }
            }
        }
    }
    stats.backlog = storage::outbox_backlog(db);
    return stats;
}

}  // namespace embargo::daemon
