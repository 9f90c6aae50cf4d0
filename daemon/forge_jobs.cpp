// Forge request bodies and queueing; see forge_jobs.hpp.
#include "daemon/forge_jobs.hpp"

#include <nlohmann/json.hpp>

#include "daemon/notifier.hpp"
#include "storage/forge_store.hpp"
#include "storage/outbox_store.hpp"

namespace embargo::daemon {

std::string forge_request_body(const Case& c, const Config& cfg, const forge::Job& job) {
    nlohmann::ordered_json j;
    switch (job.action) {
        case forge::Action::CreateAdvisory:
            j["summary"] = forge::advisory_summary(c, cfg);
            j["description"] = forge::advisory_description(c, cfg);
            j["vulnerabilities"] = nlohmann::ordered_json::array(
                {{{"package", {{"ecosystem", "other"}, {"name", cfg.forge.repo}}}}});
            break;
        case forge::Action::SetCollaborators:
            j["collaborating_users"] = job.logins;
            break;
        case forge::Action::RequestFork:
        case forge::Action::RequestCve:
            return "";
    }
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

int queue_forge_jobs(storage::Database& db, const Config& cfg, const Case& c,
                     const std::vector<forge::Job>& jobs, TimePoint now) {
    if (!cfg.forge.enabled() || jobs.empty()) return 0;
    std::vector<forge::Job> all;
    const std::string create(forge::kind(forge::Action::CreateAdvisory));
    if (jobs.front().action != forge::Action::CreateAdvisory && !storage::advisory_of(db, c.id) &&
        !storage::case_has_outbox_kind(db, c.id, create))
        all.push_back(forge::Job{forge::Action::CreateAdvisory, {}});
    all.insert(all.end(), jobs.begin(), jobs.end());
    for (const auto& job : all) {
        storage::OutboxItem item;
        item.kind = std::string(forge::kind(job.action));
        item.message_id = c.id + "." + item.kind + "." + random_token() + "@" + cfg.mail_domain();
        item.case_id = c.id;
        item.recipient = std::string(storage::kForgeRecipientPrefix) + cfg.forge.repository();
        item.body = forge_request_body(c, cfg, job);
        item.created_at = now;
        storage::queue_outbox(db, item);
    }
    return static_cast<int>(all.size());
}

}  // namespace embargo::daemon
