// Notification texts. Everything here is deterministic text assembly; the
// only judgement is what each audience may see (see the header).
#include "core/notice_text.hpp"

#include "core/workflow.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace embargo::notice_text {
namespace {

using namespace std::chrono;

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
}

void add_unique(std::vector<std::string>& v, const std::string& s) {
    if (s.empty()) return;
    std::string l = lower(s);
    for (const auto& x : v)
        if (lower(x) == l) return;
    v.push_back(s);
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) out += sep;
        out += v[i];
    }
    return out;
}

std::string or_none(const std::vector<std::string>& v) {
    return v.empty() ? "none" : join(v, ", ");
}

std::string head(const Case& c) {
    return "Case: " + c.id + "\n\n";
}

std::string project_name(const Config& cfg) {
    return cfg.project.name.empty() ? std::string("the project") : cfg.project.name;
}

std::string pad(std::string_view s, std::size_t width) {
    std::string out(s);
    if (out.size() < width) out.append(width - out.size(), ' ');
    return out;
}

std::string score_number(double score) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f", score);
    return buf;
}

// The affected release series for public texts: supported series, the main
// branch, and anything else marked unsupported.
std::vector<std::string> affected_series(const Case& c, const Config& cfg) {
    std::vector<std::string> out;
    for (const auto& v : c.affects) {
        std::string series;
        for (const auto& s : cfg.project.supported)
            if (workflow::in_series(v, s)) series = s + ".x";
        if (series.empty() && lower(v) == lower(cfg.project.main_branch))
            series = cfg.project.main_branch + " branch";
        if (series.empty()) series = v + " (unsupported)";
        add_unique(out, series);
    }
    return out;
}

std::string milestone_lines(const Case& c, TimePoint now) {
    std::string out;
    for (MilestoneName m : kMilestones) {
        const Milestone& ms = c.milestone(m);
        out += "  " + pad(to_string(m), 15);
        if (ms.due)
            out += "due " + format_iso8601(*ms.due);
        else
            out += m == MilestoneName::Retrospective ? "due after release" : "no due date";
        if (ms.done)
            out += ", done " + format_iso8601(*ms.done);
        else if (ms.overdue(now) && is_open(c.state))
            out += ", OVERDUE by " + format_duration(now - *ms.due);
        out += "\n";
    }
    return out;
}

// Replaces every occurrence of each reporter address (any case) by "reporter".
std::string redact_reporters(std::string s, const Case& c) {
    for (const auto& r : c.reporters) {
        if (r.empty()) continue;
        std::string ls = lower(s), lr = lower(r);
        std::string out;
        std::size_t pos = 0;
        for (;;) {
            std::size_t hit = ls.find(lr, pos);
            if (hit == std::string::npos) break;
            out.append(s, pos, hit - pos);
            out += "reporter";
            pos = hit + lr.size();
        }
        out.append(s, pos, std::string::npos);
        s = std::move(out);
    }
    return s;
}

// Minimal JSON writing for the CVE record.
std::string json_str(std::string_view s) {
    std::string out = "\"";
    for (unsigned char ch : s) {
        switch (ch) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (ch < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", ch);
                    out += buf;
                } else {
                    out += static_cast<char>(ch);
                }
        }
    }
    return out + "\"";
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return out;
}

constexpr std::string_view kPlaceholderOrg = "00000000-0000-4000-8000-000000000000";

}  // namespace

std::string format_duration(Duration d) {
    if (d < Duration::zero()) d = -d;
    auto total_minutes = duration_cast<minutes>(d).count();
    if (total_minutes == 0) return "under a minute";
    long long days = total_minutes / (24 * 60);
    long long hrs = (total_minutes / 60) % 24;
    long long mins = total_minutes % 60;
    std::string out;
    auto part = [&](long long n, const char* unit) {
        if (!n) return;
        if (!out.empty()) out += " ";
        out += std::to_string(n) + unit;
    };
    part(days, "d");
    part(hrs, "h");
    part(mins, "m");
    return out;
}

std::string severity_text(const Cvss& c) {
    return score_number(c.score) + " (" + c.severity + ")";
}

std::string_view how_to_complete(MilestoneName m) {
    switch (m) {
        case MilestoneName::Organize:
            return "/cc EMAIL... or /organized";
        case MilestoneName::Fix:
            return "/fixed";
        case MilestoneName::Announce:
            return "/release-date DATE, then /announce";
        case MilestoneName::Release:
            return "/released VERSION...";
        case MilestoneName::Retrospective:
            return "/retrospective [NOTES]";
    }
    return "";
}

