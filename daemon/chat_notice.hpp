// Public notices (announcement, release announcement, public retrospective)
// as chat posts: the JSON payload per webhook format, queued in the outbox
// as one item per target ("chat:NAME") in the caller's transaction.
#pragma once

#include <string>

#include "core/config.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

namespace embargo::daemon {

struct Notice;

// The body POSTed to a target: Slack incoming-webhook JSON ({"text": ...},
// which Mattermost and Rocket.Chat accept too) or, for `json`, an object with
// case, kind, subject and text.
std::string chat_payload(ChatTarget::Format format, const Notice& n);

// Queues `n` for every chat target that takes its kind. Only public notices
// are ever queued (the config refuses other kinds; this checks again).
// Returns how many posts were queued.
int queue_chat(storage::Database& db, const Config& cfg, const Notice& n, TimePoint now);

}  // namespace embargo::daemon
