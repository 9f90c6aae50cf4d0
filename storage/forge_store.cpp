// Rows of forge_advisories; see forge_store.hpp.
#include "storage/forge_store.hpp"

namespace embargo::storage {

void save_advisory(Database& db, const Advisory& a) {
    SQLite::Statement s(db.sql(),
                        "INSERT OR REPLACE INTO forge_advisories (case_id, repository, ghsa_id, "
                        "html_url, fork_url, created_at) VALUES (?,?,?,?,?,?)");
    s.bind(1, a.case_id);
    s.bind(2, a.repository);
    s.bind(3, a.ghsa_id);
    s.bind(4, a.html_url);
    s.bind(5, a.fork_url);
    s.bind(6, static_cast<int64_t>(to_unix(a.created_at)));
    s.exec();
}

std::optional<Advisory> advisory_of(Database& db, const std::string& case_id) {
    SQLite::Statement q(db.sql(),
                        "SELECT case_id, repository, ghsa_id, html_url, fork_url, created_at FROM "
                        "forge_advisories WHERE case_id = ?");
    q.bind(1, case_id);
    if (!q.executeStep()) return std::nullopt;
    Advisory a;
    a.case_id = q.getColumn(0).getString();
    a.repository = q.getColumn(1).getString();
    a.ghsa_id = q.getColumn(2).getString();
    a.html_url = q.getColumn(3).getString();
    a.fork_url = q.getColumn(4).getString();
    a.created_at = from_unix(q.getColumn(5).getInt64());
    return a;
}

void set_fork_url(Database& db, const std::string& case_id, const std::string& url) {
    SQLite::Statement s(db.sql(), "UPDATE forge_advisories SET fork_url = ? WHERE case_id = ?");
    s.bind(1, url);
    s.bind(2, case_id);
    s.exec();
}

}  // namespace embargo::storage
