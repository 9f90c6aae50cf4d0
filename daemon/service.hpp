// The daemon's state for one configuration: database, keyring, mail clients,
// and the cycle (poll the mailbox, run the scheduler, flush the outbox).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "daemon/outbox_sender.hpp"
#include "daemon/poller.hpp"
#include "storage/database.hpp"

namespace embargo::crypto {
class Gpg;
}
namespace embargo::imap {
class Client;
}
namespace embargo::smtp {
class Client;
}

namespace embargo::daemon {

class Intake;
class Notifier;
class WorkerPool;

struct CycleResult {
    bool mailbox_ok = true;
    std::string mailbox_error;
    bool database_ok = true;  // false: locked past the busy timeout, disk full, I/O error
    std::string database_error;
    PollStats poll;
    SendStats send;
    int scheduled = 0;  // reminders, escalations, digests queued
    int overdue = 0;    // open milestones past due
    std::string status_line() const;
    bool ok() const { return mailbox_ok && database_ok; }
};

class Service {
  public:
    // Opens the database (throws storage::StorageError) and the keyring.
    // With `gpg_helper_exe`, signing and encryption run in helper processes
    // of that program (crypto/gpg_helpers.hpp), one per worker thread.
    Service(Config cfg, std::optional<TimePoint> fixed_now, std::string gpg_helper_exe = {});
    ~Service();

    CycleResult cycle(const std::atomic<bool>& stop);
    // Applies a new configuration (team, timelines, addresses) keeping state.
    void reload(Config cfg);
    TimePoint now() const;
    const Config& config() const { return cfg_; }
    storage::Database& db() { return db_; }

  private:
    void make_clients();
    void run_cycle(CycleResult& r, const std::atomic<bool>& stop);
    Config cfg_;
    std::optional<TimePoint> fixed_now_;
    std::string gpg_helper_exe_;
    storage::Database db_;
    std::unique_ptr<crypto::Gpg> gpg_;
    // Signs and encrypts notifications ([daemon] workers); made after gpg_
    // (GPGME is initialised before any thread exists), destroyed before it.
    std::unique_ptr<WorkerPool> pool_;
    std::unique_ptr<Notifier> notifier_;
    std::unique_ptr<Intake> intake_;
    std::unique_ptr<imap::Client> imap_;
    std::unique_ptr<smtp::Client> smtp_;
};

}  // namespace embargo::daemon
