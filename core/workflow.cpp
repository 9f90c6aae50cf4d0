// Applying commands to a case: the state machine, deadlines and policy rules
// of SPEC sections 1 and 5. Commands are applied one after the other to a
// copy of the case; the copy is kept only when every command was accepted,
// which makes "check all, then apply all or none" exact even when a command
// depends on an earlier one in the same message.
#include "core/workflow.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "core/distributors.hpp"
#include "core/public_report.hpp"

namespace embargo::workflow {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    std::string l = lower(s);
    return std::any_of(v.begin(), v.end(), [&](const std::string& x) { return lower(x) == l; });
}

bool add_unique(std::vector<std::string>& v, const std::string& s) {
    if (contains(v, s)) return false;
    v.push_back(s);
    return true;
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
    return out;
}

// "chat:NAME" for every chat target that takes `kind`.
std::vector<std::string> chat_names(const Config& cfg, const std::string& kind) {
    std::vector<std::string> out;
    for (const auto& t : cfg.chat.targets)
        if (std::find(t.kinds.begin(), t.kinds.end(), kind) != t.kinds.end())
            out.push_back("chat:" + t.name);
    return out;
}

// Forward order of the main line of states; rejected and merged are terminal.
int rank(CaseState s) {
    switch (s) {
        case CaseState::Triage:
            return 0;
        case CaseState::Fixing:
            return 1;
        case CaseState::Fixed:
            return 2;
        case CaseState::Announced:
            return 3;
        case CaseState::Released:
            return 4;
        case CaseState::Closed:
            return 5;
        case CaseState::Rejected:
        case CaseState::Merged:
            return 6;
    }
    return 0;
}

Duration asap_window(MilestoneName m, const AsapTimeline& a) {
    switch (m) {
        case MilestoneName::Organize:
            return a.organize;
        case MilestoneName::Fix:
            return a.fix;
        case MilestoneName::Announce:
            return a.announce;
        case MilestoneName::Release:
            return a.release;
        case MilestoneName::Retrospective:
            break;
    }
    return Duration::zero();
}

// Commands that still make sense once a case is no longer open.
bool allowed_when_finished(CommandKind k, CaseState s) {
    switch (k) {
        case CommandKind::Status:
        case CommandKind::Help:
        case CommandKind::Reply:
            return true;
        case CommandKind::Cve:
        case CommandKind::Pr:
        case CommandKind::Cvss:
            return s == CaseState::Closed;
        default:
            return false;
    }
}

constexpr std::size_t kMaxFixTeam = 100;
constexpr std::size_t kMaxListEntries = 100;  // PRs, mitigations, affected versions

// The state of one apply_commands call.
class Applier {
  public:
    Applier(Case c, const Actor& actor, const Config& cfg, TimePoint now, const Lookups& lookups)
        : c_(std::move(c)), actor_(actor), cfg_(cfg), now_(now), lookups_(lookups) {}

    void apply(const Command& cmd);
    Outcome finish(const Case& original);

  private:
    void error(const Command& cmd, const std::string& msg) {
        std::string where = cmd.line > 0 ? "line " + std::to_string(cmd.line) + ": " : "";
        errors_.push_back(where + "/" + std::string(keyword(cmd.kind)) + ": " + msg);
    }
    void ok(const Command& cmd, const std::string& msg) {
        done_.push_back(describe(cmd) + (msg.empty() ? "" : ": " + msg));
    }
    void event(const std::string& kind, const std::string& detail) {
        events_.push_back(Event{c_.id, now_, actor_.email, kind, detail});
    }
    // Marks m done now; false (and nothing changes) when it already was.
    bool complete(MilestoneName m) {
        Milestone& ms = c_.milestone(m);
        if (ms.done) return false;
        ms.done = now_;
        event("milestone", std::string(to_string(m)) + " done");
        return true;
    }
    std::string completion_note(MilestoneName m, bool newly) {
        if (newly) return std::string(to_string(m)) + " done";
        return std::string(to_string(m)) + " was already done at " +
               format_iso8601(*c_.milestone(m).done);
    }
    // Moves the state forward to s; never backwards.
    void advance(CaseState s) {
        if (rank(s) <= rank(c_.state)) return;
        event("state", std::string(to_string(c_.state)) + " -> " + std::string(to_string(s)));
        c_.state = s;
    }
    void finish_as(CaseState s) {
        event("state", std::string(to_string(c_.state)) + " -> " + std::string(to_string(s)));
        c_.state = s;
        c_.closed_at = now_;
    }
    std::string due_list() const {
        std::string out;
        for (MilestoneName m : kMilestones) {
            const Milestone& ms = c_.milestone(m);
            if (ms.done || !ms.due) continue;
            if (!out.empty()) out += ", ";
            out += std::string(to_string(m)) + " " + format_iso8601(*ms.due);
        }
        return out.empty() ? "nothing pending" : out;
    }

