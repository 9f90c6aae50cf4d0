// Case rows, their ordered lists and milestones.
#include "storage/case_store.hpp"

#include <utility>

namespace embargo::storage {
namespace {

std::optional<TimePoint> opt_time(const SQLite::Column& c) {
    if (c.isNull()) return std::nullopt;
    return from_unix(c.getInt64());
}

void bind_opt_time(SQLite::Statement& s, int i, const std::optional<TimePoint>& t) {
    if (t)
        s.bind(i, static_cast<int64_t>(to_unix(*t)));
    else
        s.bind(i);
}

// The list fields of a case, by the name stored in case_lists.
template <class C>
auto lists_of(C& c) {
    return std::array<std::pair<const char*, decltype(&c.reporters)>, 8>{{
        {"reporters", &c.reporters},
        {"fix_team", &c.fix_team},
        {"affects", &c.affects},
        {"prs", &c.prs},
        {"mitigations", &c.mitigations},
        {"released_versions", &c.released_versions},
        {"flags", &c.flags},
        {"forge_logins", &c.forge_logins},
    }};
}

void write_children(Database& db, const Case& c) {
    SQLite::Statement del_lists(db.sql(), "DELETE FROM case_lists WHERE case_id = ?");
    del_lists.bind(1, c.id);
    del_lists.exec();
    SQLite::Statement ins(db.sql(),
                          "INSERT INTO case_lists (case_id, list, pos, value) VALUES (?,?,?,?)");
    for (const auto& [name, list] : lists_of(c)) {
        int pos = 0;
        for (const auto& v : *list) {
            ins.reset();
            ins.bind(1, c.id);
            ins.bind(2, name);
            ins.bind(3, pos++);
            ins.bind(4, v);
            ins.exec();
        }
    }
    SQLite::Statement ms(db.sql(),
                         "INSERT INTO milestones (case_id, name, due, done) VALUES (?,?,?,?) "
                         "ON CONFLICT (case_id, name) DO UPDATE SET due = excluded.due, "
                         "done = excluded.done");
    for (const auto& m : c.milestones) {
        ms.reset();
        ms.bind(1, c.id);
        ms.bind(2, std::string(to_string(m.name)));
        bind_opt_time(ms, 3, m.due);
        bind_opt_time(ms, 4, m.done);
        ms.exec();
    }
}

void bind_case_columns(SQLite::Statement& s, const Case& c) {
    s.bind(":state", std::string(to_string(c.state)));
    s.bind(":subject", c.subject);
    s.bind(":received_at", static_cast<int64_t>(to_unix(c.received_at)));
    s.bind(":lead", c.lead);
    s.bind(":encrypted", c.encrypted ? 1 : 0);
    s.bind(":public", c.is_public ? 1 : 0);
    s.bind(":public_url", c.public_url);
    s.bind(":slowed", c.slowed ? 1 : 0);
    if (c.cvss) {
        s.bind(":cvss_vector", c.cvss->vector);
        s.bind(":cvss_score", c.cvss->score);
        s.bind(":cvss_severity", c.cvss->severity);
    } else {
        s.bind(":cvss_vector");
        s.bind(":cvss_score");
        s.bind(":cvss_severity");
    }
    s.bind(":release_plan", c.release_plan);
    bind_opt_time(s, s.getIndex(":release_date"), c.release_date);
    s.bind(":cve", c.cve);
    s.bind(":merged_into", c.merged_into);
    bind_opt_time(s, s.getIndex(":closed_at"), c.closed_at);
}

}  // namespace

CaseId next_case_id(Database& db, const std::string& prefix, int year) {
    SQLite::Statement up(db.sql(),
                         "INSERT INTO case_counters (year, last_number) VALUES (?, 1) "
                         "ON CONFLICT (year) DO UPDATE SET last_number = last_number + 1 "
                         "RETURNING last_number");
    up.bind(1, year);
    if (!up.executeStep()) throw StorageError("could not reserve a case number");
    return CaseId{prefix, year, up.getColumn(0).getInt()};
}

void insert_case(Database& db, const Case& c, const CaseId& id, const std::string& norm_subject) {
    SQLite::Statement s(db.sql(),
                        "INSERT INTO cases (id, year, number, norm_subject, state, subject, "
                        "received_at, lead, encrypted, public, public_url, slowed, cvss_vector, "
                        "cvss_score, cvss_severity, release_plan, release_date, cve, merged_into, "
                        "closed_at) VALUES (:id, :year, :number, :norm_subject, :state, :subject, "
                        ":received_at, :lead, :encrypted, :public, :public_url, :slowed, "
                        ":cvss_vector, :cvss_score, :cvss_severity, :release_plan, :release_date, "
                        ":cve, :merged_into, :closed_at)");
    s.bind(":id", c.id);
    s.bind(":year", id.year);
    s.bind(":number", id.number);
    s.bind(":norm_subject", norm_subject);
    bind_case_columns(s, c);
    s.exec();
    write_children(db, c);
}

void save_case(Database& db, const Case& c) {
    SQLite::Statement s(db.sql(),
                        "UPDATE cases SET state = :state, subject = :subject, received_at = "
                        ":received_at, lead = :lead, encrypted = :encrypted, public = :public, "
                        "public_url = :public_url, slowed = :slowed, cvss_vector = :cvss_vector, "
                        "cvss_score = :cvss_score, cvss_severity = :cvss_severity, release_plan = "
                        ":release_plan, release_date = :release_date, cve = :cve, merged_into = "
                        ":merged_into, closed_at = :closed_at WHERE id = :id");
    s.bind(":id", c.id);
    bind_case_columns(s, c);
    if (s.exec() != 1) throw StorageError("case " + c.id + " does not exist");
    write_children(db, c);
}

std::optional<Case> load_case(Database& db, const std::string& id) {
    SQLite::Statement q(db.sql(),
                        "SELECT id, state, subject, received_at, lead, encrypted, public, "
                        "public_url, slowed, cvss_vector, cvss_score, cvss_severity, release_plan, "
                        "release_date, cve, merged_into, closed_at FROM cases WHERE id = ?");
    q.bind(1, id);
    if (!q.executeStep()) return std::nullopt;
    Case c;
    c.id = q.getColumn(0).getString();
    c.state = case_state_from(q.getColumn(1).getString()).value_or(CaseState::Triage);
    c.subject = q.getColumn(2).getString();
    c.received_at = from_unix(q.getColumn(3).getInt64());
    c.lead = q.getColumn(4).getString();
    c.encrypted = q.getColumn(5).getInt() != 0;
    c.is_public = q.getColumn(6).getInt() != 0;
    c.public_url = q.getColumn(7).getString();
    c.slowed = q.getColumn(8).getInt() != 0;
    if (!q.getColumn(9).isNull())
        c.cvss = Cvss{q.getColumn(9).getString(), q.getColumn(10).getDouble(),
                      q.getColumn(11).getString()};
    c.release_plan = q.getColumn(12).getString();
    c.release_date = opt_time(q.getColumn(13));
    c.cve = q.getColumn(14).getString();
    c.merged_into = q.getColumn(15).getString();
    c.closed_at = opt_time(q.getColumn(16));

    SQLite::Statement l(db.sql(),
                        "SELECT list, value FROM case_lists WHERE case_id = ? ORDER BY list, pos");
    l.bind(1, id);
    auto lists = lists_of(c);
    while (l.executeStep()) {
        std::string name = l.getColumn(0).getString();
        for (auto& [n, list] : lists)
            if (name == n) list->push_back(l.getColumn(1).getString());
    }
    for (size_t i = 0; i < c.milestones.size(); ++i) c.milestones[i].name = kMilestones[i];
    SQLite::Statement m(db.sql(), "SELECT name, due, done FROM milestones WHERE case_id = ?");
    m.bind(1, id);
    while (m.executeStep()) {
        auto name = milestone_from(m.getColumn(0).getString());
        if (!name) continue;
        auto& ms = c.milestone(*name);
        ms.due = opt_time(m.getColumn(1));
        ms.done = opt_time(m.getColumn(2));
    }
    return c;
}

std::vector<std::string> open_case_ids(Database& db) {
    SQLite::Statement q(db.sql(),
                        "SELECT id FROM cases WHERE state NOT IN ('closed','rejected','merged') "
                        "ORDER BY year, number");
    std::vector<std::string> ids;
    while (q.executeStep()) ids.push_back(q.getColumn(0).getString());
    return ids;
}

std::vector<Case> list_cases(Database& db, bool include_closed) {
    std::vector<std::string> ids;
    if (include_closed) {
        SQLite::Statement q(db.sql(), "SELECT id FROM cases ORDER BY year, number");
        while (q.executeStep()) ids.push_back(q.getColumn(0).getString());
    } else {
        ids = open_case_ids(db);
    }
    std::vector<Case> out;
    out.reserve(ids.size());
    for (const auto& id : ids)
        if (auto c = load_case(db, id)) out.push_back(std::move(*c));
    return out;
}

CaseCounts case_counts(Database& db, const std::string& id) {
    SQLite::Statement q(db.sql(),
                        "SELECT COUNT(*), COALESCE(SUM(kind = 'report'), 0) FROM messages "
                        "WHERE case_id = ?");
    q.bind(1, id);
    q.executeStep();
    return CaseCounts{q.getColumn(1).getInt(), q.getColumn(0).getInt()};
}

}  // namespace embargo::storage