std::vector<std::string> all_members(const Config& cfg) {
    std::vector<std::string> out;
    for (const auto& m : cfg.team.members) add_unique(out, m.email);
    return out;
}

NoticeRequest ack(const Case& c, const Config& cfg, const std::string& to, bool with_content) {
    NoticeRequest n;
    n.kind = "ack";
    n.case_id = c.id;
    n.to = {to};
    n.subject = "[" + c.id + "] Your report was received";
    std::string b = head(c);
    b += "Thank you for your report to the " + project_name(cfg) + " security team.\n";
    b += "It has been filed as case " + c.id;
    if (with_content && !c.subject.empty()) b += " (\"" + c.subject + "\")";
    b += ".\n\nWhat happens next:\n";
    b += "- A Fix Lead from the security team has been assigned to your report and will\n"
         "  get back to you on this thread.\n";
    const Milestone& release = c.milestone(MilestoneName::Release);
    if (release.due)
        b += "- Our policy is to release a fix within " +
             format_duration(*release.due - c.received_at) + " of a report, here by " +
             format_iso8601(*release.due) + ".\n";
    b += "- We will agree the disclosure date with you; please keep the issue confidential\n"
         "  until the fixed versions are released.\n";
    b += "- Please keep \"[" + c.id + "]\" in the subject of further mail about this report";
    if (!cfg.gpg.keys.empty()) b += ",\n  and encrypt it to our key " + cfg.gpg.keys.front();
    b += ".\n";
    n.body = std::move(b);
    return n;
}

NoticeRequest new_case(const Case& c, const Config& cfg, std::string_view report_text) {
    NoticeRequest n;
    n.kind = "new-case";
    n.case_id = c.id;
    n.to = all_members(cfg);
    n.subject = "[" + c.id + "] New report: " + c.subject;
    std::string b = head(c);
    b += "A new report was received at " + format_iso8601(c.received_at) + ".\n\n";
    b += "Subject:   " + c.subject + "\n";
    b += "Reporter:  " + or_none(c.reporters) + "\n";
    b += "Fix Lead:  " + (c.lead.empty() ? std::string("none") : c.lead) + "\n";
    b += "Encrypted: " + std::string(c.encrypted ? "yes" : "no") + "\n";
    if (!c.flags.empty()) b += "Flags:     " + join(c.flags, ", ") + "\n";
    b += "\nDue dates:\n" + milestone_lines(c, c.received_at);
    b += "\nNext step for the Fix Lead: form the Fix Team with /cc EMAIL... (or /organized).\n";
    b += "Reply to this message with /help for the command list.\n";
    b += "\n----- Report -----\n";
    b += report_text;
    if (!report_text.empty() && report_text.back() != '\n') b += "\n";
    b += "----- End of report -----\n";
    n.body = std::move(b);
    return n;
}

NoticeRequest duplicate(const Case& c, const Config& /*cfg*/, const std::string& reporter,
                        std::string_view report_text) {
    NoticeRequest n;
    n.kind = "duplicate";
    n.case_id = c.id;
    n.to = {c.lead};
    n.subject = "[" + c.id + "] Another report joined the case";
    std::string b = head(c);
    b += "Another report from " + reporter + " was filed into this case (" +
         std::to_string(c.reporters.size()) + " reporter(s) now).\n";
    b += "Reporters are never told about each other.\n";
    b += "\n----- Report -----\n";
    b += report_text;
    if (!report_text.empty() && report_text.back() != '\n') b += "\n";
    b += "----- End of report -----\n";
    n.body = std::move(b);
    return n;
}

NoticeRequest undecryptable(const Case& c, const Config& cfg, const std::string& to) {
    NoticeRequest n;
    n.kind = "undecryptable";
    n.case_id = c.id;
    n.to = {to};
    n.subject = "[" + c.id + "] Your message could not be decrypted";
    std::string b = head(c);
    b += "The " + project_name(cfg) +
         " security team received your message, but it could not be\n"
         "decrypted. It has been filed as case " +
         c.id + ".\n\n";
    if (!cfg.gpg.keys.empty())
        b +=
            "Please send it again encrypted to our team key:\n\n  " + cfg.gpg.keys.front() + "\n\n";
    else
        b += "Please send it again encrypted to our team key.\n\n";
    b += "and keep \"[" + c.id +
         "]\" in the subject. If you attach your own public key,\n"
         "we can answer you encrypted.\n";
    n.body = std::move(b);
    return n;
}

