// The database schema, one migration per entry. Never edit an applied
// migration: add a new one.
#include "storage/schema.hpp"

namespace embargo::storage {

const std::vector<std::string_view>& migrations() {
    static const std::vector<std::string_view> list = {
        // 1: the walking skeleton.
        R"sql(
CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE mailbox_state (
    mailbox TEXT PRIMARY KEY,
    uidvalidity INTEGER NOT NULL,
    last_uid INTEGER NOT NULL
);

CREATE TABLE case_counters (year INTEGER PRIMARY KEY, last_number INTEGER NOT NULL);

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    year INTEGER NOT NULL,
    number INTEGER NOT NULL,
    state TEXT NOT NULL,
    subject TEXT NOT NULL,
    norm_subject TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    lead TEXT NOT NULL,
    encrypted INTEGER NOT NULL DEFAULT 0,
    public INTEGER NOT NULL DEFAULT 0,
    public_url TEXT NOT NULL DEFAULT '',
    slowed INTEGER NOT NULL DEFAULT 0,
    cvss_vector TEXT,
    cvss_score REAL,
    cvss_severity TEXT,
    release_plan TEXT NOT NULL DEFAULT '',
    release_date INTEGER,
    cve TEXT NOT NULL DEFAULT '',
    merged_into TEXT NOT NULL DEFAULT '',
    closed_at INTEGER,
    UNIQUE (year, number)
);
CREATE INDEX cases_state ON cases (state);

-- Ordered list fields of a case: reporters, fix_team, affects, prs,
-- mitigations, released_versions, flags.
CREATE TABLE case_lists (
    case_id TEXT NOT NULL REFERENCES cases (id),
    list TEXT NOT NULL,
    pos INTEGER NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (case_id, list, pos)
);

CREATE TABLE milestones (
    case_id TEXT NOT NULL REFERENCES cases (id),
    name TEXT NOT NULL,
    due INTEGER,
    done INTEGER,
    PRIMARY KEY (case_id, name)
);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases (id),
    message_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    mailbox TEXT,
    uidvalidity INTEGER,
    uid INTEGER,
    from_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    norm_subject TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    processed_at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    encrypted INTEGER NOT NULL DEFAULT 0,
    signature TEXT NOT NULL DEFAULT 'none',
    signed_by TEXT,
    signed_at INTEGER,
    flags TEXT NOT NULL DEFAULT '',
    in_reply_to TEXT NOT NULL DEFAULT '',
    refs TEXT NOT NULL DEFAULT '',
    raw BLOB NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX messages_message_id ON messages (message_id);
CREATE INDEX messages_content_hash ON messages (content_hash);
CREATE INDEX messages_case ON messages (case_id);
CREATE INDEX messages_reporter_subject ON messages (from_addr, norm_subject, received_at);

CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    signer TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX events_case ON events (case_id, seq);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

-- Messages whose processing failed: retried each cycle, quarantined after 3.
CREATE TABLE failures (
    mailbox TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    message_id TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL,
    error TEXT NOT NULL,
    first_failed_at INTEGER NOT NULL,
    last_failed_at INTEGER NOT NULL,
    quarantined_at INTEGER,
    raw BLOB,
    PRIMARY KEY (mailbox, uidvalidity, uid)
);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    case_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    envelope_from TEXT NOT NULL,
    body BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    last_error TEXT,
    sent_at INTEGER,
    parked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_pending ON outbox (sent_at, parked, next_attempt);
CREATE INDEX outbox_case ON outbox (case_id);

-- What the scheduler has already sent, so every reminder, escalation and
-- digest goes out once, across restarts and clock jumps.
CREATE TABLE notices_sent (
    case_id TEXT NOT NULL,
    milestone TEXT NOT NULL,
    kind TEXT NOT NULL,
    count INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    PRIMARY KEY (case_id, milestone, kind)
);

-- Signatures already used for commands (replay protection).
CREATE TABLE seen_signatures (
    digest TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    message_id TEXT NOT NULL,
    seen_at INTEGER NOT NULL
);

-- Public keys imported from mail, and whose address they came with.
CREATE TABLE sender_keys (
    email TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    imported_at INTEGER NOT NULL,
    PRIMARY KEY (email, fingerprint)
);
)sql",
        // 2: near-identical report detection (core/dedup.hpp). One MinHash
        // signature per indexed report; its LSH band keys point at it, so a
        // new report is compared only with the few sketches sharing a band.
        R"sql(
CREATE TABLE sketches (
    id INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    shingles INTEGER NOT NULL,
    minhash BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX sketches_case ON sketches (case_id);

CREATE TABLE sketch_bands (
    band_key INTEGER NOT NULL,
    sketch_id INTEGER NOT NULL,
    PRIMARY KEY (band_key, sketch_id)
) WITHOUT ROWID;
)sql",
        // 3: the forge ([forge]): the repository security advisory each case
        // got. The calls themselves are outbox items ("forge:OWNER/REPO").
        R"sql(
CREATE TABLE forge_advisories (
    case_id TEXT PRIMARY KEY,
    repository TEXT NOT NULL,
    ghsa_id TEXT NOT NULL,
    html_url TEXT NOT NULL,
    fork_url TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);
)sql",
        // 4: the per-sender rate limit counts a sender's recent acks for
        // every incoming report (count_outbox_since); without an index that
        // read the whole outbox, bodies and all, each time.
        R"sql(
CREATE INDEX outbox_recipient_kind ON outbox (recipient, kind, created_at);
)sql",
    };
    return list;
}

}  // namespace embargo::storage
