// Chat payloads and queueing; see chat_notice.hpp.
#include "daemon/chat_notice.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "daemon/notifier.hpp"
#include "storage/outbox_store.hpp"

namespace embargo::daemon {
namespace {

// Slack (and Mattermost, Rocket.Chat) read <...> as links and mentions:
// "<!channel>" in a mitigation would ping everyone. Its escaping rule: only
// &, < and >, as HTML entities, which the client shows as the characters.
std::string slack_escape(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (char ch : s) {
        if (ch == '&')
            out += "&amp;";
        else if (ch == '<')
            out += "&lt;";
        else if (ch == '>')
            out += "&gt;";
        else
            out += ch;
    }
    return out;
}

}  // namespace

std::string chat_payload(ChatTarget::Format format, const Notice& n) {
    nlohmann::ordered_json j;
    if (format == ChatTarget::Format::Slack) {
        // Slack's mrkdwn would reformat *, _ and ~ in the text; a code block
        // keeps the notice as written (aligned columns, bullet lists).
        j["text"] = "*" + slack_escape(n.subject) + "*\n```\n" + slack_escape(n.body) + "```";
    } else {
        j["case"] = n.case_id;
        j["kind"] = n.kind;
        j["subject"] = n.subject;
        j["text"] = n.body;
    }
    // Replace invalid UTF-8 rather than throw: the text comes from commands.
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

int queue_chat(storage::Database& db, const Config& cfg, const Notice& n, TimePoint now) {
    if (!n.is_public) return 0;
    if (std::none_of(std::begin(kChatKinds), std::end(kChatKinds),
                     [&](const char* k) { return n.kind == k; }))
        return 0;
    int queued = 0;
    for (const auto& t : cfg.chat.targets) {
        if (std::find(t.kinds.begin(), t.kinds.end(), n.kind) == t.kinds.end()) continue;
        storage::OutboxItem item;
        // Like a Message-ID: fixed when queued, so `embargoctl outbox` and the
        // log name the post; a case may announce twice (a new date).
        item.message_id = (n.case_id.empty() ? n.kind : n.case_id) + "." + n.kind + ".chat." +
                          t.name + "." + random_token() + "@" + cfg.mail_domain();
        item.case_id = n.case_id;
        item.kind = n.kind;
        item.recipient = std::string(storage::kChatRecipientPrefix) + t.name;
        item.body = chat_payload(t.format, n);
        item.created_at = now;
        storage::queue_outbox(db, item);
        ++queued;
    }
    return queued;
}

}  // namespace embargo::daemon