NoticeRequest command_result(const std::string& case_id, const std::string& to,
                             const std::vector<std::string>& done,
                             const std::vector<std::string>& errors, std::string_view extra) {
    NoticeRequest n;
    n.kind = "command-result";
    n.case_id = case_id;
    n.to = {to};
    std::string b = "Case: " + case_id + "\n\n";
    if (!errors.empty()) {
        n.subject = "[" + case_id + "] Commands refused";
        b += "Nothing was applied; fix these and send all commands again:\n";
        for (const auto& e : errors) b += "- " + e + "\n";
    } else {
        n.subject = "[" + case_id + "] Commands applied";
        b += "Done:\n";
        for (const auto& d : done) b += "- " + d + "\n";
    }
    if (!extra.empty()) {
        b += "\n";
        b += extra;
        if (extra.back() != '\n') b += "\n";
    }
    n.body = std::move(b);
    return n;
}

NoticeRequest which_case(const std::string& to, const std::vector<std::string>& named,
                         const std::vector<std::string>& candidates) {
    NoticeRequest n;
    n.kind = "command-result";
    n.to = {to};
    n.subject = "Which case? Nothing was applied";
    std::string b =
        "Case: " + (candidates.empty() ? std::string("none") : join(candidates, ", ")) + "\n\n";
    b += "Your message replies to a notification about several cases, and ";
    if (named.empty())
        b += "names none of them";
    else if (named.size() == 1)
        b += "names " + named[0] + ", which is not a case";
    else
        b += "names several (" + join(named, ", ") + ")";
    b += ", so it was not filed and no command in it was applied.\n\n";
    if (candidates.empty()) {
        b += "No case is open now.\n";
    } else {
        b += "It could be about:\n";
        for (const auto& id : candidates) b += "- " + id + "\n";
    }
    b += "\nTo name one, send it again with a line \"Case: ID\" of your own in the signed text\n"
         "(not inside the quote), or reply to a notification of that case, or put [ID] in\n"
         "the subject.\n";
    n.body = std::move(b);
    return n;
}

NoticeRequest announcement(const Case& c, const Config& cfg) {
    NoticeRequest n;
    n.kind = "announcement";
    n.case_id = c.id;
    n.to = cfg.team.announce;
    n.is_public = true;
    std::string when = c.release_date ? format_iso8601(*c.release_date) : "(date to be set)";
    n.subject =
        "[" + c.id + "] Forthcoming security release of " + project_name(cfg) + " on " + when;
    std::string b = head(c);
    b += "The " + project_name(cfg) +
         " security team will release a fix for a security issue\n"
         "on " +
         when + " (UTC).\n\n";
    auto series = affected_series(c, cfg);
    b += "Affected: " + (series.empty() ? std::string("to be confirmed") : join(series, ", ")) +
         "\n";
    b += "Severity: " + (c.cvss ? c.cvss->severity : std::string("not yet assessed")) + "\n\n";
    if (c.mitigations.empty()) {
        b += "No mitigation is known. Please plan to upgrade on the release date.\n";
    } else {
        b += "Mitigations until you can upgrade:\n";
        for (const auto& m : c.mitigations) b += "- " + m + "\n";
    }
    b += "\nDetails will be published with the release.\n";
    n.body = std::move(b);
    return n;
}

NoticeRequest release_announcement(const Case& c, const Config& cfg) {
    NoticeRequest n;
    n.kind = "release-announcement";
    n.case_id = c.id;
    n.to = cfg.team.announce;
    n.is_public = true;
    n.subject = "[" + c.id + "] Security release of " + project_name(cfg) + " " +
                join(c.released_versions, ", ");
    std::string b = head(c);
    b += "The " + project_name(cfg) + " security team has released " +
         join(c.released_versions, ", ") + ".\nThis release fixes a security vulnerability.\n\n";
    b += "Fixed versions: " + or_none(c.released_versions) + "\n";
    b += "CVE:            " + (c.cve.empty() ? std::string("to be assigned") : c.cve) + "\n";
    b +=
        "Severity:       " + (c.cvss ? severity_text(*c.cvss) : std::string("not assessed")) + "\n";
    if (c.cvss) b += "CVSS vector:    " + c.cvss->vector + "\n";
    if (!c.prs.empty()) {
        b += "\nFixes:\n";
        for (const auto& p : c.prs) b += "- " + p + "\n";
    }
    if (!c.mitigations.empty()) {
        b += "\nMitigations for those who cannot upgrade yet:\n";
        for (const auto& m : c.mitigations) b += "- " + m + "\n";
    }
    b += "\nPlease upgrade.\n";
    n.body = std::move(b);
    return n;
}

