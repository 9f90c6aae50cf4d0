// Message rows and the threading/de-duplication look-ups over them.
#include "storage/message_store.hpp"

namespace embargo::storage {

long long insert_message(Database& db, const StoredMessage& m) {
    SQLite::Statement s(db.sql(),
                        "INSERT INTO messages (case_id, message_id, content_hash, mailbox, "
                        "uidvalidity, uid, from_addr, subject, norm_subject, received_at, "
                        "processed_at, kind, encrypted, signature, signed_by, signed_at, flags, "
                        "in_reply_to, refs, raw, text) VALUES "
                        "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    int i = 1;
    s.bind(i++, m.case_id);
    s.bind(i++, m.message_id);
    s.bind(i++, m.content_hash);
    s.bind(i++, m.mailbox);
    s.bind(i++, static_cast<int64_t>(m.uidvalidity));
    s.bind(i++, static_cast<int64_t>(m.uid));
    s.bind(i++, m.from);
    s.bind(i++, m.subject);
    s.bind(i++, m.norm_subject);
    s.bind(i++, static_cast<int64_t>(to_unix(m.received_at)));
    s.bind(i++, static_cast<int64_t>(to_unix(m.processed_at)));
    s.bind(i++, m.kind);
    s.bind(i++, m.encrypted ? 1 : 0);
    s.bind(i++, m.signature);
    if (m.signed_by.empty())
        s.bind(i++);
    else
        s.bind(i++, m.signed_by);
    if (m.signed_at)
        s.bind(i++, static_cast<int64_t>(to_unix(*m.signed_at)));
    else
        s.bind(i++);
    s.bind(i++, m.flags);
    s.bind(i++, m.in_reply_to);
    s.bind(i++, m.refs);
    s.bind(i++, m.raw.data(), static_cast<int>(m.raw.size()));
    s.bind(i++, m.text);
    s.exec();
    return db.sql().getLastInsertRowid();
}

std::vector<StoredMessage> case_messages(Database& db, const std::string& case_id) {
    SQLite::Statement q(db.sql(),
                        "SELECT id, message_id, from_addr, received_at, processed_at, kind, "
                        "encrypted, signature, signed_by, signed_at, flags, uid, text FROM messages "
                        "WHERE case_id = ? ORDER BY id");
    q.bind(1, case_id);
    std::vector<StoredMessage> out;
    while (q.executeStep()) {
        StoredMessage m;
        m.id = q.getColumn(0).getInt64();
        m.case_id = case_id;
        m.message_id = q.getColumn(1).getString();
        m.from = q.getColumn(2).getString();
        m.received_at = from_unix(q.getColumn(3).getInt64());
        m.processed_at = from_unix(q.getColumn(4).getInt64());
        m.kind = q.getColumn(5).getString();
        m.encrypted = q.getColumn(6).getInt() != 0;
        m.signature = q.getColumn(7).getString();
        m.signed_by = q.getColumn(8).isNull() ? "" : q.getColumn(8).getString();
        if (!q.getColumn(9).isNull()) m.signed_at = from_unix(q.getColumn(9).getInt64());
        m.flags = q.getColumn(10).getString();
        m.uid = q.getColumn(11).getInt64();
        m.text = q.getColumn(12).getString();
        out.push_back(std::move(m));
    }
    return out;
}

std::optional<std::string> case_of_message_id(Database& db, const std::string& message_id) {
    if (message_id.empty()) return std::nullopt;
    SQLite::Statement q(db.sql(),
                        "SELECT case_id FROM messages WHERE message_id = ? UNION ALL "
                        "SELECT case_id FROM outbox WHERE message_id = ? LIMIT 1");
    q.bind(1, message_id);
    q.bind(2, message_id);
    if (q.executeStep()) return q.getColumn(0).getString();
    return std::nullopt;
}

bool message_seen(Database& db, const std::string& message_id, const std::string& content_hash) {
    SQLite::Statement q(db.sql(),
                        "SELECT 1 FROM messages WHERE content_hash = ? AND message_id = ? LIMIT 1");
    q.bind(1, content_hash);
    q.bind(2, message_id);
    return q.executeStep();
}

bool message_id_seen(Database& db, const std::string& message_id) {
    SQLite::Statement q(db.sql(), "SELECT 1 FROM messages WHERE message_id = ? LIMIT 1");
    q.bind(1, message_id);
    return q.executeStep();
}

std::optional<std::string> open_case_by_reporter_subject(Database& db, const std::string& from,
                                                         const std::string& norm_subject,
                                                         TimePoint since) {
    if (norm_subject.empty()) return std::nullopt;
    SQLite::Statement q(db.sql(),
                        "SELECT m.case_id FROM messages m JOIN cases c ON c.id = m.case_id "
                        "WHERE m.from_addr = ? AND m.norm_subject = ? AND m.received_at >= ? "
                        "AND m.kind = 'report' AND c.state NOT IN ('closed','rejected','merged') "
                        "ORDER BY m.id LIMIT 1");
    q.bind(1, from);
    q.bind(2, norm_subject);
    q.bind(3, static_cast<int64_t>(to_unix(since)));
    if (q.executeStep()) return q.getColumn(0).getString();
    return std::nullopt;
}

std::string first_report_text(Database& db, const std::string& case_id) {
    SQLite::Statement q(db.sql(),
                        "SELECT text FROM messages WHERE case_id = ? AND kind = 'report' "
                        "ORDER BY id LIMIT 1");
    q.bind(1, case_id);
    if (q.executeStep()) return q.getColumn(0).getString();
    return {};
}

}  // namespace embargo::storage
