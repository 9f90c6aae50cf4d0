// One daemon cycle and the objects it needs.
#include "daemon/service.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>

#include "crypto/gpg.hpp"
#include "daemon/chat_sender.hpp"
#include "daemon/forge_sender.hpp"
#include "daemon/imap_client.hpp"
#include "daemon/intake.hpp"
#include "daemon/mail_settings.hpp"
#include "daemon/notifier.hpp"
#include "daemon/schedule_step.hpp"
#include "daemon/smtp_client.hpp"
#include "daemon/worker_pool.hpp"
#include "storage/case_store.hpp"

namespace embargo::daemon {

std::string CycleResult::status_line() const {
    if (!database_ok) return "database FAILED (" + database_error + ")";
    std::string s = mailbox_ok ? "last poll ok" : "last poll FAILED (" + mailbox_error + ")";
    s += ": " + std::to_string(poll.processed) + " processed, " + std::to_string(poll.failed) +
         " failed, outbox backlog " + std::to_string(send.backlog) + ", " +
         std::to_string(overdue) + " overdue milestones";
    return s;
}

Service::Service(Config cfg, std::optional<TimePoint> fixed_now, std::string gpg_helper_exe)
    : cfg_(std::move(cfg)),
      fixed_now_(fixed_now),
      gpg_helper_exe_(std::move(gpg_helper_exe)),
      db_(cfg_.storage.database) {
    struct stat st {};
    if (::stat(cfg_.gpg.homedir.c_str(), &st) == 0) {
        // Decrypted text is never worth more memory than a whole message may
        // take: a decompression bomb (a few bytes of ciphertext, gigabytes of
        // zeros) stops at [limits] max_message_bytes, not GPGME's own cap.
        crypto::GpgOptions options;
        options.max_output_bytes =
            std::max<std::size_t>(cfg_.limits.max_message_bytes, std::size_t{1} << 20);
        gpg_ = std::make_unique<crypto::Gpg>(cfg_.gpg.homedir, options);
    } else {
        spdlog::warn(
            "gpg homedir {} does not exist: encrypted mail cannot be read and nothing "
            "can be encrypted (create it and import the team key)",
            cfg_.gpg.homedir);
    }
    if (gpg_) {
        pool_ = std::make_unique<WorkerPool>(resolve_workers(cfg_.daemon.workers));
        spdlog::info("signing and encrypting notifications on {} worker thread{}", pool_->size(),
                     pool_->size() == 1 ? "" : "s");
        if (!gpg_helper_exe_.empty()) {
            gpg_->use_helpers(gpg_helper_exe_, pool_->size(), cfg_.gpg.sign_in_process);
            // Every gpg run rewrites HOME/random_seed under a lock, and one
            // that finds it taken sleeps at least 250 ms (libgcrypt): with
            // several helpers that halved the throughput (bench/README.md).
            std::string error;
            if (!crypto::ensure_gpg_conf_option(cfg_.gpg.homedir, "no-random-seed-file", &error))
                spdlog::warn(
                    "{}: concurrent gpg runs will wait on HOME/random_seed; add the line "
                    "'no-random-seed-file' to gpg.conf there",
                    error);
        }
    }
    notifier_ = std::make_unique<Notifier>(cfg_, gpg_.get(), pool_.get());
    intake_ = std::make_unique<Intake>(cfg_, db_, gpg_.get(), notifier_.get());
    make_clients();
}

Service::~Service() = default;

void Service::make_clients() {
    imap_ = std::make_unique<imap::Client>(imap_settings(cfg_));
    smtp_ = std::make_unique<smtp::Client>(smtp_settings(cfg_));
}

void Service::reload(Config cfg) {
    // Clients first: if the new settings are refused, nothing has changed
    // and the running configuration stays whole.
    auto imap = std::make_unique<imap::Client>(imap_settings(cfg));
    auto smtp = std::make_unique<smtp::Client>(smtp_settings(cfg));
    const bool was_in_process = cfg_.gpg.sign_in_process;
    cfg_ = std::move(cfg);
    if (gpg_) gpg_->forget_keys();  // a reload is also how an operator says "keys changed"
    intake_->set_config(cfg_);
    notifier_->set_config(cfg_);
    // Between cycles no job is running: the pool and the helpers can be replaced.
    const bool resize = pool_ && pool_->size() != resolve_workers(cfg_.daemon.workers);
    if (resize) {
        auto pool = std::make_unique<WorkerPool>(resolve_workers(cfg_.daemon.workers));
        notifier_->set_pool(pool.get());
        pool_ = std::move(pool);
        spdlog::info("now signing and encrypting on {} worker thread{}", pool_->size(),
                     pool_->size() == 1 ? "" : "s");
    }
    if (pool_ && gpg_ && !gpg_helper_exe_.empty() &&
        (resize || was_in_process != cfg_.gpg.sign_in_process))
        gpg_->use_helpers(gpg_helper_exe_, pool_->size(), cfg_.gpg.sign_in_process);
    imap_ = std::move(imap);
    smtp_ = std::move(smtp);
}

TimePoint Service::now() const {
    if (fixed_now_) return *fixed_now_;
    return std::chrono::floor<std::chrono::seconds>(Clock::now());
}

CycleResult Service::cycle(const std::atomic<bool>& stop) {
    CycleResult r;
    // Whatever step finds the database unusable ends the cycle: the next one
    // retries, and the loop (or systemd) keeps the daemon alive meanwhile.
    auto database_failed = [&](const storage::DatabaseUnavailable& e) {
        r.database_ok = false;
        r.database_error = e.what();
        spdlog::error("{}", e.what());
    };
    try {
        run_cycle(r, stop);
    } catch (const storage::DatabaseUnavailable& e) {
        database_failed(e);
    } catch (const SQLite::Exception& e) {
        if (!storage::is_unavailable(e)) throw;
        database_failed(storage::unavailable(db_.path(), e));
    }
    return r;
}

void Service::run_cycle(CycleResult& r, const std::atomic<bool>& stop) {
    auto clock = [this] { return now(); };
    // Key look-ups are cached for one cycle: keys imported or changed by
    // embargoctl or gpg meanwhile are seen from the next cycle on.
    if (gpg_) gpg_->forget_keys();
    try {
        r.poll = poll_mailbox(*imap_, *intake_, db_, cfg_, clock, stop);
    } catch (const imap::ImapError& e) {
        r.mailbox_ok = false;
        r.mailbox_error = e.what();
        spdlog::error("mailbox: {}", e.what());
    }
    if (!stop.load()) {
        try {
            r.scheduled = run_scheduler(db_, cfg_, *notifier_, gpg_.get(), now());
        } catch (const SQLite::Exception& e) {
            if (storage::is_unavailable(e)) throw;
            spdlog::error("scheduler: {}", e.what());
        } catch (const std::exception& e) {
            spdlog::error("scheduler: {}", e.what());
        }
    }
    if (!stop.load()) r.send = flush_outbox(db_, *smtp_, clock, stop);
    if (!stop.load() && !cfg_.chat.targets.empty()) {
        try {
            auto chat = flush_chat(db_, cfg_, clock, stop);
            r.send.sent += chat.sent;
            r.send.failed += chat.failed;
            r.send.parked += chat.parked;
        } catch (const SQLite::Exception& e) {
            if (storage::is_unavailable(e)) throw;
            spdlog::error("chat: {}", e.what());
        }
    }
    // The forge last: mail never waits for it. What its calls cause (the
    // private fork's URL for the Fix Team) goes out in the same cycle.
    if (!stop.load() && cfg_.forge.enabled()) {
        try {
            auto forge = flush_forge(db_, cfg_, notifier_.get(), clock, stop);
            r.send.sent += forge.send.sent;
            r.send.failed += forge.send.failed;
            r.send.parked += forge.send.parked;
            if (forge.mail_queued > 0 && !stop.load()) {
                auto mail = flush_outbox(db_, *smtp_, clock, stop);
                r.send.sent += mail.sent;
                r.send.failed += mail.failed;
                r.send.parked += mail.parked;
                r.send.backlog = mail.backlog;
            }
        } catch (const SQLite::Exception& e) {
            if (storage::is_unavailable(e)) throw;
            spdlog::error("forge: {}", e.what());
        }
    }
    for (const auto& c : storage::list_cases(db_, false))
        for (const auto& m : c.milestones)
            if (m.overdue(now())) ++r.overdue;
}

}  // namespace embargo::daemon
