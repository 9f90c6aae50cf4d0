// Delivers due chat posts from the outbox to their webhooks, with the same
// backoff and parking as mail; separate from the mail sender so that a chat
// service that is down never holds up mail.
#pragma once

#include <atomic>
#include <functional>

#include "core/config.hpp"
#include "core/time.hpp"
#include "daemon/outbox_sender.hpp"
#include "storage/database.hpp"

namespace embargo::daemon {

SendStats flush_chat(storage::Database& db, const Config& cfg,
                     const std::function<TimePoint()>& now, const std::atomic<bool>& stop);

}  // namespace embargo::daemon
