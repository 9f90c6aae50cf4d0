// PGP end to end through Dovecot and embargod (SPEC 4 step 1, SPEC 6): what
// comes in encrypted is read, filed under its protected subject and answered
// encrypted; what cannot be decrypted is flagged and the sender told the team
// key; signatures are recorded with the signer's fingerprint.
#include <catch2/catch.hpp>

#include "tests/support/daemon_env.hpp"
#include "tests/support/mail.hpp"
#include "tests/support/test_clock.hpp"

using namespace embargo::test;
using nlohmann::json;

namespace {
const std::string kNow = test_iso(0, "12:00:00");

// RFC 3156 multipart/encrypted around an encrypted MIME entity.
Mail pgp_mime(const Person& from, const std::string& armored) {
    Mail m;
    m.from = from.header();
    m.subject = "...";  // the real subject is protected inside
    m.message_id = unique_message_id("pgp");
    m.content_type =
        "multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"ENC\"";
    m.body = "--ENC\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n--ENC\n"
             "Content-Type: application/octet-stream; name=\"encrypted.asc\"\n\n" +
             armored + "\n--ENC--\n";
    return m;
}

std::string inner_entity(const std::string& subject, const std::string& text,
                         const std::string& key_attachment = {}) {
    std::string e;
    if (key_attachment.empty()) {
        e = "Content-Type: text/plain; charset=utf-8; protected-headers=\"v1\"\nSubject: " +
            subject + "\n\n" + text;
    } else {
        e = "Content-Type: multipart/mixed; boundary=\"IN\"; protected-headers=\"v1\"\n"
            "Subject: " + subject + "\n\n--IN\nContent-Type: text/plain; charset=utf-8\n\n" + text +
            "\n--IN\nContent-Type: application/pgp-keys; name=\"key.asc\"\n"
            "Content-Disposition: attachment; filename=\"key.asc\"\n\n" + key_attachment +
            "\n--IN--\n";
    }
    return crlf(e);
}

std::vector<ReceivedMail> of_kind(const std::vector<ReceivedMail>& all, const std::string& kind) {
    std::vector<ReceivedMail> out;
    for (const auto& m : all)
        if (m.header("X-Embargo-Kind") == kind) out.push_back(m);
    return out;
}
}  // namespace

TEST_CASE("an encrypted report with the reporter's key is read and answered encrypted") {
    DaemonEnv env;
    auto eve = env.make_person("Eve Reporter", "eve@example.net");
    std::string secret_subject = "RCE in the admin API";
    std::string secret_text = "POST /admin/exec with a crafted body runs shell commands.";
    auto armored = env.people().encrypt(
        inner_entity(secret_subject, secret_text, env.people().export_public(eve.fpr)),
        env.team_fpr(), eve.fpr);
    env.deliver(pgp_mime(eve, armored).str(), test_iso(0, "10:00:00"));
    env.run_once(kNow);

    auto c = env.show(test_case_id("EMST", 1));
    CHECK(c["encrypted"] == true);
    CHECK(c["subject"] == secret_subject);  // from the protected headers
    CHECK(c["flags"].empty());
    REQUIRE(c["message_list"].size() == 1);
    const auto& m = c["message_list"][0];
    CHECK(m["encrypted"] == true);
    CHECK(m["signed_by"] == eve.fpr);
    CHECK(m["signature"] == "valid");
    CHECK(m["text"].get<std::string>().find(secret_text) != std::string::npos);
    bool imported = false;
    for (const auto& e : c["events"])
        if (e["kind"] == "key-imported" && e["detail"] == eve.fpr) imported = true;
    CHECK(imported);

    // The reporter's key came with the report: the ack is encrypted to it.
    REQUIRE(env.smtp().wait_for(4, std::chrono::seconds(10)));
    auto acks = of_kind(env.smtp().messages(), "ack");
    REQUIRE(acks.size() == 1);
    CHECK(acks[0].header("Content-Type").find("multipart/encrypted") != std::string::npos);
    CHECK(acks[0].raw.find(secret_subject) == std::string::npos);
    auto d = env.people().decrypt(acks[0].raw.substr(acks[0].raw.find("-----BEGIN PGP MESSAGE")));
    CHECK(d.decryption_okay());
    CHECK(d.good_signature_by(env.team_fpr()));
    CHECK(d.plaintext.find(test_case_id("EMST", 1)) != std::string::npos);
    for (const auto& n : of_kind(env.smtp().messages(), "new-case")) {
        CHECK(n.raw.find(secret_subject) == std::string::npos);
        CHECK(n.raw.find(secret_text) == std::string::npos);
        auto dn = env.people().decrypt(n.raw.substr(n.raw.find("-----BEGIN PGP MESSAGE")));
        CHECK(dn.plaintext.find(secret_text) != std::string::npos);
    }
    // A later plain reply with the protected subject's tag threads into the case.
    Mail reply;
    reply.from = eve.header();
    reply.subject = "Re: [" + test_case_id("EMST", 1) + "] report received";
    reply.body = "Any news?\n";
    env.deliver(reply.str(), test_iso(0, "12:30:00"));
    env.run_once(test_iso(0, "12:40:00"));
    CHECK(env.show(test_case_id("EMST", 1))["messages"] == 2);
    CHECK(env.cases().size() == 1);
}

