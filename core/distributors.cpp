// Distributor pre-notification rules and texts. The window rule counts from
// the first notice, as the linux-distros list does: a re-sent notice (a second
// /announce) does not restart it.
#include "core/distributors.hpp"

#include "core/notice_text.hpp"

namespace embargo::distributors {
namespace {

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
    return out;
}

std::string project_name(const Config& cfg) {
    return cfg.project.name.empty() ? std::string("the project") : cfg.project.name;
}

std::string max_text(const Config& cfg) {
    return notice_text::format_duration(cfg.distributors.max_embargo);
}

bool announced(const Case& c) {
    return c.milestone(MilestoneName::Announce).done.has_value();
}

}  // namespace

TimePoint notice_time(const Case& c, TimePoint now) {
    const auto& done = c.milestone(MilestoneName::Announce).done;
    return done ? *done : now;
}

std::optional<std::string> announce_refusal(const Case& c, const Config& cfg, TimePoint now) {
    if (cfg.distributors.addresses.empty() || !c.release_date) return std::nullopt;
    const TimePoint first = notice_time(c, now);
    const Duration window = *c.release_date - first;
    if (window <= cfg.distributors.max_embargo) return std::nullopt;
    std::string from = announced(c) ? "their first notice at " + format_iso8601(first) : "now";
    return "the release date " + format_iso8601(*c.release_date) + " is " +
           notice_text::format_duration(window) + " after " + from +
           ", and the distributors allow at most " + max_text(cfg) +
           " (distributors.max_embargo); set a release date no later than " +
           format_iso8601(first + cfg.distributors.max_embargo) + " with /release-date" +
           (announced(c) ? std::string()
                         : ", or /announce on or after " +
                               format_iso8601(*c.release_date - cfg.distributors.max_embargo));
}

std::optional<std::string> release_date_refusal(const Case& c, const Config& cfg, TimePoint date) {
    if (!notified(c, cfg)) return std::nullopt;
    const TimePoint first = *c.milestone(MilestoneName::Announce).done;
    if (date - first <= cfg.distributors.max_embargo) return std::nullopt;
    return "the distributors were notified at " + format_iso8601(first) + " and allow at most " +
           max_text(cfg) +
           " until the release (distributors.max_embargo); give a date no later than " +
           format_iso8601(first + cfg.distributors.max_embargo);
}

bool notified(const Case& c, const Config& cfg) {
    return !cfg.distributors.addresses.empty() && announced(c);
}

workflow::NoticeRequest notice(const Case& c, const Config& cfg, TimePoint now) {
    workflow::NoticeRequest n;
    n.kind = "distributor-notice";
    n.case_id = c.id;
    n.to = cfg.distributors.addresses;
    const std::string when = c.release_date ? format_iso8601(*c.release_date) : "(to be set)";
    n.subject = "[" + c.id + "] Embargoed security release of " + project_name(cfg) + " on " + when;
    std::string b = "Case: " + c.id + "\n\n";
    b += "The " + project_name(cfg) +
         " security team pre-notifies you of a security fix\n"
         "under embargo. Please keep everything in this message confidential until\n"
         "the public release; do not publish, commit or push anything about it before.\n\n";
    b += "Public release (end of embargo): " + when + " (UTC)\n";
    b += "Notified:                        " + format_iso8601(notice_time(c, now)) + "\n";
    b += "Affected:                        " +
         (c.affects.empty() ? std::string("to be confirmed") : join(c.affects)) + "\n";
    b += "Severity:                        " +
         (c.cvss ? notice_text::severity_text(*c.cvss) : std::string("not yet assessed")) + "\n";
    if (c.cvss) b += "CVSS vector:                     " + c.cvss->vector + "\n";
    if (!c.cve.empty()) b += "CVE:                             " + c.cve + "\n";
    b += "Fix Lead:                        " + (c.lead.empty() ? std::string("the team") : c.lead) +
         "\n\n";
    if (c.mitigations.empty()) {
        b += "No mitigation is known.\n";
    } else {
        b += "Mitigations:\n";
        for (const auto& m : c.mitigations) b += "- " + m + "\n";
    }
    b += "\nThe Fix Lead sends the details and patches separately. You will get a\n"
         "reminder 24 hours before the release. Reply to this message (it goes to\n"
         "the security team) with questions.\n";
    n.body = std::move(b);
    return n;
}

std::optional<workflow::NoticeRequest> reminder(const Case& c, const Config& cfg, TimePoint now,
                                                std::optional<TimePoint> reminded_for) {
    if (!notified(c, cfg) || !is_open(c.state) || !c.release_date) return std::nullopt;
    if (c.milestone(MilestoneName::Release).done) return std::nullopt;
    const TimePoint release = *c.release_date;
    if (now < release - kReminderLead || now >= release) return std::nullopt;
    if (reminded_for == release) return std::nullopt;
    workflow::NoticeRequest n;
    n.kind = "distributor-reminder";
    n.case_id = c.id;
    n.to = cfg.distributors.addresses;
    n.subject = "[" + c.id + "] Embargo ends " + format_iso8601(release);
    n.body = "Case: " + c.id + "\n\nReminder: the embargo on the " + project_name(cfg) +
             " security fix you were pre-notified of\n"
             "ends with the public release at " +
             format_iso8601(release) + " (UTC), in " + notice_text::format_duration(release - now) +
             ".\n"
             "Until then, please keep it confidential; prepare your updates for that time.\n";
    return n;
}

}  // namespace embargo::distributors