std::string cve_record_json(const Case& c, const Config& cfg, TimePoint now) {
    const std::string product = project_name(cfg);
    const std::string org = cfg.cve.org_id.empty() ? std::string(kPlaceholderOrg) : cfg.cve.org_id;
    std::string j = "{\n";
    j += "  \"dataType\": \"CVE_RECORD\",\n";
    j += "  \"dataVersion\": \"5.1\",\n";
    j += "  \"cveMetadata\": {\n";
    j += "    \"cveId\": " + json_str(c.cve.empty() ? "CVE-YYYY-NNNN" : c.cve) + ",\n";
    j += "    \"assignerOrgId\": " + json_str(org) + ",\n";
    j += "    \"state\": \"PUBLISHED\",\n";
    j += "    \"datePublished\": " + json_str(format_iso8601(now)) + "\n";
    j += "  },\n";
    j += "  \"containers\": {\n";
    j += "    \"cna\": {\n";
    j += "      \"providerMetadata\": {\"orgId\": " + json_str(org) + "},\n";
    j += "      \"title\": " +
         json_str("Security vulnerability in " + product + " fixed in " +
                  join(c.released_versions, ", ")) +
         ",\n";
    j += "      \"datePublic\": " + json_str(format_iso8601(now)) + ",\n";
    j += "      \"descriptions\": [{\"lang\": \"en\", \"value\": " +
         json_str("TODO: describe the vulnerability. Fixed in " + product + " " +
                  join(c.released_versions, ", ") + ".") +
         "}],\n";
    j += "      \"affected\": [{\n";
    j += "        \"vendor\": " + json_str(product) + ",\n";
    j += "        \"product\": " + json_str(product) + ",\n";
    j += "        \"defaultStatus\": \"unknown\",\n";
    j += "        \"versions\": [";
    std::vector<std::string> versions;
    // A single version is exactly {version, status}: the schema allows a
    // versionType only on ranges (with lessThan), so the main branch is listed
    // by name like a release.
    for (const auto& a : c.affects)
        versions.push_back("{\"version\": " + json_str(a) + ", \"status\": \"affected\"}");
    for (const auto& r : c.released_versions)
        versions.push_back("{\"version\": " + json_str(r) + ", \"status\": \"unaffected\"}");
    if (versions.empty()) versions.push_back("{\"version\": \"0\", \"status\": \"affected\"}");
    for (std::size_t i = 0; i < versions.size(); ++i)
        j += std::string(i ? ",\n          " : "\n          ") + versions[i];
    j += "\n        ]\n";
    j += "      }],\n";
    if (c.cvss) {
        std::string key = "cvssV3_1", version = "3.1";
        if (c.cvss->vector.rfind("CVSS:3.0/", 0) == 0) key = "cvssV3_0", version = "3.0";
        if (c.cvss->vector.rfind("CVSS:4.0/", 0) == 0) key = "cvssV4_0", version = "4.0";
        j += "      \"metrics\": [{\n";
        j += "        \"format\": \"CVSS\",\n";
        j += "        \"scenarios\": [{\"lang\": \"en\", \"value\": \"GENERAL\"}],\n";
        j += "        " + json_str(key) + ": {\n";
        j += "          \"version\": " + json_str(version) + ",\n";
        j += "          \"vectorString\": " + json_str(c.cvss->vector) + ",\n";
        j += "          \"baseScore\": " + score_number(c.cvss->score) + ",\n";
        j += "          \"baseSeverity\": " + json_str(upper(c.cvss->severity)) + "\n";
        j += "        }\n";
        j += "      }],\n";
    }
    std::vector<std::string> refs;
    for (const auto& p : c.prs)
        refs.push_back("{\"url\": " + json_str(p) + ", \"tags\": [\"patch\"]}");
    if (!c.public_url.empty()) refs.push_back("{\"url\": " + json_str(c.public_url) + "}");
    j += "      \"references\": [";
    for (std::size_t i = 0; i < refs.size(); ++i)
        j += std::string(i ? ",\n        " : "\n        ") + refs[i];
    j += refs.empty() ? "],\n" : "\n      ],\n";
    j += "      \"x_generator\": {\"engine\": \"embargo\"}\n";
    j += "    }\n";
    j += "  }\n";
    j += "}\n";
    return j;
}

