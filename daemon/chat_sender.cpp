// Chat delivery; see chat_sender.hpp.
#include "daemon/chat_sender.hpp"

#include <spdlog/spdlog.h>

#include <set>

#include "daemon/webhook_client.hpp"
#include "storage/event_log.hpp"
#include "storage/outbox_store.hpp"

namespace embargo::daemon {

SendStats flush_chat(storage::Database& db, const Config& cfg,
                     const std::function<TimePoint()>& now, const std::atomic<bool>& stop) {
    SendStats stats;
    const std::string prefix = storage::kChatRecipientPrefix;
    // A target that failed for a transport reason is skipped for the rest of
    // this round: its other posts keep their attempt counts.
    std::set<std::string> down;
    webhook::PostSettings settings{cfg.chat.ca_file, cfg.chat.timeout};
    for (const auto& item : storage::due_outbox(db, now(), 50, storage::OutboxChannel::Chat)) {
        if (stop.load()) break;
        const std::string name = item.recipient.substr(prefix.size());
        if (down.count(name)) continue;
        const ChatTarget* target = nullptr;
        for (const auto& t : cfg.chat.targets)
            if (t.name == name) target = &t;
        try {
            if (!target)
                throw webhook::WebhookError("chat target " + name +
                                                " is no longer configured; add it back to "
                                                "[chat] to deliver this post",
                                            0, true);
            webhook::post_json(target->url, item.body, settings, "chat target " + name);
            auto tx = db.write_transaction();
            storage::mark_sent(db, item.id, now());
            if (!item.case_id.empty()) {
                storage::Event ev;
                ev.case_id = item.case_id;
                ev.at = now();
                ev.actor = "embargod";
                ev.kind = "chat-posted";
                ev.detail = item.kind + " to " + item.recipient;
                storage::append_event(db, ev);
            }
            tx.commit();
            ++stats.sent;
            spdlog::info("outbox: posted {} ({}) for {} to {}", item.message_id, item.kind,
                         item.case_id, item.recipient);
        } catch (const webhook::WebhookError& e) {
            record_send_failure(db, item, e.what(), e.permanent(), now(), stats);
            if (!e.permanent()) down.insert(name);
        }
    }
    return stats;
}

}  // namespace embargo::daemon
