// Messages as received (raw bytes, parsed metadata, readable text) and the
// look-ups that thread and de-duplicate them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "storage/database.hpp"

namespace embargo::storage {

struct StoredMessage {
    long long id = 0;
    std::string case_id;
    std::string message_id;
    std::string content_hash;
    std::string mailbox;
    long long uidvalidity = 0;
    long long uid = 0;
    std::string from;
    std::string subject;       // confidential
    std::string norm_subject;  // confidential
    TimePoint received_at{};
    TimePoint processed_at{};
    std::string kind;  // "report" (first or joined report) or "reply"
    bool encrypted = false;
    std::string signature = "none";  // none | valid | invalid
    std::string signed_by;           // fingerprint
    std::optional<TimePoint> signed_at;
    std::string flags;  // space separated
    std::string in_reply_to;
    std::string refs;  // space separated
    std::string raw;
    std::string text;  // confidential
};

long long insert_message(Database& db, const StoredMessage& m);
// A case's messages in arrival order (no raw bytes).
std::vector<StoredMessage> case_messages(Database& db, const std::string& case_id);
// The case holding a message (or a notification we sent) with that Message-ID.
std::optional<std::string> case_of_message_id(Database& db, const std::string& message_id);
bool message_seen(Database& db, const std::string& message_id, const std::string& content_hash);
bool message_id_seen(Database& db, const std::string& message_id);
// An open case with a report from `from` with the same normalised subject since `since`.
std::optional<std::string> open_case_by_reporter_subject(Database& db, const std::string& from,
                                                         const std::string& norm_subject,
                                                         TimePoint since);
// The first report's text of a case (for notifications to the team).
std::string first_report_text(Database& db, const std::string& case_id);

}  // namespace embargo::storage