namespace {

// Step 2 of the cve-request mail: what to do with the record for the
// configured CNA ([cve] cna). The record itself is the same for all.
std::string cna_steps(const Case& c, const Config& cfg) {
    const std::string id = c.cve.empty() ? std::string("CVE-YYYY-NNNN") : c.cve;
    const std::string versions = join(c.released_versions, ", ");
    std::string fill = "   Before sending, fill in the description";
    if (cfg.cve.org_id.empty() && cfg.cve.cna == Cna::CveServices)
        fill +=
            " and the CNA org id (assignerOrgId,\n   providerMetadata.orgId; or set [cve] org_id)";
    if (c.prs.empty()) fill += ",\n   and at least one reference (no fix PR was recorded with /pr)";
    if (!c.cvss) fill += ",\n   and the metrics (no CVSS vector was recorded with /cvss)";
    fill += ".\n";
    std::string record_id =
        c.cve.empty() ? "   Then record it here with /cve CVE-YYYY-NNNN once it is assigned.\n"
                      : "";
    switch (cfg.cve.cna) {
        case Cna::Github:
            if (cfg.forge.enabled())
                return "2. embargo has requested the CVE from GitHub (the CNA, [cve] cna = "
                       "github)\n"
                       "   through this case's repository security advisory in " +
                       cfg.forge.repository() + "\n   (embargoctl show " + c.id +
                       " names it). Fill the advisory in from the record\n"
                       "   below (affected and patched versions, severity, references) before\n"
                       "   GitHub reviews the request; publish the advisory once the id is\n"
                       "   assigned.\n" +
                       fill + record_id;
            return "2. Request the CVE from GitHub (the CNA, [cve] cna = github): open the\n"
                   "   repository security advisory for this case (Security > Advisories),\n"
                   "   fill it in from the record below (affected and patched versions,\n"
                   "   severity, references) and press \"Request CVE\"; publish the advisory\n"
                   "   once the id is assigned.\n" +
                   fill + record_id;
        case Cna::CveServices:
            return "2. Publish the CVE through the CVE Services API with the project's CNA\n"
                   "   credentials ([cve] cna = cve-services), e.g. with cvelib's `cve` command:\n"
                   "   save the \"cna\" container of the record below (containers.cna) as\n"
                   "   cna.json, then run\n"
                   "     export CVE_USER=you@example.org CVE_ORG=your-cna-short-name\n"
                   "     export CVE_API_KEY=\"$(cat /path/to/cve-api-key)\"\n" +
                   std::string(c.cve.empty()
                                   ? "     cve reserve            # prints the new CVE id\n"
                                   : "") +
                   "     cve publish " + id + " -f cna.json\n" + fill + record_id;
        case Cna::Mitre:
            return "2. Request the CVE from MITRE ([cve] cna = mitre) with the web form at\n"
                   "   https://cveform.mitre.org/ (\"Report Vulnerability/Request CVE ID\"):\n"
                   "     Vulnerability type:     from the report\n"
                   "     Vendor of the product:  " +
                   project_name(cfg) +
                   "\n"
                   "     Affected product/code:  " +
                   project_name(cfg) + " " + or_none(c.affects) +
                   "\n"
                   "     Fixed in:               " +
                   versions +
                   "\n"
                   "     Vendor confirmed:       yes\n"
                   "     Impact, attack vector:  " +
                   (c.cvss ? c.cvss->vector : std::string("from the report")) +
                   "\n"
                   "     Description:            the record's description below\n"
                   "     References:             " +
                   or_none(c.prs) +
                   "\n"
                   "   The record below holds the same data in CVE JSON 5 form.\n" +
                   fill + record_id;
        case Cna::None:
            break;
    }
    return {};
}

}  // namespace

NoticeRequest cve_request(const Case& c, const Config& cfg, TimePoint now) {
    NoticeRequest n;
    n.kind = "cve-request";
    n.case_id = c.id;
    n.to = {c.lead};
    const bool request = cfg.cve.cna != Cna::None;
    n.subject = "[" + c.id + "] " + (request ? "CVE request for " : "After the release of ") +
                project_name(cfg) + " " + join(c.released_versions, ", ");
    std::string b = head(c);
    b += "The release of " + join(c.released_versions, ", ") + " is recorded.\n\n";
    b += "To do now, as Fix Lead:\n";
    b += "1. Remove the Fix Team (" + or_none(c.fix_team) +
         ") from the private security\n   repositories.\n";
    if (request)
        b += cna_steps(c, cfg);
    else
        b += "2. No CVE request: [cve] cna = none. If the project wants a CVE after all,\n"
             "   set [cve] cna and record the id with /cve CVE-YYYY-NNNN.\n";
    b += "3. Send the retrospective with /retrospective [NOTES] once the dust settles";
    if (auto due = c.milestone(MilestoneName::Retrospective).due)
        b += " (due " + format_iso8601(*due) + ")";
    b += ".\n";
    if (request) {
        b += "\n----- CVE JSON 5 record -----\n";
        b += cve_record_json(c, cfg, now);
        b += "----- End of record -----\n";
    }
    n.body = std::move(b);
    return n;
}

