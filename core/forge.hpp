// The forge rules (SPEC: [forge]): which calls a case needs on the project's
// repository security advisory, the collaborators its Fix Team makes, and the
// neutral texts that may leave the private tracker. Pure: no I/O; the daemon
// turns the jobs into outbox items and the calls into HTTP requests.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/case.hpp"
#include "core/config.hpp"
#include "core/workflow_types.hpp"

namespace embargo::forge {

// One call on the forge, in the order a case needs them. Each is queued as an
// outbox item (recipient "forge:OWNER/REPO") and runs after the case's
// earlier forge items have succeeded: the advisory exists before anything
// else is done to it.
enum class Action {
    CreateAdvisory,    // a draft advisory, with nothing of the report
    SetCollaborators,  // the advisory's collaborating users := logins (a PATCH replaces the list)
    RequestFork,       // the temporary private fork; its URL is mailed to the Fix Team
    RequestCve,        // "Request CVE" (GitHub as the CNA)
};

struct Job {
    Action action = Action::CreateAdvisory;
    std::vector<std::string> logins;  // SetCollaborators: the whole list, maybe empty
    bool operator==(const Job&) const = default;
};

// The outbox kind of a job: "forge-advisory", "forge-collaborators",
// "forge-fork", "forge-cve".
std::string_view kind(Action a);
std::optional<Action> action_from_kind(std::string_view kind);

// A GitHub login: 1 to 39 letters, digits and single inner hyphens.
bool valid_login(std::string_view login);

// The login a Fix Team member has on the forge: the one given with
// `/cc EMAIL github:LOGIN` on this case, else the [forge] login line.
std::optional<std::string> login_of(const Case& c, const Config& cfg, const std::string& email);
// Records `/cc EMAIL github:LOGIN` on the case (replacing an earlier login).
void remember_login(Case& c, const std::string& email, const std::string& login);
// The collaborators the case's Fix Team makes (members with a known login,
// in Fix Team order, without repeats) and the members without one.
struct Collaborators {
    std::vector<std::string> logins;
    std::vector<std::string> without_login;  // addresses
};
Collaborators collaborators(const Case& c, const Config& cfg);

// The advisory's public-facing texts. A draft is visible only to the
// repository's admins and its collaborators, but it is not encrypted and
// GitHub is not the private tracker: the texts hold the case id and the
// project, never the report's subject or text.
std::string advisory_summary(const Case& c, const Config& cfg);
std::string advisory_description(const Case& c, const Config& cfg);

// To the Fix Lead and the Fix Team (encrypted, like all case mail): the
// temporary private fork of the advisory is ready at `fork_url`.
workflow::NoticeRequest fork_notice(const Case& c, const std::string& ghsa_id,
                                    const std::string& fork_url);

}  // namespace embargo::forge
