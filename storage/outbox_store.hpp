// The outbox: every notification is queued here in the transaction that
// caused it, with a fixed Message-ID, and delivered later by the sender.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "storage/database.hpp"

namespace embargo::storage {

struct OutboxItem {
    long long id = 0;
    std::string message_id;  // without angle brackets
    std::string case_id;
    std::string kind;
    std::string recipient;
    std::string envelope_from;
    std::string body;  // the complete message, ready for SMTP (encrypted when it carries content)
    TimePoint created_at{};
    int attempts = 0;
    TimePoint next_attempt{};
    std::string last_error;
    std::optional<TimePoint> sent_at;
    bool parked = false;
};

void queue_outbox(Database& db, const OutboxItem& item);
// Chat posts share the outbox: their recipient is "chat:TARGET" and their
// body the JSON payload; mail and chat are sent by separate senders, so a
// chat service that is down never holds up mail.
constexpr const char* kChatRecipientPrefix = "chat:";
// Calls on the forge too: recipient "forge:OWNER/REPO", kind "forge-...",
// body the call's JSON arguments; a third sender makes them.
constexpr const char* kForgeRecipientPrefix = "forge:";

enum class OutboxChannel { Mail, Chat, Forge };
// Undelivered, unparked items of one channel whose next attempt is due, oldest first.
std::vector<OutboxItem> due_outbox(Database& db, TimePoint now, int limit,
                                   OutboxChannel channel = OutboxChannel::Mail);
// Every undelivered item of a channel (parked and not yet due ones too),
// oldest first, with bodies: the forge sender needs a case's earlier items
// to keep its calls in order.
std::vector<OutboxItem> undelivered_outbox(Database& db, OutboxChannel channel);
// Notes why an item waits (another item must go first) without counting an attempt.
void mark_waiting(Database& db, long long id, const std::string& why);
// Whether the case has an item of `kind` (sent or not).
bool case_has_outbox_kind(Database& db, const std::string& case_id, const std::string& kind);
// Everything not delivered yet (including parked), for `embargoctl outbox`.
std::vector<OutboxItem> undelivered_outbox(Database& db);
void mark_sent(Database& db, long long id, TimePoint now);
// Records a failed attempt: retry after an exponential backoff, or park after
// max_attempts (or at once for a permanent refusal).
void mark_failed(Database& db, long long id, const std::string& error, TimePoint now,
                 bool permanent, int max_attempts);
// Items of a case, sent or not (for tests and `show`).
std::vector<OutboxItem> case_outbox(Database& db, const std::string& case_id);
long long outbox_backlog(Database& db);
// How many items of `kind` were queued for `recipient` since `since` (rate limits).
int count_outbox_since(Database& db, const std::string& recipient, const std::string& kind,
                       TimePoint since);
// The kind of the notification we sent under this Message-ID (without <>),
// or nullopt when it is not one of ours: a reply to it is never a new report.
std::optional<std::string> outbox_kind_of(Database& db, const std::string& message_id);

// Backoff before attempt n+1 after n failures: 1 min, 2, 4, ... capped at 1 h.
Duration outbox_backoff(int failures);

}  // namespace embargo::storage