    void lead(const Command& cmd);
    void cc(const Command& cmd);
    void uncc(const Command& cmd);
    void public_(const Command& cmd);
    void slow(const Command& cmd);
    void affects(const Command& cmd);
    void announce(const Command& cmd);
    void fork(const Command& cmd);
    void released(const Command& cmd);
    // After a Fix Team change: the advisory's collaborators follow it.
    // Returns what to tell the member.
    std::string update_collaborators(const std::vector<std::string>& changed);
    void retrospective(const Command& cmd);
    void merge(const Command& cmd);

    Case c_;
    const Actor& actor_;
    const Config& cfg_;
    TimePoint now_;
    const Lookups& lookups_;

    std::optional<Case> target_;
    std::vector<std::string> done_, errors_;
    std::vector<Event> events_, target_events_;
    bool send_announcement_ = false, send_release_ = false, send_retrospective_ = false;
    bool status_ = false, help_ = false, relay_ = false, public_draft_ = false;
    std::string relay_text_;  // /reply draft
    std::string retrospective_notes_;
    std::vector<std::string> slow_reasons_;
    std::vector<forge::Job> forge_jobs_;
};

void Applier::apply(const Command& cmd) {
    if (!is_open(c_.state) && !allowed_when_finished(cmd.kind, c_.state)) {
        std::string what = c_.state == CaseState::Closed
                               ? "only /cve, /pr, /cvss, /reply, /status and /help work on it"
                               : "only /reply, /status and /help work on it";
        std::string state = c_.state == CaseState::Merged ? "merged into " + c_.merged_into
                                                          : std::string(to_string(c_.state));
        error(cmd, c_.id + " is " + state + "; " + what);
        return;
    }
    switch (cmd.kind) {
        case CommandKind::Lead:
            lead(cmd);
            break;
        case CommandKind::Cc:
            cc(cmd);
            break;
        case CommandKind::Uncc:
            uncc(cmd);
            break;
        case CommandKind::Organized: {
            bool newly = complete(MilestoneName::Organize);
            advance(CaseState::Fixing);
            event("organized", "");
            ok(cmd, completion_note(MilestoneName::Organize, newly));
            break;
        }
        case CommandKind::Cvss: {
            if (!cmd.cvss) {
                error(cmd, "no scored vector given (the parser must score it)");
                break;
            }
            c_.cvss = cmd.cvss;
            char score[16];
            std::snprintf(score, sizeof score, "%.1f", cmd.cvss->score);
            event("cvss", cmd.cvss->vector + " score " + score + " " + cmd.cvss->severity);
            ok(cmd, std::string("base score ") + score + " (" + cmd.cvss->severity + ")");
            break;
        }
        case CommandKind::Public:
            public_(cmd);
            break;
        case CommandKind::Slow:
            slow(cmd);
            break;
        case CommandKind::Affects:
            affects(cmd);
            break;
        case CommandKind::Fixed: {
            bool newly = complete(MilestoneName::Fix);
            advance(CaseState::Fixed);
            event("fixed", "");
            ok(cmd, completion_note(MilestoneName::Fix, newly));
            break;
        }
        case CommandKind::Pr: {
            std::size_t added = 0;
            for (const auto& url : cmd.values) {
                if (contains(c_.prs, url)) continue;
                if (c_.prs.size() >= kMaxListEntries) {
                    error(cmd, "too many PRs recorded (at most " + std::to_string(kMaxListEntries) +
                                   ")");
                    return;
                }
                c_.prs.push_back(url);
                ++added;
            }
            event("pr", join(cmd.values));
            ok(cmd, added ? "recorded" : "already recorded");
            break;
        }
        case CommandKind::ReleaseDate: {
            if (!cmd.when) {
                error(cmd, "no date given; use 2026-12-05T14:00:00Z or 2026-12-05");
                break;
            }
            if (*cmd.when <= now_) {
                error(cmd, format_iso8601(*cmd.when) + " is not in the future (it is now " +
                               format_iso8601(now_) + "); give a later date");
                break;
            }
            if (auto why = distributors::release_date_refusal(c_, cfg_, *cmd.when)) {
                error(cmd, *why);
                break;
            }
            c_.release_date = cmd.when;
            event("release-date", format_iso8601(*cmd.when));
            ok(cmd, "release planned for " + format_iso8601(*cmd.when));
            break;
        }
        case CommandKind::Mitigation: {
            if (c_.mitigations.size() >= kMaxListEntries) {
                error(cmd, "too many mitigations recorded (at most " +
                               std::to_string(kMaxListEntries) + ")");
                break;
            }
            c_.mitigations.push_back(cmd.text);
            event("mitigation", cmd.text);
            ok(cmd, "recorded; it goes into the announcements");
            break;
        }
        case CommandKind::Fork:
            fork(cmd);
            break;
        case CommandKind::Announce:
            announce(cmd);
            break;
        case CommandKind::Released:
            released(cmd);
            break;
        case CommandKind::Cve: {
            if (cmd.values.size() != 1) {
                error(cmd, "give exactly one CVE id, like CVE-2026-12345");
                break;
            }
            c_.cve = cmd.values.front();
            event("cve", c_.cve);
            ok(cmd, "recorded");
            break;
        }
        case CommandKind::Retrospective:
            retrospective(cmd);
            break;
        case CommandKind::Reject: {
            finish_as(CaseState::Rejected);
            event("reject", cmd.text);
            ok(cmd, "case closed as not a security issue");
            break;
        }
        case CommandKind::Merge:
            merge(cmd);
            break;
        case CommandKind::Reply: {
            if (c_.reporters.empty()) {
                error(cmd, "the case has no reporter address to reply to");
                break;
            }
            const bool draft = !cmd.values.empty() && cmd.values.front() == "draft";
            if (draft && !c_.is_public && !c_.has_flag(public_report::kFlag)) {
                error(cmd,
                      "there is no reply draft: it is made for a case marked /public or "
                      "whose report says it is already public; use /reply with your own text");
                break;
            }
            relay_ = true;
            if (draft) {
                relay_text_ = public_report::reply_draft(c_, cfg_);
                event("reply", "public-report draft relayed to " +
                                   std::to_string(c_.reporters.size()) + " reporter(s)");
                ok(cmd, "the public-report reply draft goes to the reporter(s)");
                break;
            }
            event("reply",
                  "message relayed to " + std::to_string(c_.reporters.size()) + " reporter(s)");
            ok(cmd, "this message, without its command lines, goes to the reporter(s)");
            break;
        }
        case CommandKind::Status:
            status_ = true;
            ok(cmd, "summary below");
            break;
        case CommandKind::Help:
            help_ = true;
            ok(cmd, "command table below");
            break;
    }
}

