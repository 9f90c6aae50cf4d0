// Storage: schema, file mode, case round trip, per-year numbering, event chain
// audit, outbox bookkeeping, failures and quarantine.
#include <sys/stat.h>
#include <catch2/catch.hpp>

#include "storage/case_store.hpp"
#include "storage/database.hpp"
#include "storage/event_log.hpp"
#include "storage/mailbox_store.hpp"
#include "storage/message_store.hpp"
#include "storage/outbox_store.hpp"
#include "tests/support/tempdir.hpp"

using namespace embargo;
using namespace embargo::storage;

namespace {
TimePoint at(const char* iso) {
    return *parse_iso8601(iso);
}

Case sample_case(const std::string& id) {
    Case c;
    c.id = id;
    c.subject = "Heap overflow";
    c.received_at = at("2026-11-24T10:00:00Z");
    c.lead = "alice@example.org";
    c.reporters = {"eve@example.net"};
    c.fix_team = {"dave@example.org", "carol@example.org"};
    c.affects = {"1.13", "master"};
    c.flags = {"oversized"};
    c.cvss = Cvss{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "critical"};
    for (size_t i = 0; i < c.milestones.size(); ++i) c.milestones[i].name = kMilestones[i];
    c.milestone(MilestoneName::Organize).due = at("2026-11-25T10:00:00Z");
    c.milestone(MilestoneName::Organize).done = at("2026-11-24T12:00:00Z");
    return c;
}
}  // namespace

TEST_CASE("database file is private and migrated") {
    test::TempDir dir;
    Database db(dir / "e.db");
    struct stat st {};
    REQUIRE(stat((dir / "e.db").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(db.schema_version() == latest_schema_version());
    Database again(dir / "e.db");  // re-open: no migration runs twice
    CHECK(again.schema_version() == latest_schema_version());
}

TEST_CASE("cases round trip and number per year") {
    test::TempDir dir;
    Database db(dir / "e.db");
    auto tx = db.write_transaction();
    auto id1 = next_case_id(db, "EMST", 2026);
    auto id2 = next_case_id(db, "EMST", 2026);
    auto id3 = next_case_id(db, "EMST", 2027);
    CHECK(id1.str() == "EMST-2026-0001");
    CHECK(id2.str() == "EMST-2026-0002");
    CHECK(id3.str() == "EMST-2027-0001");
    Case c = sample_case(id1.str());
    insert_case(db, c, id1, "heap overflow");
    tx.commit();
    auto loaded = load_case(db, id1.str());
    REQUIRE(loaded);
    CHECK(loaded->lead == "alice@example.org");
    CHECK(loaded->fix_team == std::vector<std::string>{"dave@example.org", "carol@example.org"});
    CHECK(loaded->affects == std::vector<std::string>{"1.13", "master"});
    REQUIRE(loaded->cvss);
    CHECK(loaded->cvss->score == 9.8);
    CHECK(loaded->milestone(MilestoneName::Organize).done == at("2026-11-24T12:00:00Z"));
    CHECK_FALSE(loaded->milestone(MilestoneName::Fix).due);
    loaded->state = CaseState::Rejected;
    loaded->fix_team.clear();
    save_case(db, *loaded);
    auto again = load_case(db, id1.str());
    CHECK(again->state == CaseState::Rejected);
    CHECK(again->fix_team.empty());
    CHECK(open_case_ids(db).empty());
    CHECK(list_cases(db, true).size() == 1);
}

TEST_CASE("event chain detects tampering and names the first broken link") {
    test::TempDir dir;
    Database db(dir / "e.db");
    {
        auto tx = db.write_transaction();
        for (int i = 0; i < 5; ++i)
            append_event(db,
                         Event{0, "EMST-2026-0001", at("2026-11-24T10:00:00Z"), "alice@example.org",
                               "command", "/cc dave@example.org #" + std::to_string(i), ""});
        tx.commit();
    }
    auto ok = audit_events(db);
    CHECK(ok.ok);
    CHECK(ok.checked == 5);
    CHECK(case_events(db, "EMST-2026-0001").size() == 5);
    // The triggers make the log append-only through SQL...
    CHECK_THROWS(db.sql().exec("UPDATE events SET detail = 'x' WHERE seq = 3"));
    CHECK_THROWS(db.sql().exec("DELETE FROM events WHERE seq = 3"));
    // ...and an attacker who drops them is still caught by the chain.
    db.sql().exec("DROP TRIGGER events_no_update");
    db.sql().exec("UPDATE events SET detail = 'forged' WHERE seq = 3");
    auto bad = audit_events(db);
    CHECK_FALSE(bad.ok);
    REQUIRE(bad.broken_seq);
    CHECK(*bad.broken_seq == 3);
    CHECK(bad.reason.find("altered") != std::string::npos);
}

TEST_CASE("outbox delivery bookkeeping and backoff") {
    test::TempDir dir;
    Database db(dir / "e.db");
    TimePoint now = at("2026-11-24T10:00:00Z");
    queue_outbox(db, OutboxItem{0, "m1@example.org", "EMST-2026-0001", "ack", "eve@example.net",
                                "secalert@example.org", "body", now});
    CHECK_THROWS(queue_outbox(db, OutboxItem{0, "m1@example.org", "EMST-2026-0001", "ack", "x", "y",
                                             "z", now}));  // Message-ID is unique
    auto due = due_outbox(db, now, 10);
    REQUIRE(due.size() == 1);
    CHECK(due[0].body == "body");
    mark_failed(db, due[0].id, "connection refused", now, false, 3);
    CHECK(due_outbox(db, now, 10).empty());
    CHECK(due_outbox(db, now + std::chrono::minutes{1}, 10).size() == 1);
    mark_failed(db, due[0].id, "again", now, false, 3);
    mark_failed(db, due[0].id, "and again", now, false, 3);
    auto und = undelivered_outbox(db);
    REQUIRE(und.size() == 1);
    CHECK(und[0].parked);
    CHECK(und[0].attempts == 3);
    CHECK(due_outbox(db, now + std::chrono::hours{24}, 10).empty());
    CHECK(outbox_backoff(1) == std::chrono::minutes{1});
    CHECK(outbox_backoff(3) == std::chrono::minutes{4});
    CHECK(outbox_backoff(30) == std::chrono::hours{1});
}

TEST_CASE("failures are retried then quarantined") {
    test::TempDir dir;
    Database db(dir / "e.db");
    TimePoint now = at("2026-11-24T10:00:00Z");
    auto f1 = record_failure(db, "INBOX", 7, 42, "x@y", "boom", "raw", now, 3);
    CHECK(f1.attempts == 1);
    CHECK_FALSE(f1.quarantined_at);
    CHECK(pending_failures(db, "INBOX", 7).size() == 1);
    record_failure(db, "INBOX", 7, 42, "x@y", "boom", "raw", now, 3);
    auto f3 = record_failure(db, "INBOX", 7, 42, "x@y", "boom", "raw", now, 3);
    CHECK(f3.quarantined_at);
    CHECK(pending_failures(db, "INBOX", 7).empty());
    auto q = quarantined(db);
    REQUIRE(q.size() == 1);
    CHECK(q[0].uid == 42);
    CHECK(q[0].attempts == 3);
}