std::vector<NoticeRequest> retrospective(const Case& c, const Config& cfg,
                                         const std::vector<Event>& events, std::string_view notes) {
    std::string b = head(c);
    b += "Retrospective of case " + c.id + " (" + project_name(cfg) + ")\n\n";
    b += "Received:  " + format_iso8601(c.received_at) + "\n";
    b += "Released:  " + or_none(c.released_versions) + "\n";
    b += "CVE:       " + (c.cve.empty() ? std::string("none") : c.cve) + "\n";
    b += "Severity:  " + (c.cvss ? severity_text(*c.cvss) : std::string("not assessed")) + "\n";
    b += "Plan:      " + (c.release_plan.empty() ? std::string("none") : c.release_plan) + "\n";
    if (c.is_public) b += "Public before release: yes\n";
    if (c.slowed) b += "Slowed down: yes\n";

    b += "\nMilestones (due vs done):\n";
    for (MilestoneName m : kMilestones) {
        const Milestone& ms = c.milestone(m);
        b += "  " + pad(to_string(m), 15);
        b += "due " + (ms.due ? format_iso8601(*ms.due) : std::string("none")) + ", ";
        if (!ms.done) {
            b += "not done\n";
            continue;
        }
        b += "done " + format_iso8601(*ms.done);
        if (ms.due) {
            Duration delta = *ms.done - *ms.due;
            if (std::chrono::abs(delta) < minutes{1})
                b += " (on time)";
            else
                b += " (" + format_duration(delta) +
                     (delta < Duration::zero() ? " early" : " late") + ")";
        }
        b += "\n";
    }

    std::vector<std::string> acted;
    for (const auto& e : events)
        if (cfg.member_by_email(lower(e.actor))) add_unique(acted, lower(e.actor));
    b += "\nPeople involved:\n";
    b += "  Fix Lead:   " + (c.lead.empty() ? std::string("none") : c.lead) + "\n";
    b += "  Fix Team:   " + or_none(c.fix_team) + "\n";
    b += "  Team:       " + or_none(acted) + "\n";
    b += "  Reporters:  " + std::to_string(c.reporters.size()) + " (not named)\n";

    b += "\nFix pull requests:\n";
    if (c.prs.empty()) b += "  none recorded\n";
    for (const auto& p : c.prs) b += "  " + p + "\n";

    b += "\nNotes:\n";
    if (notes.empty())
        b += "  none\n";
    else
        b += "  " + std::string(notes) + "\n";

    // Event details name Message-IDs and senders; the retrospective also goes
    // to public lists, so anything with an '@' that is not a team or Fix Team
    // address is left out (a Message-ID can reveal a reporter's domain).
    auto known = [&](std::string_view w) {
        std::string a = lower(w);
        while (!a.empty() && (a.back() == ',' || a.back() == ';' || a.back() == '.')) a.pop_back();
        if (cfg.member_by_email(a)) return true;
        // Reporter addresses stay for now: redact_reporters names them "reporter".
        for (const auto& r : c.reporters)
            if (lower(r) == a) return true;
        return std::find(c.fix_team.begin(), c.fix_team.end(), a) != c.fix_team.end();
    };
    auto scrub = [&](const std::string& text) {
        std::string out, word;
        auto flush = [&] {
            if (word.find('@') != std::string::npos && !known(word))
                out += "(address)";
            else
                out += word;
            word.clear();
        };
        for (char ch : text) {
            if (ch == ' ' || ch == '\t') {
                flush();
                out += ch;
            } else {
                word += ch;
            }
        }
        flush();
        return out;
    };
    b += "\nEvents:\n";
    for (const auto& e : events) {
        b += "  " + format_iso8601(e.at) + "  " + scrub(e.actor) + "  " + e.kind;
        if (!e.detail.empty()) b += ": " + scrub(e.detail);
        b += "\n";
    }
    b = redact_reporters(std::move(b), c);

    std::vector<NoticeRequest> out;
    NoticeRequest team;
    team.kind = "retrospective";
    team.case_id = c.id;
    team.to = all_members(cfg);
    for (const auto& f : c.fix_team) add_unique(team.to, f);
    team.subject = "[" + c.id + "] Retrospective";
    team.body = b;
    std::vector<std::string> lists;
    for (const auto& r : cfg.team.retrospective)
        if (std::none_of(team.to.begin(), team.to.end(),
                         [&](const std::string& t) { return lower(t) == lower(r); }))
            add_unique(lists, r);
    out.push_back(std::move(team));
    // The public, scrubbed copy: for the lists, and for chat channels that
    // take retrospectives (then possibly with no mail recipient at all).
    if (!lists.empty() || cfg.chat_wants("retrospective")) {
        NoticeRequest pub = out.front();
        pub.to = std::move(lists);
        pub.is_public = true;
        out.push_back(std::move(pub));
    }
    return out;
}