void Applier::lead(const Command& cmd) {
    if (cmd.values.size() != 1) {
        error(cmd, "give one member address, or me");
        return;
    }
    std::string who = cmd.values.front() == "me" ? actor_.email : lower(cmd.values.front());
    if (!cfg_.member_by_email(who)) {
        std::string members;
        for (const auto& m : cfg_.team.members) members += (members.empty() ? "" : ", ") + m.email;
        error(cmd, who + " is not a team member; the Fix Lead must be one of: " + members);
        return;
    }
    if (c_.lead == who) {
        ok(cmd, who + " already is the Fix Lead");
        return;
    }
    event("lead", (c_.lead.empty() ? std::string("none") : c_.lead) + " -> " + who);
    c_.lead = who;
    ok(cmd, who + " is now the Fix Lead");
}

void Applier::cc(const Command& cmd) {
    if (cmd.values.empty()) {
        error(cmd, "give at least one address");
        return;
    }
    std::vector<std::string> added;
    bool new_login = false;
    for (std::size_t i = 0; i < cmd.values.size(); ++i) {
        std::string who = lower(cmd.values[i]);
        if (i < cmd.logins.size() && !cmd.logins[i].empty() &&
            forge::login_of(c_, cfg_, who) != cmd.logins[i]) {
            forge::remember_login(c_, who, cmd.logins[i]);
            new_login = true;
        }
        if (contains(c_.fix_team, who)) continue;
        if (c_.fix_team.size() >= kMaxFixTeam) {
            error(cmd, "the Fix Team would exceed " + std::to_string(kMaxFixTeam) + " people");
            return;
        }
        c_.fix_team.push_back(who);
        added.push_back(who);
    }
    std::vector<std::string> given;
    for (std::size_t i = 0; i < cmd.logins.size() && i < cmd.values.size(); ++i)
        if (!cmd.logins[i].empty()) given.push_back(lower(cmd.values[i]) + " " + cmd.logins[i]);
    event("cc", join(cmd.values) + (given.empty() ? "" : " (GitHub logins: " + join(given) + ")"));
    bool newly = complete(MilestoneName::Organize);
    advance(CaseState::Fixing);
    std::vector<std::string> changed = added;
    if (new_login && changed.empty()) changed = cmd.values;
    ok(cmd, "Fix Team is " + join(c_.fix_team) + "; " +
                completion_note(MilestoneName::Organize, newly) + update_collaborators(changed));
}

