// JSON rendering for embargoctl; times are UTC ISO 8601, absent values null.
#include "daemon/case_json.hpp"

#include <cmath>

#include "core/rotation.hpp"
#include "storage/case_store.hpp"
#include "storage/event_log.hpp"
#include "storage/forge_store.hpp"
#include "storage/mailbox_store.hpp"
#include "storage/message_store.hpp"
#include "storage/outbox_store.hpp"

namespace embargo::daemon {
namespace {
using json = nlohmann::ordered_json;

json time_or_null(const std::optional<TimePoint>& t) {
    return t ? json(format_iso8601(*t)) : json(nullptr);
}
json string_or_null(const std::string& s) {
    return s.empty() ? json(nullptr) : json(s);
}
}  // namespace

json case_json(storage::Database& db, const Case& c, TimePoint now, bool details) {
    auto counts = storage::case_counts(db, c.id);
    json j;
    j["id"] = c.id;
    j["state"] = std::string(to_string(c.state));
    j["subject"] = c.subject;
    j["reporters"] = c.reporters;
    j["received_at"] = format_iso8601(c.received_at);
    j["lead"] = string_or_null(c.lead);
    j["fix_team"] = c.fix_team;
    j["encrypted"] = c.encrypted;
    j["public"] = c.is_public;
    j["slowed"] = c.slowed;
    if (c.cvss) {
        j["cvss"] = {{"vector", c.cvss->vector},
                     {"score", std::round(c.cvss->score * 10) / 10},
                     {"severity", c.cvss->severity}};
    } else {
        j["cvss"] = nullptr;
    }
    j["affects"] = c.affects;
    j["release_plan"] = string_or_null(c.release_plan);
    j["release_date"] = time_or_null(c.release_date);
    j["cve"] = string_or_null(c.cve);
    j["prs"] = c.prs;
    j["merged_into"] = string_or_null(c.merged_into);
    j["reports"] = counts.reports;
    j["messages"] = counts.messages;
    j["flags"] = c.flags;
    // [forge]: the case's repository security advisory, once the forge made it.
    if (auto a = storage::advisory_of(db, c.id))
        j["advisory"] = {{"ghsa_id", a->ghsa_id},
                         {"repository", a->repository},
                         {"url", a->html_url},
                         {"fork_url", string_or_null(a->fork_url)}};
    else
        j["advisory"] = nullptr;
    json ms = json::array();
    for (const auto& m : c.milestones) {
        bool open = is_open(c.state);
        ms.push_back({{"name", std::string(to_string(m.name))},
                      {"due", time_or_null(m.due)},
                      {"done", time_or_null(m.done)},
                      {"overdue", open && m.overdue(now)}});
    }
    j["milestones"] = ms;
    if (details) {
        j["public_url"] = string_or_null(c.public_url);
        j["mitigations"] = c.mitigations;
        j["released_versions"] = c.released_versions;
        json events = json::array();
        for (const auto& e : storage::case_events(db, c.id)) {
            json ev = {{"seq", e.seq},
                       {"at", format_iso8601(e.at)},
                       {"actor", e.actor},
                       {"kind", e.kind},
                       {"detail", e.detail}};
            ev["signer"] = string_or_null(e.signer);
            events.push_back(ev);
        }
        j["events"] = events;
        json list = json::array();
        for (const auto& m : storage::case_messages(db, c.id)) {
            json mj = {{"message_id", m.message_id},
                       {"from", m.from},
                       {"received_at", format_iso8601(m.received_at)},
                       {"encrypted", m.encrypted},
                       {"signed_by", string_or_null(m.signed_by)},
                       {"kind", m.kind}};
            mj["signature"] = m.signature;
            mj["signed_at"] = time_or_null(m.signed_at);
            // The operator's own copy of the (decrypted) text: `show` is for them.
            mj["text"] = m.text;
            mj["flags"] = json::array();
            size_t b = 0;
            while (b < m.flags.size()) {
                size_t e = m.flags.find(' ', b);
                if (e == std::string::npos) e = m.flags.size();
                if (e > b) mj["flags"].push_back(m.flags.substr(b, e - b));
                b = e + 1;
            }
            list.push_back(mj);
        }
        j["message_list"] = list;
        json out = json::array();
        for (const auto& o : storage::case_outbox(db, c.id))
            out.push_back({{"message_id", o.message_id},
                           {"kind", o.kind},
                           {"to", o.recipient},
                           {"sent_at", time_or_null(o.sent_at)}});
        j["notifications"] = out;
    }
    return j;
}

json rotation_json(storage::Database& db, const Config& cfg, TimePoint now) {
    json order = json::array();
    json away = json::array();
    for (const auto& m : cfg.team.members) {
        order.push_back(m.email);
        if (is_away(cfg.team.away, m.email, now)) away.push_back(m.email);
    }
    auto last = storage::kv_get(db, "rotation.last_lead");
    std::optional<size_t> last_pos;
    if (auto p = storage::kv_get(db, "rotation.last_position")) last_pos = std::stoul(*p);
    auto next = next_lead(cfg.team.members, cfg.team.away, last, last_pos, now);
    json j;
    j["order"] = order;
    j["away"] = away;
    j["next"] = next ? json(cfg.team.members[*next].email) : json(nullptr);
    j["last"] = last ? json(*last) : json(nullptr);
    return j;
}

json outbox_json(storage::Database& db) {
    json arr = json::array();
    for (const auto& o : storage::undelivered_outbox(db)) {
        json j;
        j["message_id"] = o.message_id;
        j["case"] = string_or_null(o.case_id);
        j["kind"] = o.kind;
        j["to"] = o.recipient;
        j["attempts"] = o.attempts;
        j["next_attempt"] = o.parked ? json(nullptr) : json(format_iso8601(o.next_attempt));
        j["last_error"] = string_or_null(o.last_error);
        j["parked"] = o.parked;
        arr.push_back(j);
    }
    return arr;
}

json quarantine_json(storage::Database& db) {
    json arr = json::array();
    for (const auto& f : storage::quarantined(db)) {
        json j;
        j["uid"] = f.uid;
        j["message_id"] = string_or_null(f.message_id);
        j["attempts"] = f.attempts;
        j["error"] = f.error;
        j["quarantined_at"] = time_or_null(f.quarantined_at);
        j["mailbox"] = f.mailbox;
        j["uidvalidity"] = f.uidvalidity;
        arr.push_back(j);
    }
    return arr;
}

std::string human_list(const json& list) {
    std::string out;
    for (const auto& v : list) {
        if (!out.empty()) out += ", ";
        out += v.is_string() ? v.get<std::string>() : v.dump();
    }
    return out.empty() ? std::string("-") : out;
}

}  // namespace embargo::daemon
