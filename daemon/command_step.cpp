// Authorisation and application of email commands.
#include "daemon/command_step.hpp"

#include <spdlog/spdlog.h>

#include "core/authorize.hpp"
#include "core/notice_text.hpp"
#include "core/workflow.hpp"
#include "daemon/message_view.hpp"
#include "parsers/commands.hpp"
#include "storage/case_store.hpp"
#include "storage/event_log.hpp"
#include "storage/signature_store.hpp"
#include "storage/sketch_store.hpp"

namespace embargo::daemon {
namespace {

void append(storage::Database& db, const workflow::Event& e, const std::string& signer) {
    storage::append_event(db,
                          storage::Event{0, e.case_id, e.at, e.actor, e.kind, e.detail, signer});
}

std::string signature_digest(const MessageView& v) {
    if (v.signature != "valid") return {};
    return storage::sha256_hex(v.signed_by + "\n" +
                               (v.signed_at ? std::to_string(to_unix(*v.signed_at)) : "") + "\n" +
                               v.signed_text);
}

// Whether `covered` (the commands in the signed content) holds every command
// line of `all` (the commands in the whole readable text).
bool same_command_lines(const commands::ParseResult& all, const commands::ParseResult& covered) {
    if (all.commands.size() != covered.commands.size() ||
        all.errors.size() != covered.errors.size())
        return false;
    for (std::size_t i = 0; i < all.commands.size(); ++i)
        if (workflow::describe(all.commands[i]) != workflow::describe(covered.commands[i]))
            return false;
    return true;
}

}  // namespace

CommandStep run_commands(storage::Database& db, const Config& cfg, Case& c, const MessageView& view,
                         bool message_id_seen, TimePoint received, TimePoint now) {
    CommandStep step;
    commands::Options opts;
    opts.case_prefix = cfg.project.case_prefix;
    auto parsed = commands::parse(view.text, opts);
    step.text_without_commands = parsed.text_without_commands;
    if (parsed.commands.empty() && parsed.errors.empty()) return step;
    step.had_commands = true;

    authorize::Request req;
    req.from = view.from;
    req.signature = view.signature == "valid"     ? authorize::SignatureStatus::Good
                    : view.signature == "invalid" ? authorize::SignatureStatus::Bad
                                                  : authorize::SignatureStatus::None;
    if (!view.signed_by.empty()) req.signer_fingerprints = {view.signed_by};
    req.signature_error = view.signature_error;
    req.signature_time = view.signed_at;
    req.received_at = received;
    req.signed_text = view.signed_text;
    if (view.signature == "valid" && view.protected_subject && view.protected_subject_signed)
        req.protected_subject = *view.protected_subject;
    req.case_id = c.id;
    req.message_id_seen = message_id_seen;
    const std::string digest = signature_digest(view);
    req.signature_seen = !digest.empty() && storage::signature_seen(db, digest);
    auto decision = authorize::decide(cfg, req, now);

    if (decision.verdict == authorize::Verdict::Ignored) {
        // Never answered; the log names no content.
        spdlog::warn("case {}: ignored commands in {} from non-member {}: {}", c.id,
                     view.message_id, view.from, decision.reason);
        storage::append_event(db, storage::Event{0, c.id, now, view.from, "commands-ignored",
                                                 "from a non-member: " + decision.reason, ""});
        return step;
    }
    if (decision.verdict == authorize::Verdict::Refused) {
        spdlog::warn("case {}: refused commands from {}: {}", c.id, view.from, decision.reason);
        if (decision.flag_unsigned && !c.has_flag("unsigned-commands-ignored"))
            c.flags.push_back("unsigned-commands-ignored");
        storage::append_event(db, storage::Event{0, c.id, now, view.from, "commands-refused",
                                                 decision.reason, view.signed_by});
        step.notices.push_back(
            notice_text::command_result(c.id, decision.member, {}, {decision.reason}));
        return step;
    }
    // The member's signature passed every check: it is used up now, whether
    // or not the commands apply, so that a refused message cannot be re-sent
    // later, when it would apply. (A signature refused above, e.g. one aimed
    // at another case, stays usable for the case it names.)
    if (!digest.empty())
        storage::record_signature(db, digest, view.signed_by, view.message_id, now);
    // A valid signature vouches only for what it covers: command lines in
    // another MIME part or around a cleartext-signed block could be anyone's.
    if (cfg.team.require_signed_commands &&
        !same_command_lines(parsed, commands::parse(view.signed_text, opts))) {
        const std::string reason =
            "some command lines are outside the signed part of the message, so none were "
            "applied; put all commands in the signed text";
        spdlog::warn("case {}: refused commands from {}: unsigned command lines", c.id,
                     decision.member);
        storage::append_event(db, storage::Event{0, c.id, now, decision.member, "commands-refused",
                                                 reason, view.signed_by});
        step.notices.push_back(notice_text::command_result(c.id, decision.member, {}, {reason}));
        return step;
    }
    if (!parsed.ok()) {
        step.notices.push_back(
            notice_text::command_result(c.id, decision.member, {}, parsed.errors));
        storage::append_event(
            db, storage::Event{0, c.id, now, decision.member, "commands-refused",
                               std::to_string(parsed.errors.size()) + " invalid command line(s)",
                               view.signed_by});
        return step;
    }

    workflow::Lookups lookups;
    lookups.find_case = [&db](const std::string& id) { return storage::load_case(db, id); };
    for (const auto& e : storage::case_events(db, c.id))
        lookups.history.push_back(workflow::Event{e.case_id, e.at, e.actor, e.kind, e.detail});
    workflow::Actor actor{decision.member, view.signed_by};
    auto outcome = workflow::apply_commands(c, parsed.commands, actor, cfg, now, lookups);
    step.applied = outcome.applied;
    step.notices = outcome.notices;
    if (!outcome.applied) {
        storage::append_event(
            db, storage::Event{0, c.id, now, decision.member, "commands-refused",
                               std::to_string(outcome.errors.size()) + " command(s) refused",
                               view.signed_by});
        return step;
    }
    c = outcome.updated;
    if (outcome.merge_target) {
        storage::save_case(db, *outcome.merge_target);
        // Later copies of this report must find the case it was merged into.
        storage::redirect_sketches(db, c.id, outcome.merge_target->id);
    }
    for (const auto& e : outcome.events) append(db, e, view.signed_by);
    step.relay_to_reporters = outcome.relay_to_reporters;
    step.relay_text = outcome.relay_text;
    step.forge_jobs = outcome.forge_jobs;
    spdlog::info("case {}: applied {} command(s) from {}", c.id, parsed.commands.size(),
                 decision.member);
    return step;
}

}  // namespace embargo::daemon