TEST_CASE("inline PGP in a plain part is decrypted") {
    DaemonEnv env;
    auto eve = env.make_person("Eve Reporter", "eve@example.net");
    Mail m;
    m.from = eve.header();
    m.subject = "inline report";
    m.body = env.people().encrypt("Inline secret: the cache is poisoned by Host headers.\n",
                                  env.team_fpr());
    env.deliver(m.str(), test_iso(0, "10:00:00"));
    env.run_once(kNow);
    auto c = env.show(test_case_id("EMST", 1));
    CHECK(c["encrypted"] == true);
    CHECK(c["flags"].empty());
    CHECK(c["message_list"][0]["text"].get<std::string>().find("the cache is poisoned") !=
          std::string::npos);
    CHECK(c["message_list"][0]["signature"] == "none");
}

TEST_CASE("mail encrypted to someone else is flagged undecryptable and its sender told the key") {
    DaemonEnv env;
    auto eve = env.make_person("Eve Reporter", "eve@example.net");
    auto other = env.make_person("Somebody Else", "else@example.com");
    auto armored = env.people().encrypt(inner_entity("secret", "not for the team"), other.fpr);
    env.deliver(pgp_mime(eve, armored).str(), test_iso(0, "10:00:00"));
    Mail truncated;
    truncated.from = "Trudy <trudy@example.net>";
    truncated.subject = "truncated armor";
    truncated.body = "-----BEGIN PGP MESSAGE-----\n\nhQEMA5x1\n";
    env.deliver(truncated.str(), test_iso(0, "10:05:00"));
    env.run_once(kNow);

    auto cases = env.cases();
    REQUIRE(cases.size() == 2);
    for (const auto& c : cases) {
        CHECK(c["encrypted"] == true);
        CHECK(c["flags"] == json::array({"undecryptable"}));
    }
    REQUIRE(env.smtp().wait_for(2, std::chrono::seconds(10)));
    auto notices = of_kind(env.smtp().messages(), "undecryptable");
    REQUIRE(notices.size() == 2);
    for (const auto& n : notices) {
        // Naming the team key's fingerprint is the point of the notice.
        CHECK(n.raw.find(env.team_fpr()) != std::string::npos);
        CHECK(n.raw.find("not for the team") == std::string::npos);
    }
    CHECK(of_kind(env.smtp().messages(), "ack").empty());
}

TEST_CASE("a member's clearsigned reply records the signer's fingerprint") {
    DaemonEnv env;
    Mail report;
    report.message_id = unique_message_id("r");
    env.deliver(report.str(), test_iso(0, "10:00:00"));
    env.run_once(kNow);
    const auto& alice = env.members()[0];
    Mail reply;
    reply.from = alice.header();
    reply.subject = "Re: [" + test_case_id("EMST", 1) + "] new case";
    reply.in_reply_to = report.message_id;
    reply.body =
        env.people().clearsign("Case: " + test_case_id("EMST", 1) + "\nI am on it.\n", alice.fpr);
    env.deliver(reply.str(), test_iso(0, "12:10:00"));
    Mail forged = reply;
    forged.message_id = unique_message_id("forged");
    forged.body = reply.body;
    auto pos = forged.body.find("I am on it.");
    forged.body.replace(pos, 11, "I am off it");
    env.deliver(forged.str(), test_iso(0, "12:11:00"));
    env.run_once(test_iso(0, "12:20:00"));
    auto c = env.show(test_case_id("EMST", 1));
    REQUIRE(c["message_list"].size() == 3);
    CHECK(c["message_list"][1]["signature"] == "valid");
    CHECK(c["message_list"][1]["signed_by"] == alice.fpr);
    CHECK(c["message_list"][2]["signature"] == "invalid");
    CHECK(c["message_list"][2]["signed_by"].is_null());
}
