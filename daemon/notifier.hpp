// Turns a notification (kind, recipients, subject, body) into outbox items:
// one message per recipient with a fixed Message-ID, threaded under the case,
// encrypted to the recipient and signed when it carries case content, signed
// only when public, a content-free notice when no key is usable and
// encryption is required. Queued inside the caller's transaction.
//
// The signing and encryption (the bulk of the work) runs on a WorkerPool
// when one is given: the calling thread, which owns the database
// connection, decides everything that needs the database (recipient keys,
// Message-IDs, headers), the pool threads only turn those and the text into
// mail bytes with gpg, in memory, and the calling thread stores the items
// in order. A Batch gathers every notification one message causes, so all
// of them are composed in parallel, then stored in the same transaction.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/time.hpp"
#include "core/workflow_types.hpp"
#include "storage/database.hpp"

namespace embargo::crypto {
class Gpg;
}

namespace embargo::daemon {

class WorkerPool;

struct Notice {
    std::string case_id;
    std::string kind;             // SPEC 6: ack, new-case, relay, ...
    std::vector<std::string> to;  // addresses
    std::string subject;          // the real subject: only ever inside encryption
    std::string outer_subject;    // without content; "[CASE] " is prepended
    std::string body;             // begins with "Case: ID"
    bool has_content = true;      // case content: encrypt, or a content-free notice
    bool is_public = false;       // announcements: signed, never encrypted
    std::string in_reply_to;      // the message that caused it, when any
};

// 128 random bits in hex: the unique part of the Message-IDs (and chat post
// ids) we make.
std::string random_token();

class Notifier {
  public:
    // pool may be null: everything is composed on the calling thread.
    Notifier(const Config& cfg, crypto::Gpg* gpg, WorkerPool* pool = nullptr);
    ~Notifier();
    void set_config(const Config& cfg) { cfg_ = &cfg; }
    void set_pool(WorkerPool* pool) { pool_ = pool; }

    // While a Batch is open, queue() prepares its items (recipient keys,
    // Message-IDs, headers: all the database work) and counts them; commit()
    // signs and encrypts all of them on the pool, then stores them in the
    // order they were queued. Call commit() inside the transaction, before
    // committing it; a Batch that ends without commit() (an exception) drops
    // what it gathered, as the transaction rolls back. Not nested.
    class Batch {
      public:
        explicit Batch(Notifier& n);
        ~Batch();
        Batch(const Batch&) = delete;
        Batch& operator=(const Batch&) = delete;
        void commit(storage::Database& db);

      private:
        Notifier& n_;
    };

    // Returns how many outbox items were queued.
    int queue(storage::Database& db, const Notice& n, TimePoint now);
    // A request from the rules core. `content` is false for texts written to
    // hold nothing of the case (an ack without content, undecryptable): they
    // may go out in the clear to someone without a key.
    int queue(storage::Database& db, const workflow::NoticeRequest& r, TimePoint now,
              const std::string& in_reply_to = {}, bool content = true);
    // Whether mail to this address can be encrypted (member key or a usable
    // key in the keyring).
    bool can_encrypt_to(storage::Database& db, const std::string& email) {
        return !recipient_key(db, email).empty();
    }
    // The Message-ID every notification of a case threads under.
    std::string thread_root(const std::string& case_id) const;

    struct Pending;  // one outbox item before its body is composed

  private:
    std::string recipient_key(storage::Database& db, const std::string& email);
    // Composes the bodies (in parallel on the pool) and queues the items.
    void store(storage::Database& db, std::vector<Pending>& items);
    const Config* cfg_;
    crypto::Gpg* gpg_;
    WorkerPool* pool_;
    bool batching_ = false;
    std::vector<Pending> pending_;
};

}  // namespace embargo::daemon
