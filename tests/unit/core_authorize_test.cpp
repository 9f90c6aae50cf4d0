// Command authorization: members only, signed by the member's configured
// key, naming the case in the signed content, no replays, no stale signatures.
#include <catch2/catch.hpp>

#include "core/authorize.hpp"

using namespace embargo;
using namespace embargo::authorize;
using namespace std::chrono_literals;

namespace {

const std::string kAliceFpr = "AAAA1111AAAA1111AAAA1111AAAA1111AAAA1111";
const std::string kBobFpr = "BBBB2222BBBB2222BBBB2222BBBB2222BBBB2222";

Config config(bool require_signed = true) {
    Config c;
    c.team.members = {{"Alice", "alice@example.org", kAliceFpr},
                      {"Bob", "bob@example.org", kBobFpr}};
    c.team.require_signed_commands = require_signed;
    return c;
}

TimePoint now() {
    return *parse_iso8601("2026-12-01T09:00:00Z");
}

// A correct request from Alice: signed by her key an hour ago, quoting the case line.
Request good() {
    Request r;
    r.from = "alice@example.org";
    r.signature = SignatureStatus::Good;
    r.signer_fingerprints = {"1234123412341234123412341234123412341234", kAliceFpr};
    r.signature_time = now() - 1h;
    r.signed_text = "/fixed\n\n> Case: EMST-2026-0001\n> ...\n";
    r.case_id = "EMST-2026-0001";
    return r;
}

Decision check(const Request& r, const Config& cfg = config()) {
    return decide(cfg, r, now());
}

}  // namespace

TEST_CASE("a member's properly signed commands are allowed") {
    auto d = check(good());
    CHECK(d.verdict == Verdict::Allowed);
    CHECK(d.member == "alice@example.org");
    CHECK_FALSE(d.flag_unsigned);
    // From in another case and with blanks; fingerprint as gpg prints it.
    auto r = good();
    r.from = "  Alice@Example.ORG ";
    r.signer_fingerprints = {"aaaa 1111 aaaa 1111 aaaa 1111 aaaa 1111 aaaa 1111"};
    CHECK(check(r).verdict == Verdict::Allowed);
    r.from = "Alice Example <Alice@example.org>";
    CHECK(check(r).verdict == Verdict::Allowed);
}

TEST_CASE("non-members are ignored, never answered") {
    auto r = good();
    r.from = "mallory@example.net";
    auto d = check(r);
    CHECK(d.verdict == Verdict::Ignored);
    CHECK(d.member.empty());
    // Even with a valid signature by a member's key.
    r.signer_fingerprints = {kAliceFpr};
    CHECK(check(r).verdict == Verdict::Ignored);
    // And when unsigned commands are allowed.
    CHECK(check(r, config(false)).verdict == Verdict::Ignored);
}

TEST_CASE("unsigned commands are refused and flag the case") {
    auto r = good();
    r.signature = SignatureStatus::None;
    r.signer_fingerprints.clear();
    r.signature_time.reset();
    auto d = check(r);
    CHECK(d.verdict == Verdict::Refused);
    CHECK(d.flag_unsigned);
    CHECK(d.reason.find("not signed") != std::string::npos);
    CHECK(d.reason.find(kAliceFpr) != std::string::npos);
    // Without require_signed_commands they are allowed.
    auto open = check(r, config(false));
    CHECK(open.verdict == Verdict::Allowed);
    CHECK_FALSE(open.flag_unsigned);
}

TEST_CASE("invalid signatures are refused") {
    for (auto s : {SignatureStatus::Bad, SignatureStatus::KeyExpired, SignatureStatus::KeyRevoked,
                   SignatureStatus::NoPublicKey, SignatureStatus::Error}) {
        auto r = good();
        r.signature = s;
        auto d = check(r);
        INFO(to_string(s));
        CHECK(d.verdict == Verdict::Refused);
        CHECK_FALSE(d.flag_unsigned);
        CHECK(d.reason.find("signature is not valid (" + std::string(to_string(s)) + ")") !=
              std::string::npos);
    }
}

TEST_CASE("an invalid signature's refusal names the verifier's reason") {
    auto r = good();
    r.signature = SignatureStatus::Bad;
    r.signature_error = "the signature is dated 2020-01-01T00:00:00Z, before its key was created";
    auto d = check(r);
    CHECK(d.verdict == Verdict::Refused);
    CHECK(d.reason.find("signature is not valid (the signature is dated 2020-01-01T00:00:00Z, "
                        "before its key was created)") != std::string::npos);
    CHECK(d.reason.find(kAliceFpr) != std::string::npos);
}

TEST_CASE("the signature must be by the member's configured key") {
    auto r = good();
    r.signer_fingerprints = {kBobFpr};  // a valid signature, but by Bob, with From: Alice
    auto d = check(r);
    CHECK(d.verdict == Verdict::Refused);
    CHECK(d.reason == "the message is signed by key " + kBobFpr +
                          ", not by the key configured for alice@example.org (" + kAliceFpr + ")");
    // Long key id or a prefix of the fingerprint is not the fingerprint.
    r.signer_fingerprints = {kAliceFpr.substr(24)};
    CHECK(check(r).verdict == Verdict::Refused);
    r.signer_fingerprints = {kAliceFpr + "00"};
    CHECK(check(r).verdict == Verdict::Refused);
    r.signer_fingerprints.clear();
    CHECK(check(r).reason.find("(unknown)") != std::string::npos);
    // A member configured without a fingerprint can never match an empty one.
    auto cfg = config();
    cfg.team.members[0].fingerprint.clear();
    r.signer_fingerprints = {""};
    CHECK(decide(cfg, r, now()).verdict == Verdict::Refused);
}