std::string Applier::update_collaborators(const std::vector<std::string>& changed) {
    if (!cfg_.forge.enabled() || changed.empty()) return "";
    auto collab = forge::collaborators(c_, cfg_);
    // Only when the list really changes: someone with a login came or went.
    bool matters = false;
    for (const auto& who : changed) matters |= forge::login_of(c_, cfg_, who).has_value();
    std::string note;
    if (matters) {
        // Never after the release: the Fix Team's access ends there.
        if (c_.milestone(MilestoneName::Release).done) {
            note = "; the case is released, so the advisory's collaborators stay removed";
        } else {
            forge_jobs_.push_back(forge::Job{forge::Action::SetCollaborators, collab.logins});
            event("forge", "collaborators: " +
                               (collab.logins.empty() ? std::string("none") : join(collab.logins)));
            note = "; advisory collaborators will be " +
                   (collab.logins.empty() ? std::string("none") : join(collab.logins));
        }
    }
    std::vector<std::string> unknown;
    for (const auto& who : changed)
        if (contains(c_.fix_team, who) && !forge::login_of(c_, cfg_, who)) unknown.push_back(who);
    if (!unknown.empty())
        note += "; no GitHub login is known for " + join(unknown) +
                " (give /cc EMAIL github:LOGIN, or a [forge] login line)";
    return note;
}

void Applier::fork(const Command& cmd) {
    if (!cfg_.forge.enabled()) {
        error(cmd, "no [forge] is configured in " + cfg_.path +
                       ", so there is no advisory to fork; create the private fork on the "
                       "forge by hand");
        return;
    }
    if (c_.milestone(MilestoneName::Release).done) {
        error(cmd, "the case is already released; the private fork is for the fix before it");
        return;
    }
    forge_jobs_.push_back(forge::Job{forge::Action::RequestFork, {}});
    event("forge", "private fork requested");
    ok(cmd,
       "the advisory's temporary private fork is requested; its URL is mailed to the "
       "Fix Team when the forge has made it");
}

void Applier::uncc(const Command& cmd) {
    if (cmd.values.empty()) {
        error(cmd, "give at least one address");
        return;
    }
    for (const auto& v : cmd.values) {
        if (!contains(c_.fix_team, v)) {
            error(cmd, lower(v) + " is not in the Fix Team (" +
                           (c_.fix_team.empty() ? std::string("empty") : join(c_.fix_team)) + ")");
            return;
        }
    }
    for (const auto& v : cmd.values) {
        std::string l = lower(v);
        std::erase_if(c_.fix_team, [&](const std::string& x) { return lower(x) == l; });
    }
    event("uncc", join(cmd.values));
    std::string note;
    if (cfg_.forge.enabled() && !c_.milestone(MilestoneName::Release).done) {
        bool had_login = false;
        for (const auto& v : cmd.values)
            had_login |= forge::login_of(c_, cfg_, lower(v)).has_value();
        if (had_login) {
            auto collab = forge::collaborators(c_, cfg_);
            forge_jobs_.push_back(forge::Job{forge::Action::SetCollaborators, collab.logins});
            event("forge", "collaborators: " +
                               (collab.logins.empty() ? std::string("none") : join(collab.logins)));
            note = "; advisory collaborators will be " +
                   (collab.logins.empty() ? std::string("none") : join(collab.logins));
        }
    }
    ok(cmd,
       "Fix Team is " + (c_.fix_team.empty() ? std::string("empty") : join(c_.fix_team)) + note);
}

