// The append-only, hash-chained event log: every change to a case, with time,
// actor and what changed. Each entry's hash covers its fields and the previous
// hash, so editing or deleting any row breaks the chain at that row.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "storage/database.hpp"

namespace embargo::storage {

struct Event {
    long long seq = 0;
    std::string case_id;
    TimePoint at{};
    std::string actor;   // an address, or "embargod" for the daemon itself
    std::string kind;    // "case-opened", "command", "message", ...
    std::string detail;  // never report text
    std::string signer;  // signing fingerprint of a command, when any
};

// Appends inside the caller's transaction.
void append_event(Database& db, const Event& e);
std::vector<Event> case_events(Database& db, const std::string& case_id);

struct AuditResult {
    bool ok = true;
    long long checked = 0;
    std::optional<long long> broken_seq;  // first entry whose hash does not match
    std::string reason;
};
AuditResult audit_events(Database& db);

std::string sha256_hex(std::string_view data);

}  // namespace embargo::storage