TEST_CASE("replays are refused") {
    auto r = good();
    r.message_id_seen = true;
    auto d = check(r);
    CHECK(d.verdict == Verdict::Refused);
    CHECK(d.reason.find("same Message-ID") != std::string::npos);
    r = good();
    r.signature_seen = true;
    d = check(r);
    CHECK(d.verdict == Verdict::Refused);
    CHECK(d.reason.find("signature was used in an earlier message") != std::string::npos);
    // Replays are refused even where unsigned commands are allowed.
    CHECK(check(r, config(false)).verdict == Verdict::Refused);
}

TEST_CASE("signatures older than 7 days are refused") {
    auto r = good();
    r.signature_time = now() - std::chrono::days{7};
    CHECK(check(r).verdict == Verdict::Allowed);  // exactly 7 days: still fine
    r.signature_time = now() - std::chrono::days{7} - 1s;
    auto d = check(r);
    CHECK(d.verdict == Verdict::Refused);
    CHECK(d.reason ==
          "the signature was made at 2026-11-24T08:59:59Z, more than 7 days ago; send the "
          "commands in a new signed message");
    r.signature_time.reset();
    CHECK(check(r).reason == "the signature carries no creation time");
    // A signature from slightly in the future (clock skew) is fine.
    r.signature_time = now() + 10min;
    CHECK(check(r).verdict == Verdict::Allowed);
}

TEST_CASE("signatures dated after the receipt beyond the clock skew allowance are refused") {
    auto r = good();
    r.received_at = now() - 1h;                 // processed an hour after it arrived
    r.signature_time = *r.received_at + 10min;  // exactly the default allowance: fine
    CHECK(check(r).verdict == Verdict::Allowed);
    r.signature_time = *r.received_at + 10min + 1s;
    auto d = check(r);
    CHECK(d.verdict == Verdict::Refused);
    CHECK(d.reason ==
          "the signature was made at 2026-12-01T08:10:01Z, after the message was received "
          "(2026-12-01T08:00:00Z) by more than the allowed clock skew of 10m; check your "
          "computer's clock and send the commands again");
    // Without a receipt time, `now` is the receipt.
    r.received_at.reset();
    r.signature_time = now() + 11min;
    CHECK(check(r).verdict == Verdict::Refused);
    // The allowance is configurable.
    auto cfg = config();
    cfg.team.signature_clock_skew = 1h;
    CHECK(check(r, cfg).verdict == Verdict::Allowed);
    cfg.team.signature_clock_skew = 0s;
    r.signature_time = now() + 1s;
    CHECK(check(r, cfg).verdict == Verdict::Refused);
}

TEST_CASE("the signed content must name the case") {
    auto r = good();
    r.signed_text = "/fixed\n";
    auto d = check(r);
    CHECK(d.verdict == Verdict::Refused);
    CHECK(d.reason.find("does not name EMST-2026-0001") != std::string::npos);
    // Another case's id does not count, nor a longer id containing this one.
    r.signed_text = "/fixed\n> Case: EMST-2026-0002\n";
    CHECK(check(r).verdict == Verdict::Refused);
    r.signed_text = "/fixed\n> Case: EMST-2026-00012\n";
    CHECK(check(r).verdict == Verdict::Refused);
    r.signed_text = "/fixed\nXEMST-2026-0001\n";
    CHECK(check(r).verdict == Verdict::Refused);
    // The id in a protected subject inside the signed part counts.
    r.protected_subject = "Re: [EMST-2026-0001] Commands applied";
    CHECK(check(r).verdict == Verdict::Allowed);
    // In the plain text, any case, as a token.
    r.protected_subject.clear();
    r.signed_text = "/fixed for emst-2026-0001.";
    CHECK(check(r).verdict == Verdict::Allowed);
    CHECK(names_case("Case: EMST-2026-0001", "EMST-2026-0001"));
    CHECK(names_case("[EMST-2026-0001]", "EMST-2026-0001"));
    CHECK(names_case("EMST-2026-0001", "EMST-2026-0001"));
    CHECK_FALSE(names_case("EMST-2026-0001", ""));
    CHECK_FALSE(names_case("EMST-2026", "EMST-2026-0001"));
    CHECK_FALSE(names_case("EMST-2026-0001-2", "EMST-2026-0001"));
}

TEST_CASE("the first failing rule decides") {
    // Unsigned and replayed: the replay is named.
    auto r = good();
    r.signature = SignatureStatus::None;
    r.message_id_seen = true;
    auto d = check(r);
    CHECK(d.verdict == Verdict::Refused);
    CHECK_FALSE(d.flag_unsigned);
    // Wrong key and case missing: the key is named.
    r = good();
    r.signer_fingerprints = {kBobFpr};
    r.signed_text = "/fixed";
    CHECK(check(r).reason.find("signed by key") != std::string::npos);
}