void Applier::public_(const Command& cmd) {
    // The policy's first step for a public issue: ask the reporter whether it
    // can still be handled privately. Once per case, not per repeated /public.
    if (!c_.is_public && !c_.reporters.empty()) public_draft_ = true;
    c_.is_public = true;
    if (!cmd.values.empty()) c_.public_url = cmd.values.front();
    if (low_severity(c_.cvss)) {
        event("public", (c_.public_url.empty() ? std::string() : c_.public_url + "; ") +
                            "CVSS below 4.0: due dates unchanged");
        ok(cmd, "marked public; CVSS is below 4.0, so the due dates stay");
        return;
    }
    std::vector<std::string> changed;
    for (MilestoneName m : kMilestones) {
        if (m == MilestoneName::Retrospective) continue;
        Milestone& ms = c_.milestone(m);
        if (ms.done) continue;
        TimePoint asap = now_ + asap_window(m, cfg_.asap);
        if (!ms.due || asap < *ms.due) {
            ms.due = asap;
            changed.push_back(std::string(to_string(m)) + " " + format_iso8601(asap));
        }
    }
    std::string detail = changed.empty() ? "no due date moved" : "ASAP: " + join(changed);
    event("public", (c_.public_url.empty() ? std::string() : c_.public_url + "; ") + detail);
    ok(cmd, "marked public; " + detail);
}

void Applier::slow(const Command& cmd) {
    if (!c_.cvss) {
        error(cmd, "no CVSS score is recorded; /slow needs a score below 4.0 (set it with /cvss)");
        return;
    }
    if (!low_severity(c_.cvss)) {
        char score[16];
        std::snprintf(score, sizeof score, "%.1f", c_.cvss->score);
        error(cmd, std::string("the CVSS base score is ") + score +
                       "; only a case scored below 4.0 may be slowed down");
        return;
    }
    for (MilestoneName m : kMilestones) {
        Milestone& ms = c_.milestone(m);
        if (ms.done || !ms.due) continue;
        *ms.due += cfg_.timeline.slow_extension;
    }
    c_.slowed = true;
    slow_reasons_.push_back(cmd.text);
    event("slow", cmd.text);
    ok(cmd, "due dates extended by " + notice_text::format_duration(cfg_.timeline.slow_extension) +
                " (" + due_list() + "); the team is told why");
}

void Applier::affects(const Command& cmd) {
    for (const auto& v : cmd.values) {
        if (contains(c_.affects, v)) continue;
        if (c_.affects.size() >= kMaxListEntries) {
            error(cmd,
                  "too many affected versions (at most " + std::to_string(kMaxListEntries) + ")");
            return;
        }
        c_.affects.push_back(v);
    }
    c_.release_plan = release_plan(c_.affects, cfg_);
    event("affects", join(cmd.values) + "; release plan " + c_.release_plan);
    ok(cmd, "affects " + join(c_.affects) + "; release plan: " + c_.release_plan);
}

void Applier::announce(const Command& cmd) {
    if (c_.milestone(MilestoneName::Release).done) {
        error(cmd, "the case is already released; the release announcement went out then");
        return;
    }
    if (!c_.release_date) {
        error(cmd, "no release date is set; set it first with /release-date DATE[TIME]");
        return;
    }
    if (*c_.release_date <= now_) {
        error(cmd, "the release date " + format_iso8601(*c_.release_date) +
                       " has passed; set a new one with /release-date DATE[TIME]");
        return;
    }
    if (auto why = distributors::announce_refusal(c_, cfg_, now_)) {
        error(cmd, "not sent to the distributors: " + *why);
        return;
    }
    bool newly = complete(MilestoneName::Announce);
    advance(CaseState::Announced);
    send_announcement_ = true;
    event("announce", "release date " + format_iso8601(*c_.release_date));
    std::vector<std::string> to = cfg_.team.announce;
    for (const auto& t : chat_names(cfg_, "announcement")) to.push_back(t);
    std::string note = to.empty() ? "no [team] announce address or [chat] target is configured, "
                                    "so nothing was sent"
                                  : "announcement sent to " + join(to);
    if (!cfg_.distributors.addresses.empty()) {
        event("distributors", "pre-notified " + join(cfg_.distributors.addresses) +
                                  "; embargo until " + format_iso8601(*c_.release_date));
        note += "; pre-notification (encrypted) sent to the distributors " +
                join(cfg_.distributors.addresses);
    }
    ok(cmd, note + "; " + completion_note(MilestoneName::Announce, newly));
}

