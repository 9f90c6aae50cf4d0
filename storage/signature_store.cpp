// seen_signatures and sender_keys tables.
#include "storage/signature_store.hpp"

namespace embargo::storage {

bool signature_seen(Database& db, const std::string& digest) {
    SQLite::Statement q(db.sql(), "SELECT 1 FROM seen_signatures WHERE digest = ?");
    q.bind(1, digest);
    return q.executeStep();
}

void record_signature(Database& db, const std::string& digest, const std::string& fingerprint,
                      const std::string& message_id, TimePoint now) {
    SQLite::Statement q(db.sql(),
                        "INSERT OR IGNORE INTO seen_signatures (digest, fingerprint, message_id, "
                        "seen_at) VALUES (?,?,?,?)");
    q.bind(1, digest);
    q.bind(2, fingerprint);
    q.bind(3, message_id);
    q.bind(4, static_cast<int64_t>(to_unix(now)));
    q.exec();
}

void record_sender_key(Database& db, const std::string& email, const std::string& fingerprint,
                       TimePoint now) {
    SQLite::Statement q(db.sql(),
                        "INSERT OR IGNORE INTO sender_keys (email, fingerprint, imported_at) "
                        "VALUES (?,?,?)");
    q.bind(1, email);
    q.bind(2, fingerprint);
    q.bind(3, static_cast<int64_t>(to_unix(now)));
    q.exec();
}

std::vector<std::string> key_senders(Database& db, const std::string& fingerprint) {
    SQLite::Statement q(db.sql(), "SELECT email FROM sender_keys WHERE fingerprint = ?");
    q.bind(1, fingerprint);
    std::vector<std::string> out;
    while (q.executeStep()) out.push_back(q.getColumn(0).getString());
    return out;
}

}  // namespace embargo::storage
