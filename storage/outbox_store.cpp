// Outbox rows: queueing, due items, delivery bookkeeping.
#include "storage/outbox_store.hpp"

#include <algorithm>

namespace embargo::storage {
namespace {
constexpr const char* kColumns =
    "SELECT id, message_id, case_id, kind, recipient, envelope_from, body, created_at, attempts, "
    "next_attempt, last_error, sent_at, parked FROM outbox ";

OutboxItem read_item(SQLite::Statement& q, bool with_body) {
    OutboxItem it;
    it.id = q.getColumn(0).getInt64();
    it.message_id = q.getColumn(1).getString();
    it.case_id = q.getColumn(2).getString();
    it.kind = q.getColumn(3).getString();
    it.recipient = q.getColumn(4).getString();
    it.envelope_from = q.getColumn(5).getString();
    if (with_body) {
        const auto& c = q.getColumn(6);
        it.body.assign(static_cast<const char*>(c.getBlob()), static_cast<size_t>(c.getBytes()));
    }
    it.created_at = from_unix(q.getColumn(7).getInt64());
    it.attempts = q.getColumn(8).getInt();
    it.next_attempt = from_unix(q.getColumn(9).getInt64());
    it.last_error = q.getColumn(10).isNull() ? "" : q.getColumn(10).getString();
    if (!q.getColumn(11).isNull()) it.sent_at = from_unix(q.getColumn(11).getInt64());
    it.parked = q.getColumn(12).getInt() != 0;
    return it;
}
}  // namespace

Duration outbox_backoff(int failures) {
    int shift = std::clamp(failures - 1, 0, 6);
    return std::min<Duration>(std::chrono::minutes{1} * (1 << shift), std::chrono::hours{1});
}

void queue_outbox(Database& db, const OutboxItem& item) {
    SQLite::Statement s(db.sql(),
                        "INSERT INTO outbox (message_id, case_id, kind, recipient, envelope_from, "
                        "body, created_at, next_attempt) VALUES (?,?,?,?,?,?,?,?)");
    s.bind(1, item.message_id);
    s.bind(2, item.case_id);
    s.bind(3, item.kind);
    s.bind(4, item.recipient);
    s.bind(5, item.envelope_from);
    s.bind(6, item.body.data(), static_cast<int>(item.body.size()));
    s.bind(7, static_cast<int64_t>(to_unix(item.created_at)));
    s.bind(8, static_cast<int64_t>(to_unix(item.created_at)));
    s.exec();
}

// The SQL condition selecting one channel's items.
static std::string channel_filter(OutboxChannel channel) {
    switch (channel) {
        case OutboxChannel::Chat:
            return "recipient LIKE 'chat:%'";
        case OutboxChannel::Forge:
            return "recipient LIKE 'forge:%'";
        case OutboxChannel::Mail:
            break;
    }
    return "recipient NOT LIKE 'chat:%' AND recipient NOT LIKE 'forge:%'";
}

std::vector<OutboxItem> due_outbox(Database& db, TimePoint now, int limit, OutboxChannel channel) {
    SQLite::Statement q(db.sql(), std::string(kColumns) +
                                      "WHERE sent_at IS NULL AND parked = 0 AND next_attempt <= ? "
                                      "AND " +
                                      channel_filter(channel) + " ORDER BY id LIMIT ?");
    q.bind(1, static_cast<int64_t>(to_unix(now)));
    q.bind(2, limit);
    std::vector<OutboxItem> out;
    while (q.executeStep()) out.push_back(read_item(q, true));
    return out;
}

std::vector<OutboxItem> undelivered_outbox(Database& db) {
    SQLite::Statement q(db.sql(), std::string(kColumns) + "WHERE sent_at IS NULL ORDER BY id");
    std::vector<OutboxItem> out;
    while (q.executeStep()) out.push_back(read_item(q, false));
    return out;
}

std::vector<OutboxItem> undelivered_outbox(Database& db, OutboxChannel channel) {
    SQLite::Statement q(db.sql(), std::string(kColumns) + "WHERE sent_at IS NULL AND " +
                                      channel_filter(channel) + " ORDER BY id");
    std::vector<OutboxItem> out;
    while (q.executeStep()) out.push_back(read_item(q, true));
    return out;
}

void mark_waiting(Database& db, long long id, const std::string& why) {
    SQLite::Statement s(db.sql(), "UPDATE outbox SET last_error = ? WHERE id = ?");
    s.bind(1, why);
    s.bind(2, static_cast<int64_t>(id));
    s.exec();
}

bool case_has_outbox_kind(Database& db, const std::string& case_id, const std::string& kind) {
    SQLite::Statement q(db.sql(), "SELECT 1 FROM outbox WHERE case_id = ? AND kind = ? LIMIT 1");
    q.bind(1, case_id);
    q.bind(2, kind);
    return q.executeStep();
}

std::vector<OutboxItem> case_outbox(Database& db, const std::string& case_id) {
    SQLite::Statement q(db.sql(), std::string(kColumns) + "WHERE case_id = ? ORDER BY id");
    q.bind(1, case_id);
    std::vector<OutboxItem> out;
    while (q.executeStep()) out.push_back(read_item(q, false));
    return out;
}

void mark_sent(Database& db, long long id, TimePoint now) {
    SQLite::Statement s(db.sql(),
                        "UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL "
                        "WHERE id = ?");
    s.bind(1, static_cast<int64_t>(to_unix(now)));
    s.bind(2, static_cast<int64_t>(id));
    s.exec();
}

void mark_failed(Database& db, long long id, const std::string& error, TimePoint now,
                 bool permanent, int max_attempts) {
    SQLite::Statement q(db.sql(), "SELECT attempts FROM outbox WHERE id = ?");
    q.bind(1, static_cast<int64_t>(id));
    if (!q.executeStep()) return;
    int attempts = q.getColumn(0).getInt() + 1;
    q.reset();
    bool park = permanent || attempts >= max_attempts;
    SQLite::Statement s(db.sql(),
                        "UPDATE outbox SET attempts = ?, last_error = ?, next_attempt = ?, "
                        "parked = ? WHERE id = ?");
    s.bind(1, attempts);
    s.bind(2, error);
    s.bind(3, static_cast<int64_t>(to_unix(now + outbox_backoff(attempts))));
    s.bind(4, park ? 1 : 0);
    s.bind(5, static_cast<int64_t>(id));
    s.exec();
}

long long outbox_backlog(Database& db) {
    return db.sql().execAndGet("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").getInt64();
}

int count_outbox_since(Database& db, const std::string& recipient, const std::string& kind,
                       TimePoint since) {
    SQLite::Statement q(db.sql(),
                        "SELECT COUNT(*) FROM outbox WHERE recipient = ? AND kind = ? AND "
                        "created_at >= ?");
    q.bind(1, recipient);
    q.bind(2, kind);
    q.bind(3, static_cast<int64_t>(to_unix(since)));
    q.executeStep();
    return q.getColumn(0).getInt();
}

std::optional<std::string> outbox_kind_of(Database& db, const std::string& message_id) {
    if (message_id.empty()) return std::nullopt;
    SQLite::Statement q(db.sql(), "SELECT kind FROM outbox WHERE message_id = ? LIMIT 1");
    q.bind(1, message_id);
    if (q.executeStep()) return q.getColumn(0).getString();
    return std::nullopt;
}

}  // namespace embargo::storage