NoticeRequest slowed(const Case& c, const Config& cfg, const std::string& actor,
                     std::string_view reason, TimePoint now) {
    NoticeRequest n;
    n.kind = "slowed";
    n.case_id = c.id;
    n.to = all_members(cfg);
    n.subject = "[" + c.id + "] Case slowed down (low severity)";
    std::string b = head(c);
    b += actor + " slowed this case down";
    if (c.cvss) b += " (CVSS " + severity_text(*c.cvss) + ")";
    b += ".\n\nReason: " + std::string(reason) + "\n\n";
    b += "Every unfinished milestone was extended by " +
         format_duration(cfg.timeline.slow_extension) + ". Due dates now:\n";
    b += milestone_lines(c, now);
    b += "\nThe policy wants such decisions discussed on the team list: reply to this\n"
         "message if you disagree.\n";
    n.body = std::move(b);
    return n;
}

NoticeRequest reminder(const Case& c, const Config& cfg, MilestoneName m, TimePoint now) {
    NoticeRequest n;
    n.kind = "reminder";
    n.case_id = c.id;
    if (!c.lead.empty())
        n.to = {c.lead};
    else
        n.to = all_members(cfg);
    const Milestone& ms = c.milestone(m);
    std::string due = ms.due ? format_iso8601(*ms.due) : "?";
    n.subject = "[" + c.id + "] Reminder: " + std::string(to_string(m)) + " due " + due;
    std::string b = head(c);
    b += "Reminder: the " + std::string(to_string(m)) + " milestone is due at " + due;
    if (ms.due && *ms.due > now) b += ", in " + format_duration(*ms.due - now);
    b += ".\nTo complete it: " + std::string(how_to_complete(m)) + "\n\n";
    b += "Milestones:\n" + milestone_lines(c, now);
    n.body = std::move(b);
    return n;
}

NoticeRequest escalation(const Case& c, const Config& cfg, MilestoneName m, TimePoint now) {
    NoticeRequest n;
    n.kind = "escalation";
    n.case_id = c.id;
    add_unique(n.to, c.lead);
    for (const auto& f : c.fix_team) add_unique(n.to, f);
    for (const auto& a : all_members(cfg)) add_unique(n.to, a);
    const Milestone& ms = c.milestone(m);
    std::string due = ms.due ? format_iso8601(*ms.due) : "?";
    n.subject = "[" + c.id + "] Overdue: " + std::string(to_string(m)) + " was due " + due;
    std::string b = head(c);
    b += "Overdue: the " + std::string(to_string(m)) + " milestone was due at " + due;
    if (ms.due) b += ", " + format_duration(now - *ms.due) + " ago";
    b += ".\n\n";
    b += "Fix Lead: " + (c.lead.empty() ? std::string("none") : c.lead) + "\n";
    b += "Fix Team: " + or_none(c.fix_team) + "\n";
    b += "State:    " + std::string(to_string(c.state)) + "\n";
    b += "To complete it: " + std::string(how_to_complete(m)) + "\n\n";
    b += "Milestones:\n" + milestone_lines(c, now);
    b += "\nThis is repeated every " + format_duration(cfg.timeline.escalate_every) +
         " until the milestone is done.\n";
    n.body = std::move(b);
    return n;
}

