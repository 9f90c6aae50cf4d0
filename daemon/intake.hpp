// Intake: one fetched message in, one database transaction out. Parses,
// opens PGP, finds or opens its case, stores it, records events, queues the
// notifications and advances the mailbox position — all or nothing, so a
// crash at any point neither loses nor repeats a message.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/case.hpp"
#include "core/config.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

namespace embargo::crypto {
class Gpg;
}

namespace embargo::daemon {

struct IncomingMessage {
    std::string mailbox;
    long long uidvalidity = 0;
    long long uid = 0;
    TimePoint internaldate{};
    std::string raw;         // whole message, or only its header block when oversized
    bool oversized = false;  // larger than limits.max_message_bytes: raw holds headers only
    std::uint64_t size = 0;  // size the server reported
};

struct IntakeResult {
    enum class Outcome { NewCase, Joined, Reply, AlreadySeen, Ignored } outcome = Outcome::Ignored;
    std::string case_id;
    std::vector<std::string> flags;
    int notifications = 0;
};

class Notifier;
struct MessageView;

class Intake {
  public:
    // gpg may be null (no keyring configured): encrypted mail is then flagged
    // undecryptable. notifier may be null: nothing is queued.
    Intake(const Config& cfg, storage::Database& db, crypto::Gpg* gpg, Notifier* notifier);

    // Processes one message in one transaction (also advancing the mailbox
    // position). Throws on internal failure; the caller records it for retry.
    IntakeResult process(const IncomingMessage& in, TimePoint now);

    void set_config(const Config& cfg) { cfg_ = &cfg; }

  private:
    // The kind of our case-less notice (digest, command-result) this message
    // replies to, if any.
    std::optional<std::string> case_less_notice_replied_to(const MessageView& view);
    // Tells a member that a reply to such a notice names no single case.
    int answer_which_case(const MessageView& view, const std::string& replied_kind,
                          const std::vector<std::string>& named, TimePoint now);
    // drop_quote: the reply quotes a notice about several cases (the digest),
    // which must not reach the case's Fix Team: relay only the member's lines.
    int notify(const Case& c, const MessageView& view, bool is_new, bool joined, bool is_reply,
               bool drop_quote, TimePoint now);
    const Config* cfg_;
    storage::Database& db_;
    crypto::Gpg* gpg_;
    Notifier* notifier_;
};

}  // namespace embargo::daemon
