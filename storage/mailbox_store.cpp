// Mailbox position, failure/quarantine records and the key-value table.
#include "storage/mailbox_store.hpp"

namespace embargo::storage {
namespace {
Failure read_failure(SQLite::Statement& q) {
    Failure f;
    f.mailbox = q.getColumn(0).getString();
    f.uidvalidity = q.getColumn(1).getInt64();
    f.uid = q.getColumn(2).getInt64();
    f.message_id = q.getColumn(3).getString();
    f.attempts = q.getColumn(4).getInt();
    f.error = q.getColumn(5).getString();
    f.first_failed_at = from_unix(q.getColumn(6).getInt64());
    f.last_failed_at = from_unix(q.getColumn(7).getInt64());
    if (!q.getColumn(8).isNull()) f.quarantined_at = from_unix(q.getColumn(8).getInt64());
    return f;
}
constexpr const char* kFailureColumns =
    "SELECT mailbox, uidvalidity, uid, message_id, attempts, error, first_failed_at, "
    "last_failed_at, quarantined_at FROM failures ";
}  // namespace

std::optional<MailboxState> mailbox_state(Database& db, const std::string& mailbox) {
    SQLite::Statement q(db.sql(),
                        "SELECT uidvalidity, last_uid FROM mailbox_state WHERE mailbox = ?");
    q.bind(1, mailbox);
    if (!q.executeStep()) return std::nullopt;
    return MailboxState{q.getColumn(0).getInt64(), q.getColumn(1).getInt64()};
}

void set_mailbox_state(Database& db, const std::string& mailbox, const MailboxState& s) {
    SQLite::Statement q(db.sql(),
                        "INSERT INTO mailbox_state (mailbox, uidvalidity, last_uid) VALUES (?,?,?) "
                        "ON CONFLICT (mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity, "
                        "last_uid = excluded.last_uid");
    q.bind(1, mailbox);
    q.bind(2, static_cast<int64_t>(s.uidvalidity));
    q.bind(3, static_cast<int64_t>(s.last_uid));
    q.exec();
}

Failure record_failure(Database& db, const std::string& mailbox, long long uidvalidity,
                       long long uid, const std::string& message_id, const std::string& error,
                       const std::string& raw, TimePoint now, int max_attempts) {
    auto tx = db.write_transaction();
    SQLite::Statement up(db.sql(),
                         "INSERT INTO failures (mailbox, uidvalidity, uid, message_id, attempts, "
                         "error, first_failed_at, last_failed_at) VALUES (?,?,?,?,1,?,?,?) "
                         "ON CONFLICT (mailbox, uidvalidity, uid) DO UPDATE SET attempts = "
                         "attempts + 1, error = excluded.error, last_failed_at = "
                         "excluded.last_failed_at, message_id = excluded.message_id");
    up.bind(1, mailbox);
    up.bind(2, static_cast<int64_t>(uidvalidity));
    up.bind(3, static_cast<int64_t>(uid));
    up.bind(4, message_id);
    up.bind(5, error);
    up.bind(6, static_cast<int64_t>(to_unix(now)));
    up.bind(7, static_cast<int64_t>(to_unix(now)));
    up.exec();
    SQLite::Statement q(db.sql(), std::string(kFailureColumns) +
                                      "WHERE mailbox = ? AND uidvalidity = ? AND uid = ?");
    q.bind(1, mailbox);
    q.bind(2, static_cast<int64_t>(uidvalidity));
    q.bind(3, static_cast<int64_t>(uid));
    q.executeStep();
    Failure f = read_failure(q);
    q.reset();
    if (f.attempts >= max_attempts && !f.quarantined_at) {
        SQLite::Statement qu(db.sql(),
                             "UPDATE failures SET quarantined_at = ?, raw = ? WHERE mailbox = ? "
                             "AND uidvalidity = ? AND uid = ?");
        qu.bind(1, static_cast<int64_t>(to_unix(now)));
        qu.bind(2, raw.data(), static_cast<int>(raw.size()));
        qu.bind(3, mailbox);
        qu.bind(4, static_cast<int64_t>(uidvalidity));
        qu.bind(5, static_cast<int64_t>(uid));
        qu.exec();
        f.quarantined_at = now;
    }
    tx.commit();
    return f;
}

std::vector<Failure> pending_failures(Database& db, const std::string& mailbox,
                                      long long uidvalidity) {
    SQLite::Statement q(db.sql(), std::string(kFailureColumns) +
                                      "WHERE mailbox = ? AND uidvalidity = ? AND quarantined_at "
                                      "IS NULL ORDER BY uid");
    q.bind(1, mailbox);
    q.bind(2, static_cast<int64_t>(uidvalidity));
    std::vector<Failure> out;
    while (q.executeStep()) out.push_back(read_failure(q));
    return out;
}

void clear_failure(Database& db, const std::string& mailbox, long long uidvalidity, long long uid) {
    SQLite::Statement q(db.sql(),
                        "DELETE FROM failures WHERE mailbox = ? AND uidvalidity = ? AND uid = ?");
    q.bind(1, mailbox);
    q.bind(2, static_cast<int64_t>(uidvalidity));
    q.bind(3, static_cast<int64_t>(uid));
    q.exec();
}

std::vector<Failure> quarantined(Database& db) {
    SQLite::Statement q(db.sql(),
                        std::string(kFailureColumns) +
                            "WHERE quarantined_at IS NOT NULL ORDER BY quarantined_at, uid");
    std::vector<Failure> out;
    while (q.executeStep()) out.push_back(read_failure(q));
    return out;
}

std::optional<std::string> kv_get(Database& db, const std::string& key) {
    SQLite::Statement q(db.sql(), "SELECT value FROM kv WHERE key = ?");
    q.bind(1, key);
    if (!q.executeStep()) return std::nullopt;
    return q.getColumn(0).getString();
}

void kv_set(Database& db, const std::string& key, const std::string& value) {
    SQLite::Statement q(db.sql(),
                        "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                        "value = excluded.value");
    q.bind(1, key);
    q.bind(2, value);
    q.exec();
}

}  // namespace embargo::storage