void Applier::released(const Command& cmd) {
    const Milestone& rel = c_.milestone(MilestoneName::Release);
    if (rel.done) {
        error(cmd, "the case was already released at " + format_iso8601(*rel.done) + " (" +
                       join(c_.released_versions) + ")");
        return;
    }
    if (cmd.values.empty()) {
        error(cmd, "give the released versions");
        return;
    }
    c_.released_versions.clear();
    for (const auto& v : cmd.values) add_unique(c_.released_versions, v);
    complete(MilestoneName::Release);
    c_.milestone(MilestoneName::Retrospective).due = now_ + cfg_.timeline.retrospective;
    advance(CaseState::Released);
    send_release_ = true;
    event("released", join(c_.released_versions));
    std::string forge_note;
    if (cfg_.forge.enabled()) {
        // The policy: the Fix Team's access to the private repository ends
        // with the release.
        forge_jobs_.push_back(forge::Job{forge::Action::SetCollaborators, {}});
        event("forge", "collaborators: none (released)");
        forge_note = "; the advisory's collaborators will be removed";
        if (cfg_.cve.cna == Cna::Github && c_.cve.empty()) {
            forge_jobs_.push_back(forge::Job{forge::Action::RequestCve, {}});
            event("forge", "CVE requested through the advisory");
            forge_note += "; the CVE is requested through the advisory (GitHub is the CNA)";
        }
    }
    ok(cmd, "release done; retrospective due " +
                format_iso8601(*c_.milestone(MilestoneName::Retrospective).due) +
                (cfg_.team.announce.empty() && !cfg_.chat_wants("release-announcement")
                     ? "; no announce address or chat target is configured"
                     : "; release announcement sent") +
                "; CVE request sent to the Fix Lead" + forge_note);
}

void Applier::retrospective(const Command& cmd) {
    if (!c_.milestone(MilestoneName::Release).done) {
        error(cmd,
              "the case is not released yet; /released VERSION... first (or /reject REASON to "
              "close a case without a release)");
        return;
    }
    complete(MilestoneName::Retrospective);
    finish_as(CaseState::Closed);
    send_retrospective_ = true;
    retrospective_notes_ = cmd.text;
    event("retrospective", cmd.text);
    ok(cmd, "retrospective sent; case closed");
}

void Applier::merge(const Command& cmd) {
    if (cmd.values.size() != 1) {
        error(cmd, "give one case id");
        return;
    }
    const std::string& id = cmd.values.front();
    if (id == c_.id) {
        error(cmd, "cannot merge " + id + " into itself");
        return;
    }
    std::optional<Case> target;
    if (lookups_.find_case) target = lookups_.find_case(id);
    if (!target) {
        error(cmd, "there is no case " + id);
        return;
    }
    if (!is_open(target->state)) {
        std::string state = target->state == CaseState::Merged
                                ? "merged into " + target->merged_into
                                : std::string(to_string(target->state));
        error(cmd, id + " is " + state + "; merge only into an open case");
        return;
    }
    for (const auto& r : c_.reporters) add_unique(target->reporters, r);
    for (const auto& f : c_.fix_team) add_unique(target->fix_team, f);
    c_.merged_into = id;
    finish_as(CaseState::Merged);
    event("merge", "merged into " + id);
    target_events_.push_back(
        Event{id, now_, actor_.email, "merge", c_.id + " merged into this case"});
    target_ = std::move(target);
    ok(cmd, "merged into " + id);
}

