// Outbox delivery with backoff and parking.
#include "daemon/outbox_sender.hpp"

#include <spdlog/spdlog.h>

#include "daemon/smtp_client.hpp"
#include "storage/outbox_store.hpp"

namespace embargo::daemon {

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
                auto tx = db.write_transaction();
                storage::mark_failed(db, item.id, e.what(), now(), e.permanent(), kMaxSendAttempts);
                tx.commit();
                ++stats.failed;
                stats.last_error = e.what();
                if (e.permanent() || item.attempts + 1 >= kMaxSendAttempts) {
                    ++stats.parked;
                    spdlog::error("outbox: parked {} ({}) for {} to {} after {} attempts: {}",
                                  item.message_id, item.kind, item.case_id, item.recipient,
                                  item.attempts + 1, e.what());
                } else {
                    spdlog::warn("outbox: delivery of {} to {} failed, will retry: {}",
                                 item.message_id, item.recipient, e.what());
                }
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
