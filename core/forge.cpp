// Forge rules and texts; see forge.hpp.
#include "core/forge.hpp"

#include <algorithm>
#include <cctype>

namespace embargo::forge {
namespace {

constexpr const char* kLoginList = " ";  // "email login" entries of Case::forge_logins

bool is_alnum(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

}  // namespace

std::string_view kind(Action a) {
    switch (a) {
        case Action::CreateAdvisory:
            return "forge-advisory";
        case Action::SetCollaborators:
            return "forge-collaborators";
        case Action::RequestFork:
            return "forge-fork";
        case Action::RequestCve:
            return "forge-cve";
    }
    return "forge-advisory";
}

std::optional<Action> action_from_kind(std::string_view k) {
    for (Action a : {Action::CreateAdvisory, Action::SetCollaborators, Action::RequestFork,
                     Action::RequestCve})
        if (kind(a) == k) return a;
    return std::nullopt;
}

bool valid_login(std::string_view login) {
    if (login.empty() || login.size() > 39) return false;
    if (login.front() == '-' || login.back() == '-') return false;
    for (std::size_t i = 0; i < login.size(); ++i) {
        char ch = login[i];
        if (ch == '-') {
            if (login[i - 1] == '-') return false;
        } else if (!is_alnum(ch)) {
            return false;
        }
    }
    return true;
}

std::optional<std::string> login_of(const Case& c, const Config& cfg, const std::string& email) {
    const std::string prefix = email + kLoginList;
    for (const auto& entry : c.forge_logins)
        if (entry.rfind(prefix, 0) == 0) return entry.substr(prefix.size());
    if (const std::string* l = cfg.forge.login_of(email)) return *l;
    return std::nullopt;
}

void remember_login(Case& c, const std::string& email, const std::string& login) {
    const std::string prefix = email + kLoginList;
    std::erase_if(c.forge_logins, [&](const std::string& e) { return e.rfind(prefix, 0) == 0; });
    c.forge_logins.push_back(prefix + login);
}

Collaborators collaborators(const Case& c, const Config& cfg) {
    Collaborators out;
    for (const auto& who : c.fix_team) {
        auto login = login_of(c, cfg, who);
        if (!login) {
            out.without_login.push_back(who);
            continue;
        }
        // Logins are case-insensitive on GitHub: one entry per account.
        auto same = [&](const std::string& l) {
            return std::equal(l.begin(), l.end(), login->begin(), login->end(),
                              [](char a, char b) { return std::tolower(a) == std::tolower(b); });
        };
        if (std::none_of(out.logins.begin(), out.logins.end(), same)) out.logins.push_back(*login);
    }
    return out;
}

std::string advisory_summary(const Case& c, const Config& cfg) {
    std::string project = cfg.project.name.empty() ? cfg.forge.repo : cfg.project.name;
    return "Embargoed security case " + c.id + " (" + project + ")";
}

std::string advisory_description(const Case& c, const Config& cfg) {
    return "Placeholder for the embargoed security case " + c.id + " of " + cfg.forge.repository() +
           ". The details are in the security team's private tracker, not here; the Fix "
           "Lead fills in this advisory when the fix is released.";
}

workflow::NoticeRequest fork_notice(const Case& c, const std::string& ghsa_id,
                                    const std::string& fork_url) {
    workflow::NoticeRequest n;
    n.kind = "private-fork";
    n.case_id = c.id;
    if (!c.lead.empty()) n.to.push_back(c.lead);
    for (const auto& f : c.fix_team)
        if (std::find(n.to.begin(), n.to.end(), f) == n.to.end()) n.to.push_back(f);
    n.subject = "[" + c.id + "] Temporary private fork for " + ghsa_id;
    n.body = "Case: " + c.id + "\n\n" +
             "The temporary private fork of the repository security advisory " + ghsa_id +
             " is ready:\n\n  " + fork_url +
             "\n\nPush the fix there and open the pull request from it; it stays private\n"
             "until the advisory is published. Only the advisory's collaborators (the Fix\n"
             "Team's GitHub logins, added with /cc) can see it; they are removed again on\n"
             "/released.\n";
    return n;
}

}  // namespace embargo::forge