Outcome Applier::finish(const Case& original) {
    Outcome out;
    if (!errors_.empty()) {
        out.updated = original;
        out.errors = errors_;
        out.notices.push_back(notice_text::command_result(original.id, actor_.email, {}, errors_));
        return out;
    }
    out.applied = true;
    if (done_.empty()) {  // no commands at all: nothing to answer
        out.updated = std::move(c_);
        return out;
    }
    std::string extra;
    if (status_) extra += notice_text::status_summary(c_, now_);
    if (help_) extra += (extra.empty() ? "" : "\n") + notice_text::help_text();
    out.notices.push_back(notice_text::command_result(c_.id, actor_.email, done_, {}, extra));
    if (public_draft_) {
        std::string by = actor_.email == c_.lead ? "you" : actor_.email;
        out.notices.push_back(public_report::draft_notice(
            c_, cfg_, "The case was marked public with /public by " + by + "."));
    }
    for (const auto& reason : slow_reasons_)
        out.notices.push_back(notice_text::slowed(c_, cfg_, actor_.email, reason, now_));
    // A public notice is composed when a list or a chat channel takes it.
    if (send_announcement_ && (!cfg_.team.announce.empty() || cfg_.chat_wants("announcement")))
        out.notices.push_back(notice_text::announcement(c_, cfg_));
    if (send_announcement_ && !cfg_.distributors.addresses.empty())
        out.notices.push_back(distributors::notice(c_, cfg_, now_));
    if (send_release_) {
        if (!cfg_.team.announce.empty() || cfg_.chat_wants("release-announcement"))
            out.notices.push_back(notice_text::release_announcement(c_, cfg_));
        Case for_lead = c_;
        if (for_lead.lead.empty()) for_lead.lead = actor_.email;
        out.notices.push_back(notice_text::cve_request(for_lead, cfg_, now_));
    }
    if (send_retrospective_) {
        std::vector<Event> all = lookups_.history;
        all.insert(all.end(), events_.begin(), events_.end());
        for (auto& n : notice_text::retrospective(c_, cfg_, all, retrospective_notes_))
            out.notices.push_back(std::move(n));
    }
    out.events = std::move(events_);
    out.events.insert(out.events.end(), target_events_.begin(), target_events_.end());
    out.done = std::move(done_);
    out.relay_to_reporters = relay_;
    out.relay_text = std::move(relay_text_);
    out.forge_jobs = std::move(forge_jobs_);
    out.merge_target = std::move(target_);
    out.updated = std::move(c_);
    return out;
}

}  // namespace

std::array<Milestone, 5> initial_milestones(TimePoint received_at, const Timeline& t) {
    std::array<Milestone, 5> ms{};
    for (std::size_t i = 0; i < kMilestones.size(); ++i) ms[i].name = kMilestones[i];
    ms[0].due = received_at + t.organize;
    ms[1].due = received_at + t.fix;
    ms[2].due = received_at + t.announce;
    ms[3].due = received_at + t.release;
    return ms;
}

bool in_series(std::string_view version, std::string_view series) {
    if (series.empty()) return false;
    if (!version.empty() && (version[0] == 'v' || version[0] == 'V')) version.remove_prefix(1);
    if (!series.empty() && (series[0] == 'v' || series[0] == 'V')) series.remove_prefix(1);
    if (version == series) return true;
    return version.size() > series.size() && version.substr(0, series.size()) == series &&
           version[series.size()] == '.';
}

std::string release_plan(const std::vector<std::string>& affects, const Config& cfg) {
    if (affects.empty()) return "";
    bool main = false;
    for (const auto& v : affects) {
        for (const auto& s : cfg.project.supported)
            if (in_series(v, s)) return "patch-release";
        if (!cfg.project.main_branch.empty() && lower(v) == lower(cfg.project.main_branch))
            main = true;
    }
    return main ? "next-release" : "public-issue";
}

bool low_severity(const std::optional<Cvss>& cvss) {
    return cvss && std::llround(cvss->score * 10.0) < 40;
}

Outcome apply_commands(Case c, const std::vector<Command>& commands, const Actor& actor,
                       const Config& cfg, TimePoint now, const Lookups& lookups) {
    const Case original = c;
    Applier a(std::move(c), actor, cfg, now, lookups);
    for (const auto& cmd : commands) a.apply(cmd);
    return a.finish(original);
}

}  // namespace embargo::workflow
