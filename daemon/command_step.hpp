// The command step of the intake: find command lines in a message on a case
// thread, decide whether the sender may give them (SPEC 5), apply them all or
// none, and record the events — inside the message's transaction.
#pragma once

#include <string>
#include <vector>

#include "core/case.hpp"
#include "core/config.hpp"
#include "core/forge.hpp"
#include "core/workflow_types.hpp"
#include "storage/database.hpp"

namespace embargo::daemon {

struct MessageView;

struct CommandStep {
    bool had_commands = false;
    bool applied = false;
    std::vector<workflow::NoticeRequest> notices;  // command-result first
    bool relay_to_reporters = false;
    std::string relay_text;  // /reply draft: relayed instead of the message text
    std::string text_without_commands;
    std::vector<forge::Job> forge_jobs;  // calls on the case's forge advisory, in order
};

// `c` is updated in place when the commands apply (the caller saves it).
// `received` is when the message arrived (signatures dated later than that,
// beyond [team] signature_clock_skew, are refused).
CommandStep run_commands(storage::Database& db, const Config& cfg, Case& c, const MessageView& view,
                         bool message_id_seen, TimePoint received, TimePoint now);

}  // namespace embargo::daemon
