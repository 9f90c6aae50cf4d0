// Forge calls from the outbox; see forge_sender.hpp.
#include "daemon/forge_sender.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <nlohmann/json.hpp>

#include "core/forge.hpp"
#include "daemon/forge_client.hpp"
#include "daemon/notifier.hpp"
#include "storage/case_store.hpp"
#include "storage/event_log.hpp"
#include "storage/forge_store.hpp"
#include "storage/outbox_store.hpp"

namespace embargo::daemon {
namespace {

using forge::Action;
using forge_http::ForgeError;

// A GHSA id as GitHub makes them (GHSA-xxxx-xxxx-xxxx): it goes into a URL path.
bool valid_ghsa(const std::string& id) {
    if (id.size() < 6 || id.size() > 40 || id.rfind("GHSA-", 0) != 0) return false;
    for (char ch : id)
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-'))
            return false;
    return true;
}

// A field of the forge's JSON answer that must be there.
std::string answer_field(const std::string& body, const char* field, const std::string& what) {
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_object() || !j.contains(field) || !j[field].is_string() ||
        j[field].get<std::string>().empty())
        throw ForgeError(
            what + ": the forge's answer has no " + field + "; is forge.api_url the GitHub API?", 0,
            false);
    return j[field].get<std::string>();
}

void event(storage::Database& db, const std::string& case_id, TimePoint at, const std::string& kind,
           const std::string& detail) {
    storage::append_event(db, storage::Event{0, case_id, at, "embargod", kind, detail, ""});
}

class Run {
  public:
    Run(storage::Database& db, const Config& cfg, Notifier* notifier,
        const std::function<TimePoint()>& now)
        : db_(db), notifier_(notifier), now_(now) {
        settings_.api_url = cfg.forge.api_url;
        settings_.token = cfg.forge.token;
        settings_.ca_file = cfg.forge.ca_file;
        settings_.timeout = cfg.forge.timeout;
    }

    // Makes one call; returns normally when it succeeded and is recorded.
    void perform(const storage::OutboxItem& item, Action action) {
        const std::string repo =
            item.recipient.substr(std::string(storage::kForgeRecipientPrefix).size());
        const std::string base = "/repos/" + repo + "/security-advisories";
        const std::string what =
            "forge " + std::string(forge::kind(action)) + " for " + item.case_id;
        if (action == Action::CreateAdvisory) {
            auto r = forge_http::call(settings_, "POST", base, item.body, {}, what);
            storage::Advisory a;
            a.case_id = item.case_id;
            a.repository = repo;
            a.ghsa_id = answer_field(r.body, "ghsa_id", what);
            a.html_url = answer_field(r.body, "html_url", what);
            a.created_at = now_();
            if (!valid_ghsa(a.ghsa_id))
                throw ForgeError(what + ": the forge answered an id that is not a GHSA id", 0,
                                 false);
            auto tx = db_.write_transaction();
            storage::save_advisory(db_, a);
            storage::mark_sent(db_, item.id, now_());
            event(db_, item.case_id, now_(), "forge-advisory",
                  "draft advisory " + a.ghsa_id + " created in " + repo + ": " + a.html_url);
            tx.commit();
            return;
        }
        auto adv = storage::advisory_of(db_, item.case_id);
        if (!adv)
            throw ForgeError(what +
                                 ": the case has no advisory (its creation was refused; see "
                                 "the parked forge-advisory item)",
                             0, true);
        const std::string path =
            "/repos/" + adv->repository + "/security-advisories/" + adv->ghsa_id;
        std::string detail;
        std::string fork_url;
        switch (action) {
            case Action::SetCollaborators: {
                forge_http::call(settings_, "PATCH", path, item.body, {}, what);
                auto j = nlohmann::json::parse(item.body, nullptr, false);
                std::string users;
                if (j.is_object() && j["collaborating_users"].is_array())
                    for (const auto& u : j["collaborating_users"])
                        users += (users.empty() ? "" : ", ") + u.get<std::string>();
                detail = "collaborators of " + adv->ghsa_id + " set to " +
                         (users.empty() ? std::string("none") : users);
                break;
            }
            case Action::RequestFork: {
                auto r = forge_http::call(settings_, "POST", path + "/forks", "", {}, what);
                fork_url = answer_field(r.body, "html_url", what);
                detail = "temporary private fork of " + adv->ghsa_id + ": " + fork_url;
                break;
            }
            case Action::RequestCve:
                // Prefer (RFC 7240) is only a preference, ignored by GitHub: it
                // lets a contract-checking mock generate this 202's body,
                // whose example in the description does not match its schema.
                forge_http::call(settings_, "POST", path + "/cve", "", {"Prefer: dynamic=true"},
                                 what);
                detail = "CVE requested through " + adv->ghsa_id + " (GitHub reviews it)";
                break;
            case Action::CreateAdvisory:
                break;
        }
        auto tx = db_.write_transaction();
        storage::mark_sent(db_, item.id, now_());
        event(db_, item.case_id, now_(), std::string(forge::kind(action)), detail);
        if (!fork_url.empty()) {
            storage::set_fork_url(db_, item.case_id, fork_url);
            if (auto c = storage::load_case(db_, item.case_id); c && notifier_)
                stats_.mail_queued +=
                    notifier_->queue(db_, forge::fork_notice(*c, adv->ghsa_id, fork_url), now_());
        }
        tx.commit();
    }