NoticeRequest digest(const std::vector<Case>& open_cases, const std::vector<KeyExpiry>& keys,
                     const Config& cfg, TimePoint now) {
    NoticeRequest n;
    n.kind = "digest";
    n.to = all_members(cfg);
    std::vector<const Case*> sorted;
    for (const auto& c : open_cases) sorted.push_back(&c);
    auto next_time = [](const Case& c) -> std::optional<TimePoint> {
        if (auto m = workflow::next_due(c)) return c.milestone(*m).due;
        return std::nullopt;
    };
    std::stable_sort(sorted.begin(), sorted.end(), [&](const Case* a, const Case* b) {
        auto ta = next_time(*a), tb = next_time(*b);
        if (ta && tb) return *ta < *tb;
        return ta.has_value() && !tb.has_value();
    });
    std::vector<std::string> ids;
    for (const Case* c : sorted) ids.push_back(c->id);
    std::string day = format_iso8601(now).substr(0, 10);
    n.subject = "Daily digest " + day + ": " + std::to_string(sorted.size()) + " open case(s)";
    std::string b = "Case: " + (ids.empty() ? std::string("none") : join(ids, ", ")) + "\n\n";
    b += "Daily digest at " + format_iso8601(now) + ": " + std::to_string(sorted.size()) +
         " open case(s).\n\n";
    for (const Case* c : sorted) {
        b += pad(c->id, 16) + pad(to_string(c->state), 11) + "lead " +
             (c->lead.empty() ? std::string("none") : c->lead) + "\n";
        if (auto m = workflow::next_due(*c)) {
            const Milestone& ms = c->milestone(*m);
            b += "  next: " + std::string(to_string(*m)) + " due " + format_iso8601(*ms.due);
            if (ms.overdue(now))
                b += " (OVERDUE by " + format_duration(now - *ms.due) + ")";
            else
                b += " (in " + format_duration(*ms.due - now) + ")";
            b += "\n";
        } else {
            b += "  next: nothing due\n";
        }
    }
    if (!keys.empty()) {
        b += "\nKeys expiring within 30 days:\n";
        for (const auto& k : keys) {
            b += "  " + k.fingerprint + "  " + k.owner + "  expires " + format_iso8601(k.expires);
            b += k.expires <= now ? " (EXPIRED)\n"
                                  : " (in " + format_duration(k.expires - now) + ")\n";
        }
    }
    n.body = std::move(b);
    return n;
}

std::string status_summary(const Case& c, TimePoint now) {
    std::string b = "Status of " + c.id + " at " + format_iso8601(now) + ":\n\n";
    b += "State:         " + std::string(to_string(c.state)) + "\n";
    b += "Received:      " + format_iso8601(c.received_at) + "\n";
    b += "Reports from:  " + std::to_string(c.reporters.size()) + " reporter(s)\n";
    b += "Fix Lead:      " + (c.lead.empty() ? std::string("none") : c.lead) + "\n";
    b += "Fix Team:      " + or_none(c.fix_team) + "\n";
    b += "Public:        " +
         (c.is_public ? "yes" + (c.public_url.empty() ? std::string() : " (" + c.public_url + ")")
                      : std::string("no")) +
         "\n";
    b += "Slowed:        " + std::string(c.slowed ? "yes" : "no") + "\n";
    b += "CVSS:          " +
         (c.cvss ? severity_text(*c.cvss) + " " + c.cvss->vector : std::string("none")) + "\n";
    b += "Affects:       " + or_none(c.affects) + "\n";
    b += "Release plan:  " + (c.release_plan.empty() ? std::string("none") : c.release_plan) + "\n";
    b += "Release date:  " + (c.release_date ? format_iso8601(*c.release_date) : "none") + "\n";
    b += "Released:      " + or_none(c.released_versions) + "\n";
    b += "CVE:           " + (c.cve.empty() ? std::string("none") : c.cve) + "\n";
    b += "PRs:           " + or_none(c.prs) + "\n";
    b += "Mitigations:   " + std::to_string(c.mitigations.size()) + "\n";
    for (const auto& m : c.mitigations) b += "  - " + m + "\n";
    if (!c.merged_into.empty()) b += "Merged into:   " + c.merged_into + "\n";
    b += "Flags:         " + or_none(c.flags) + "\n";
    b += "\nMilestones:\n" + milestone_lines(c, now);
    return b;
}

std::string help_text() {
    std::string b = "Commands (one per line, in a signed reply that quotes the case id):\n\n";
    for (const auto& info : workflow::command_table())
        b += "  " + pad(info.usage, 26) + " " + std::string(info.effect) + "\n";
    b += "\nAll commands of a message are checked first and then applied together or not at "
         "all.\nQuoted lines (>) and anything after the signature separator (-- ) are ignored.\n";
    return b;
}

}  // namespace embargo::notice_text