    void failed(const storage::OutboxItem& item, const ForgeError& e) {
        record_send_failure(db_, item, e.what(), e.permanent(), now_(), stats_.send);
        if (e.permanent() || item.attempts + 1 >= kMaxSendAttempts) {
            auto tx = db_.write_transaction();
            event(db_, item.case_id, now_(), "forge-parked",
                  item.kind + " " + item.message_id + " parked: " + e.what());
            tx.commit();
        }
    }

    ForgeStats flush(const std::atomic<bool>& stop) {
        // The first unsent item of each case that others must wait for.
        std::map<std::string, const storage::OutboxItem*> blocking;
        bool down = false;
        const auto items = storage::undelivered_outbox(db_, storage::OutboxChannel::Forge);
        for (const auto& item : items) {
            if (stop.load()) break;
            auto action = forge::action_from_kind(item.kind);
            if (auto b = blocking.find(item.case_id); b != blocking.end()) {
                const std::string why = "waiting for " + b->second->kind + " " +
                                        b->second->message_id + " of the same case";
                if (!item.parked && item.last_error != why) {
                    auto tx = db_.write_transaction();
                    storage::mark_waiting(db_, item.id, why);
                    tx.commit();
                }
                continue;
            }
            // Nothing can be done to an advisory that does not exist; other
            // refused calls do not hold up the rest (the collaborators must
            // still be removed after a refused fork).
            if (!item.parked || action == Action::CreateAdvisory) blocking[item.case_id] = &item;
            if (item.parked || item.next_attempt > now_() || down) continue;
            try {
                if (!action) throw ForgeError("unknown forge job " + item.kind, 0, true);
                perform(item, *action);
                ++stats_.send.sent;
                blocking.erase(item.case_id);
                spdlog::info("forge: {} ({}) for {} done", item.message_id, item.kind,
                             item.case_id);
            } catch (const ForgeError& e) {
                failed(item, e);
                // The forge is down or slow: the rest waits for the next round
                // with its attempt counts intact.
                if (!e.permanent()) down = true;
                if (e.permanent() && action != Action::CreateAdvisory) blocking.erase(item.case_id);
            }
        }
        return stats_;
    }

  private:
    storage::Database& db_;
    Notifier* notifier_;
    const std::function<TimePoint()>& now_;
    forge_http::Settings settings_;
    ForgeStats stats_;
};

}  // namespace

ForgeStats flush_forge(storage::Database& db, const Config& cfg, Notifier* notifier,
                       const std::function<TimePoint()>& now, const std::atomic<bool>& stop) {
    return Run(db, cfg, notifier, now).flush(stop);
}

}  // namespace embargo::daemon
