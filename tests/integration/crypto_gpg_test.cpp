// The Gpg class against the real gpg CLI: decrypt/verify what gpg produced,
// produce what gpg accepts, and survive hostile key data and ciphertexts.
#include <gpg-error.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <thread>

#include <chrono>
#include <ctime>
#include <optional>
#include <sstream>

#include "crypto/gpg.hpp"
#include "crypto/openpgp.hpp"
#include "crypto/rnp_pgp.hpp"
#include "tests/support/child.hpp"
#include "tests/support/gpg_home.hpp"
#include "tests/support/process.hpp"

using namespace embargo;
using namespace embargo::crypto;
using embargo::test::GpgHome;

namespace {

// A team home (our side, driven through Gpg) and a reporter home (gpg CLI),
// each knowing the other's public key.
struct Pair {
    GpgHome team_home;
    GpgHome alice_home;
    std::string team;
    std::string alice;
    Pair() {
        team = team_home.make_key("Security Team <security@example.org>");
        alice = alice_home.make_key("Alice Reporter <alice@example.net>");
        team_home.import(alice_home.export_public(alice));
        alice_home.import(team_home.export_public(team));
    }
};

// A key made in `home` at a given time (seconds since the epoch), never
// expiring unless `expire` says otherwise ("1d" from that time); its fingerprint.
std::string key_made_at(GpgHome& home, const std::string& uid, long when,
                        const std::string& expire = "never") {
    auto r =
        home.gpg({"--status-fd", "1", "--faked-system-time", std::to_string(when), "--passphrase",
                  "", "--quick-gen-key", uid, "future-default", "default", expire});
    return r.out.substr(r.out.rfind(' ') + 1, 40);
}

// Imports the revocation certificate gpg stored when it made `fpr` in `home`.
void revoke(GpgHome& home, const std::string& fpr) {
    std::string rev = embargo::test::read_file(home.path() + "/openpgp-revocs.d/" + fpr + ".rev");
    // The stored certificate is prefixed with ':' to prevent accidents.
    std::size_t colon = rev.find(":-----BEGIN");
    REQUIRE(colon != std::string::npos);
    rev.erase(colon, 1);
    home.import(rev);
}

// New-format OpenPGP packet.
std::string packet(int tag, const std::string& body) {
    std::string p(1, static_cast<char>(0xC0 | tag));
    std::size_t n = body.size();
    if (n < 192) {
        p.push_back(static_cast<char>(n));
    } else if (n < 8384) {
        n -= 192;
        p.push_back(static_cast<char>((n >> 8) + 192));
        p.push_back(static_cast<char>(n & 0xFF));
    } else {
        p.push_back(static_cast<char>(0xFF));
        for (int s = 24; s >= 0; s -= 8) p.push_back(static_cast<char>((body.size() >> s) & 0xFF));
    }
    return p + body;
}

// Splits binary packets into (tag, whole packet) pairs (test-side reader,
// old and new packet formats, no partial lengths).
std::vector<std::pair<int, std::string>> split_packets(const std::string& d) {
    std::vector<std::pair<int, std::string>> out;
    std::size_t i = 0;
    while (i < d.size()) {
        unsigned char h = static_cast<unsigned char>(d[i]);
        REQUIRE((h & 0x80) != 0);
        int tag;
        std::size_t j = i + 1;
        std::size_t len = 0;
        if (h & 0x40) {
            tag = h & 0x3F;
            unsigned char o1 = static_cast<unsigned char>(d[j++]);
            if (o1 < 192) {
                len = o1;
            } else if (o1 < 224) {
                len = ((o1 - 192) << 8) + static_cast<unsigned char>(d[j++]) + 192;
            } else {
                for (int k = 0; k < 4; ++k) len = (len << 8) | static_cast<unsigned char>(d[j++]);
            }
        } else {
            tag = (h >> 2) & 0x0F;
            int n = (h & 3) == 0 ? 1 : (h & 3) == 1 ? 2 : 4;
            for (int k = 0; k < n; ++k) len = (len << 8) | static_cast<unsigned char>(d[j++]);
        }
        out.emplace_back(tag, d.substr(i, j + len - i));
        i = j + len;
    }
    return out;
}

}  // namespace

TEST_CASE("decrypt_verify: signed-inside-encrypted from the gpg CLI", "[gpg]") {
    Pair p;
    Gpg gpg(p.team_home.path());
    std::string text = "Heap overflow in the header parser.\nSteps: ...\n";
    DecryptResult r = gpg.decrypt_verify(p.alice_home.encrypt(text, p.team, p.alice));
    REQUIRE(r.decrypted);
    CHECK_FALSE(r.no_secret_key);
    CHECK(r.plaintext == text);
    REQUIRE(r.signatures.size() == 1);
    CHECK(r.signatures[0].status == SignatureInfo::Status::Valid);
    CHECK(r.signatures[0].fingerprint == p.alice);
    REQUIRE(r.signatures[0].created);
    auto age = std::chrono::system_clock::now() - *r.signatures[0].created;
    CHECK(std::chrono::abs(age) < std::chrono::minutes(5));
}

TEST_CASE("decrypt_verify: unsigned, binary, and signed by an unknown key", "[gpg]") {
    Pair p;
    Gpg gpg(p.team_home.path());
    GpgHome stranger_home;
    std::string stranger = stranger_home.make_key("Stranger <s@example.com>");
    stranger_home.import(p.team_home.export_public(p.team));

    DecryptResult plain = gpg.decrypt_verify(p.alice_home.encrypt("no signature\n", p.team));
    REQUIRE(plain.decrypted);
    CHECK(plain.plaintext == "no signature\n");
    CHECK(plain.signatures.empty());

    std::string binary =
        p.alice_home
            .gpg({"--trust-model", "always", "--recipient", p.team, "--encrypt"}, "binary form\n")
            .out;
    DecryptResult bin = gpg.decrypt_verify(binary);
    REQUIRE(bin.decrypted);
    CHECK(bin.plaintext == "binary form\n");

    DecryptResult unknown =
        gpg.decrypt_verify(stranger_home.encrypt("who am i\n", p.team, stranger));
    REQUIRE(unknown.decrypted);
    REQUIRE(unknown.signatures.size() == 1);
    CHECK(unknown.signatures[0].status == SignatureInfo::Status::Invalid);
    // gpg names the issuer from the signature itself, unverified.
    CHECK(stranger.find(unknown.signatures[0].fingerprint) != std::string::npos);
    CHECK(unknown.signatures[0].error.find("no public key") != std::string::npos);
}

TEST_CASE("decrypt_verify: encrypted to someone else, truncated, garbage", "[gpg][hostile]") {
    Pair p;
    Gpg gpg(p.team_home.path());
    // Alice encrypts to herself only: the team has no secret key for it.
    std::string to_other = p.alice_home.encrypt("secret for alice only\n", p.alice);
    DecryptResult other = gpg.decrypt_verify(to_other);
    CHECK_FALSE(other.decrypted);
    CHECK(other.no_secret_key);
    CHECK(other.plaintext.empty());
    CHECK(other.error.find("no matching secret key") != std::string::npos);
    CHECK(other.error.find("secret for alice") == std::string::npos);

    std::string good = p.alice_home.encrypt(std::string(20000, 'x') + "\n", p.team);
    std::string truncated = good.substr(0, good.size() / 2);
    DecryptResult trunc = gpg.decrypt_verify(truncated);
    CHECK_FALSE(trunc.decrypted);
    CHECK(trunc.plaintext.empty());
    CHECK_FALSE(trunc.error.empty());

    // Flip one base64 character in the middle of the body: integrity check fails.
    std::string flipped = good;
    std::size_t mid = flipped.size() / 2;
    flipped[mid] = flipped[mid] == 'A' ? 'B' : 'A';
    DecryptResult tampered = gpg.decrypt_verify(flipped);
    CHECK_FALSE(tampered.decrypted);
    CHECK(tampered.plaintext.empty());

    DecryptResult garbage = gpg.decrypt_verify("-----BEGIN PGP MESSAGE-----\n\nnot base64 !!!\n");
    CHECK_FALSE(garbage.decrypted);
    CHECK_FALSE(garbage.error.empty());
    DecryptResult empty = gpg.decrypt_verify("");
    CHECK_FALSE(empty.decrypted);
}

TEST_CASE("decrypt_verify: gpg-agent failing on the team's key is retried, then fails the message",
          "[gpg][agent]") {
    Pair p;
    Gpg gpg(p.team_home.path());
    std::string report = p.alice_home.encrypt("a report for the team\n", p.team);
    std::string home = p.team_home.path();
    embargo::test::run({"gpgconf", "--homedir", home, "--kill", "gpg-agent"});
    std::string socket =
        embargo::test::run({"gpgconf", "--homedir", home, "--list-dirs", "agent-socket"}).out;
    socket.erase(socket.find_last_not_of('\n') + 1);
    // What gpg said once in 600 runs with gpg-agent SIGKILLed under it: the
    // agent's answer cut off mid-line (an Assuan error, not an errno).
    const std::string count = home + "/pkdecrypt-count";
    embargo::test::Child agent(
        {"python3", std::string(EMBARGO_SOURCE_DIR) + "/tests/support/failing_gpg_agent.py", socket,
         std::to_string((GPG_ERR_SOURCE_GPGAGENT << 24) | GPG_ERR_ASS_INCOMPLETE_LINE),
         "Incomplete line passed to IPC", count},
        home + "/failing-agent.log");
    for (int i = 0; i < 100 && embargo::test::read_file(home + "/failing-agent.log").empty(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE(embargo::test::read_file(home + "/failing-agent.log").find("ready") !=
            std::string::npos);
    // Not "undecryptable" (the reporter would be told to encrypt to the key he
    // used): an error the poller counts as a failed attempt and retries.
    CHECK_THROWS_WITH(gpg.decrypt_verify(report),
                      Catch::Contains("could not use the team's secret key") &&
                          Catch::Contains("The message will be retried") &&
                          !Catch::Contains("a report for the team"));
    CHECK(embargo::test::read_file(count) == "PKDECRYPT\nPKDECRYPT\nPKDECRYPT\n");
}

TEST_CASE("decrypt_verify: a damaged session key for the team's key is the message's fault",
          "[gpg][hostile]") {
    Pair p;
    Gpg gpg(p.team_home.path());
    std::string binary =
        p.alice_home.gpg({"--dearmor"}, p.alice_home.encrypt("text\n", p.team)).out;
    auto packets = split_packets(binary);
    REQUIRE(packets.size() >= 2);
    REQUIRE(packets[0].first == 1);  // PKESK: its last bytes are the wrapped session key
    packets[0].second[packets[0].second.size() - 3] ^= 0x55;
    std::string damaged;
    for (const auto& [tag, bytes] : packets) damaged += bytes;
    // gpg-agent answers "Checksum error" for our own key: asked again it says
    // the same, so the message is undecryptable (not retried forever).
    DecryptResult r = gpg.decrypt_verify(damaged);
    CHECK_FALSE(r.decrypted);
    CHECK_FALSE(r.no_secret_key);
    CHECK(r.plaintext.empty());
    CHECK(r.error.find("decryption failed") != std::string::npos);
}

TEST_CASE("decrypt_verify: inline-signed (not encrypted) message", "[gpg]") {
    Pair p;
    Gpg gpg(p.team_home.path());
    DecryptResult r = gpg.decrypt_verify(p.alice_home.sign_inline("only signed\n", p.alice));
    CHECK_FALSE(r.decrypted);
    REQUIRE(r.signed_only);
    CHECK(r.plaintext == "only signed\n");
    REQUIRE(r.signatures.size() == 1);
    CHECK(r.signatures[0].valid());
    CHECK(r.signatures[0].fingerprint == p.alice);
}

TEST_CASE("decrypt_verify: output cap and deadline end hostile runs", "[gpg][hostile]") {
    Pair p;
    // 30 MB of zeros compress to a few KB: a compression bomb against a 1 MB cap.
    std::string bomb = p.alice_home.encrypt(std::string(30u * 1024u * 1024u, '\0'), p.team);
    REQUIRE(bomb.size() < 1024u * 1024u);
    GpgOptions small;
    small.max_output_bytes = 1024 * 1024;
    Gpg capped(p.team_home.path(), small);
    DecryptResult r = capped.decrypt_verify(bomb);
    CHECK_FALSE(r.decrypted);
    CHECK(r.plaintext.empty());
    CHECK(r.error.find("exceeds the limit") != std::string::npos);

    GpgOptions hasty;
    hasty.timeout = std::chrono::milliseconds(1);
    Gpg rushed(p.team_home.path(), hasty);
    DecryptResult late = rushed.decrypt_verify(p.alice_home.encrypt("x\n", p.team));
    CHECK_FALSE(late.decrypted);
    CHECK(late.error.find("did not finish") != std::string::npos);

    // The normal instance still works afterwards.
    Gpg gpg(p.team_home.path());
    CHECK(gpg.decrypt_verify(p.alice_home.encrypt("after\n", p.team)).plaintext == "after\n");
}

TEST_CASE("verify_detached: good, altered bytes, unknown key, damaged signature", "[gpg]") {
    Pair p;
    Gpg gpg(p.team_home.path());
    std::string data = "Content-Type: text/plain\r\n\r\n/state fixing\r\nCase: EMST-2026-0001\r\n";
    std::string sig = p.alice_home.detach_sign(data, p.alice);

    SignatureInfo good = gpg.verify_detached(data, sig);
    CHECK(good.status == SignatureInfo::Status::Valid);
    CHECK(good.fingerprint == p.alice);
    CHECK(good.created.has_value());
    CHECK(good.error.empty());

    std::string altered = data;
    altered.replace(altered.find("fixing"), 6, "fixed!");
    SignatureInfo bad = gpg.verify_detached(altered, sig);
    CHECK(bad.status == SignatureInfo::Status::Invalid);
    CHECK(bad.error.find("bad signature") != std::string::npos);
    CHECK_FALSE(bad.valid());

    GpgHome stranger_home;
    std::string stranger = stranger_home.make_key("Stranger <s@example.com>");
    SignatureInfo unknown = gpg.verify_detached(data, stranger_home.detach_sign(data, stranger));
    CHECK(unknown.status == SignatureInfo::Status::Invalid);
    CHECK(unknown.error.find("no public key") != std::string::npos);

    SignatureInfo damaged = gpg.verify_detached(data, sig.substr(0, sig.size() / 2));
    CHECK(damaged.status == SignatureInfo::Status::Invalid);
    SignatureInfo empty = gpg.verify_detached(data, "");
    CHECK(empty.status == SignatureInfo::Status::Invalid);
}

TEST_CASE("verify_detached: a signature dated before its key was created is invalid", "[gpg]") {
    Pair p;
    Gpg gpg(p.team_home.path());
    const std::string data = "/state fixing\r\nCase: EMST-2026-0001\r\n";
    // The key's creation time, then a signature made a day before it (gpg
    // signs so only when told to ignore the conflict, as a forger would).
    std::string listing = p.alice_home.gpg({"--with-colons", "--list-keys", p.alice}).out;
    auto pub = listing.find("\npub:");
    REQUIRE(pub != std::string::npos);
    std::vector<std::string> f;
    std::string field;
    for (std::size_t i = pub + 1; i < listing.size() && listing[i] != '\n'; ++i) {
        if (listing[i] == ':') {
            f.push_back(field);
            field.clear();
        } else {
            field += listing[i];
        }
    }
    REQUIRE(f.size() > 5);
    const long created = std::stol(f[5]);
    std::string sig = p.alice_home
                          .gpg({"--faked-system-time", std::to_string(created - 86400) + "!",
                                "--ignore-time-conflict", "--passphrase", "", "--local-user",
                                p.alice, "--armor", "--detach-sign"},
                               data)
                          .out;
    // gpg itself refuses it ("Time conflict"); so must we, and say why.
    CHECK(p.team_home.verify_detached(data, sig).exit_code != 0);
    SignatureInfo s = gpg.verify_detached(data, sig);
    CHECK(s.status == SignatureInfo::Status::Invalid);
    CHECK_FALSE(s.valid());
    INFO(s.error);
    CHECK(s.error.find("before its key was created") != std::string::npos);
    CHECK(s.error.find(format_iso8601(TimePoint{Duration{created}})) != std::string::npos);
    CHECK(s.error.find(format_iso8601(TimePoint{Duration{created - 86400}})) != std::string::npos);
}

TEST_CASE("verify: a signing subkey reports the primary fingerprint", "[gpg]") {
    Pair p;
    // Give Alice a separate signing subkey; gpg then signs with it.
    p.alice_home.gpg({"--passphrase", "", "--quick-add-key", p.alice, "ed25519", "sign", "never"});
    std::string listing = p.alice_home.gpg({"--with-colons", "--list-keys", p.alice}).out;
    p.team_home.import(p.alice_home.export_public(p.alice));
    std::string data = "signed by a subkey\n";
    std::string sig = p.alice_home.detach_sign(data, p.alice);
    auto check = p.alice_home.verify_detached(data, sig);
    REQUIRE(check.exit_code == 0);
    // VALIDSIG's first field is the subkey, not the primary.
    CHECK(check.status.find("VALIDSIG " + p.alice) == std::string::npos);

    Gpg gpg(p.team_home.path());
    SignatureInfo s = gpg.verify_detached(data, sig);
    CHECK(s.status == SignatureInfo::Status::Valid);
    CHECK(s.fingerprint == p.alice);
}

TEST_CASE("verify_cleartext: clearsigned text with text around it", "[gpg]") {
    Pair p;
    Gpg gpg(p.team_home.path());
    std::string text = "/lead bob\n- dash line\nCase: EMST-2026-0001\n";
    std::string signed_block = p.alice_home.clearsign(text, p.alice);
    std::string st;
    SignatureInfo s = gpg.verify_cleartext(signed_block, &st);
    CHECK(s.valid());
    CHECK(s.fingerprint == p.alice);
    CHECK(st == text);

    std::string altered = signed_block;
    altered.replace(altered.find("bob"), 3, "eve");
    SignatureInfo bad = gpg.verify_cleartext(altered, &st);
    CHECK(bad.status == SignatureInfo::Status::Invalid);
    CHECK(bad.error.find("bad signature") != std::string::npos);

    SignatureInfo inline_signed =
        gpg.verify_cleartext(p.alice_home.sign_inline("inline\n", p.alice), &st);
    CHECK(inline_signed.valid());
    CHECK(st == "inline\n");

    SignatureInfo none = gpg.verify_cleartext("just text, nothing signed\n", &st);
    CHECK(none.status == SignatureInfo::Status::Invalid);
    CHECK(st.empty());
}

TEST_CASE("encrypt_sign and sign_detached produce what the gpg CLI accepts", "[gpg]") {
    Pair p;
    Gpg gpg(p.team_home.path());
    std::string text = "Case: EMST-2026-0001\nThe fix is ready.\n";
    std::string armored = gpg.encrypt_sign(text, {p.alice}, p.team);
    CHECK(armored.rfind("-----BEGIN PGP MESSAGE-----", 0) == 0);
    auto d = p.alice_home.decrypt(armored);
    REQUIRE(d.exit_code == 0);
    CHECK(d.decryption_okay());
    CHECK(d.plaintext == text);
    CHECK(d.good_signature_by(p.team));

    // Two recipients: both can read it.
    GpgHome bob_home;
    std::string bob = bob_home.make_key("Bob <bob@example.org>");
    p.team_home.import(bob_home.export_public(bob));
    std::string both = gpg.encrypt_sign(text, {p.alice, bob}, p.team);
    CHECK(bob_home.decrypt(both).plaintext == text);
    CHECK(p.alice_home.decrypt(both).plaintext == text);

    std::string data = "Content-Type: text/plain\r\n\r\nannouncement\r\n";
    std::string sig = gpg.sign_detached(data, p.team);
    CHECK(sig.rfind("-----BEGIN PGP SIGNATURE-----", 0) == 0);
    CHECK(gpg.last_micalg().rfind("pgp-sha", 0) == 0);
    auto v = p.alice_home.verify_detached(data, sig);
    CHECK(v.exit_code == 0);
    CHECK(v.good_signature_by(p.team));
    // And our own verification agrees.
    CHECK(gpg.verify_detached(data, sig).fingerprint == p.team);
}

TEST_CASE("one Gpg signs and encrypts from several threads at once", "[gpg]") {
    // What the notifier's worker pool does: each thread its own operations
    // (each with its own GPGME context), one Gpg and key cache shared.
    Pair p;
    Gpg gpg(p.team_home.path());
    constexpr int kThreads = 4, kEach = 3;
    std::vector<std::string> encrypted(kThreads * kEach), signatures(kThreads * kEach),
        micalgs(kThreads * kEach);
    std::vector<std::string> errors(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            try {
                for (int i = 0; i < kEach; ++i) {
                    const int k = t * kEach + i;
                    const std::string text = "Case: EMST-2026-000" + std::to_string(k) + "\n";
                    encrypted[k] = gpg.encrypt_sign(text, {p.alice}, p.team);
                    signatures[k] = gpg.sign_detached(text, p.team, &micalgs[k]);
                }
            } catch (const std::exception& e) {
                errors[t] = e.what();
            }
        });
    for (auto& th : threads) th.join();
    for (const auto& e : errors) CHECK(e.empty());
    for (int k = 0; k < kThreads * kEach; ++k) {
        INFO("operation " << k);
        const std::string text = "Case: EMST-2026-000" + std::to_string(k) + "\n";
        auto d = p.alice_home.decrypt(encrypted[k]);
        CHECK(d.plaintext == text);
        CHECK(d.good_signature_by(p.team));
        CHECK(p.alice_home.verify_detached(text, signatures[k]).good_signature_by(p.team));
        CHECK(micalgs[k].rfind("pgp-sha", 0) == 0);
    }
}

TEST_CASE("helper processes sign and encrypt what the gpg CLI accepts, and are replaced",
          "[gpg][helpers]") {
    Pair p;
    const std::string data = "Case: EMST-2026-0001\r\nsigned and encrypted by a helper\r\n";
    std::vector<int> old_pids;
    {
        Gpg gpg(p.team_home.path());
        gpg.use_helpers(embargo::test::built_binary("embargo-gpg-helper"), 2);
        CHECK(gpg.helpers_started() == 0);  // started when first needed

        std::string armored = gpg.encrypt_sign(data, {p.alice}, p.team);
        auto opened = p.alice_home.decrypt(armored);
        CHECK(opened.decryption_okay());
        CHECK(opened.good_signature_by(p.team));
        CHECK(opened.plaintext == data);
        std::string micalg;
        std::string sig = gpg.sign_detached(data, p.team, &micalg);
        CHECK(p.alice_home.verify_detached(data, sig).good_signature_by(p.team));
        CHECK(micalg.rfind("pgp-sha", 0) == 0);
        // One after the other: the same helper served both.
        CHECK(gpg.helpers_started() == 1);

        // Errors come back as GpgError with gpg's reason.
        const std::string stranger = "0123456789ABCDEF0123456789ABCDEF01234567";
        try {
            gpg.encrypt_sign(data, {stranger}, p.team);
            FAIL("encrypting to an unknown key succeeded");
        } catch (const GpgError& e) {
            CHECK(std::string(e.what()).find("is not in the GnuPG home") != std::string::npos);
        }

        // From several threads at once: more helpers, each result whole.
        std::vector<std::string> out(6);
        std::vector<std::thread> threads;
        for (std::size_t k = 0; k < out.size(); ++k)
            threads.emplace_back([&, k] { out[k] = gpg.encrypt_sign(data, {p.alice}, p.team); });
        for (auto& t : threads) t.join();
        for (const auto& a : out) CHECK(p.alice_home.decrypt(a).plaintext == data);
        CHECK(gpg.helpers_started() <= 2);

        // A helper killed under us is replaced, and the call still succeeds.
        old_pids = gpg.helper_pids();
        REQUIRE_FALSE(old_pids.empty());
        for (int pid : old_pids) ::kill(pid, SIGKILL);
        std::string again = gpg.encrypt_sign(data, {p.alice}, p.team);
        CHECK(p.alice_home.decrypt(again).plaintext == data);
        for (int pid : gpg.helper_pids())
            CHECK(std::find(old_pids.begin(), old_pids.end(), pid) == old_pids.end());
        old_pids = gpg.helper_pids();
    }
    // Gone with their Gpg, and reaped (not zombies).
    for (int pid : old_pids) CHECK((::kill(pid, 0) == -1 && errno == ESRCH));

    // embargod serves as its own helper when embargo-gpg-helper is missing.
    Gpg self(p.team_home.path());
    self.use_helpers(embargo::test::built_binary("embargod"), 1);
    CHECK(p.alice_home.decrypt(self.encrypt_sign(data, {p.alice}, p.team)).plaintext == data);
    CHECK(self.helpers_started() == 1);

    // Anything else refuses to start as one: the call fails, and says so.
    Gpg wrong(p.team_home.path());
    wrong.use_helpers("/bin/true", 1);
    try {
        wrong.encrypt_sign(data, {p.alice}, p.team);
        FAIL("a helper that is not one signed");
    } catch (const GpgError& e) {
        CHECK(std::string(e.what()).find("kept failing") != std::string::npos);
    }
}

TEST_CASE("helpers sign and encrypt in process with the keys gpg exports, once per generation",
          "[gpg][helpers]") {
    Pair p;
    const std::string data = "Case: EMST-2026-0002\r\nsigned and encrypted in process\r\n";
    const std::string keys = p.team_home.path() + "/private-keys-v1.d";
    const std::string away = p.team_home.path() + "/keys-away";
    auto stop_agent = [&] {
        embargo::test::run({"gpgconf", "--homedir", p.team_home.path(), "--kill", "gpg-agent"});
    };
    for (bool in_process : {true, false}) {
        INFO("in_process = " << in_process);
        Gpg gpg(p.team_home.path());
        gpg.use_helpers(embargo::test::built_binary("embargo-gpg-helper"), 1, in_process);
        auto opened = p.alice_home.decrypt(gpg.encrypt_sign(data, {p.alice}, p.team));
        CHECK(opened.decryption_okay());
        CHECK(opened.good_signature_by(p.team));
        CHECK(opened.plaintext == data);
        std::string micalg;
        CHECK(p.alice_home.verify_detached(data, gpg.sign_detached(data, p.team, &micalg))
                  .good_signature_by(p.team));
        CHECK(micalg.rfind("pgp-sha", 0) == 0);

        // The team's secret key leaves the home (and gpg-agent). In process,
        // the helper signs with the copy gpg exported to it until the key
        // look-ups are forgotten; gpg itself can no longer sign at all.
        REQUIRE(::rename(keys.c_str(), away.c_str()) == 0);
        stop_agent();
        if (in_process) {
            auto again = p.alice_home.decrypt(gpg.encrypt_sign(data, {p.alice}, p.team));
            CHECK(again.good_signature_by(p.team));
            CHECK(again.plaintext == data);
            CHECK(p.alice_home.verify_detached(data, gpg.sign_detached(data, p.team, &micalg))
                      .good_signature_by(p.team));
        } else {
            CHECK_THROWS_AS(gpg.encrypt_sign(data, {p.alice}, p.team), GpgError);
        }
        // A new generation asks gpg again, which finds no secret key: refused.
        gpg.forget_keys();
        CHECK_THROWS_AS(gpg.encrypt_sign(data, {p.alice}, p.team), GpgError);
        CHECK_THROWS_AS(gpg.sign_detached(data, p.team, &micalg), GpgError);
        REQUIRE(::rename(away.c_str(), keys.c_str()) == 0);
        stop_agent();
        gpg.forget_keys();
        CHECK(p.alice_home.decrypt(gpg.encrypt_sign(data, {p.alice}, p.team)).plaintext == data);
        CHECK(gpg.helpers_started() == 1);
    }

    // A new generation keeps the helper's keys while the keyring files are
    // unchanged: it signs with no gpg run, even while gpg finds no key at
    // all (gpg.conf points it at a keyring that does not exist). A changed
    // keyring is asked about again.
    {
        Gpg gpg(p.team_home.path());
        gpg.use_helpers(embargo::test::built_binary("embargo-gpg-helper"), 1, true);
        REQUIRE(p.alice_home.decrypt(gpg.encrypt_sign(data, {p.alice}, p.team)).plaintext == data);
        const std::string conf = p.team_home.path() + "/gpg.conf";
        const std::string saved = embargo::test::read_file(conf);
        const std::string broken =
            saved + "no-default-keyring\nkeyring " + p.team_home.path() + "/absent.kbx\n";
        embargo::test::write_file(conf, broken, 0600);
        gpg.forget_keys();
        CHECK(p.alice_home.decrypt(gpg.encrypt_sign(data, {p.alice}, p.team)).plaintext == data);
        embargo::test::write_file(conf, saved, 0600);
        GpgHome other;
        p.team_home.import(other.export_public(other.make_key("Other <other@example.net>")));
        embargo::test::write_file(conf, broken, 0600);
        gpg.forget_keys();
        CHECK_THROWS_AS(gpg.encrypt_sign(data, {p.alice}, p.team), GpgError);
        embargo::test::write_file(conf, saved, 0600);
        gpg.forget_keys();
        CHECK(p.alice_home.decrypt(gpg.encrypt_sign(data, {p.alice}, p.team)).plaintext == data);
    }

    // Recipients gpg would refuse are refused in process too, with gpg's reason.
    const long now = static_cast<long>(std::time(nullptr));
    const std::string expired =
        key_made_at(p.team_home, "Gone <gone@example.org>", now - 9 * 86400, "1d");
    const std::string revoked = p.team_home.make_key("Revoked <rev@example.org>");
    revoke(p.team_home, revoked);
    Gpg gpg(p.team_home.path());
    gpg.use_helpers(embargo::test::built_binary("embargo-gpg-helper"), 1, true);
    for (const std::string& unusable : {expired, revoked}) {
        INFO("recipient " << unusable);
        try {
            gpg.encrypt_sign(data, {p.alice, unusable}, p.team);
            FAIL("encrypted to an expired or revoked key");
        } catch (const GpgError& e) {
            CHECK(std::string(e.what()).find("cannot encrypt") != std::string::npos);
        }
    }
    CHECK(p.alice_home.decrypt(gpg.encrypt_sign(data, {p.alice}, p.team)).plaintext == data);
}

TEST_CASE("the helpers' librnp key store keeps only secret keys that sign", "[gpg][helpers]") {
    Pair p;
    std::string encryption_subkey;
    std::istringstream lines(p.team_home.gpg({"--with-colons", "--list-secret-keys", p.team}).out);
    bool in_sub = false;  // in the records of a subkey that can encrypt
    for (std::string line; std::getline(lines, line);) {
        std::vector<std::string> f;
        std::istringstream fields(line);
        for (std::string x; std::getline(fields, x, ':');) f.push_back(x);
        if (f.empty()) continue;
        if (f[0] == "sec" || f[0] == "ssb")
            in_sub = f[0] == "ssb" && f.size() > 11 && f[11].find('e') != std::string::npos;
        if (in_sub && f[0] == "fpr" && f.size() > 9 && encryption_subkey.empty())
            encryption_subkey = f[9];
    }
    REQUIRE(encryption_subkey.size() == 40);
    Gpg gpg(p.team_home.path());
    std::string secret = gpg.export_key(p.team, true);
    RnpPgp rnp;
    rnp.add_keys(secret);
    wipe(secret);
    CHECK(secret.empty());
    CHECK(rnp.has_key(p.team, true));              // signs
    CHECK(rnp.has_key(encryption_subkey, false));  // still a recipient
    CHECK_FALSE(rnp.has_key(encryption_subkey, true));
    // What it signs and encrypts, the gpg CLI takes.
    const std::string data = "Case: EMST-2026-0005\r\nin process\r\n";
    std::string alice_key = gpg.export_key(p.alice, false);
    rnp.add_keys(alice_key);
    auto opened = p.alice_home.decrypt(rnp.encrypt_sign(data, {p.alice}, p.team));
    CHECK(opened.good_signature_by(p.team));
    CHECK(opened.plaintext == data);
    std::string micalg;
    CHECK(p.alice_home.verify_detached(data, rnp.sign_detached(data, p.team, &micalg))
              .good_signature_by(p.team));
    CHECK(micalg == "pgp-sha256");
    // A key that is not loaded is an RnpError (the helper then asks gpg).
    CHECK_THROWS_AS(rnp.encrypt_sign(data, {"0123456789ABCDEF0123456789ABCDEF01234567"}, p.team),
                    RnpError);
}

TEST_CASE("a recipient key librnp refuses (SHA-1 self-signatures) is encrypted to by gpg",
          "[gpg][helpers]") {
    Pair p;
    // gpg 2.2 accepts a key bound by SHA-1 signatures made today; librnp
    // 0.16 calls them insecure and will not encrypt to it.
    GpgHome old_home;
    old_home.gpg({"--passphrase", "", "--cert-digest-algo", "SHA1", "--quick-gen-key",
                  "Old Key <old@example.net>", "ed25519", "sign", "never"});
    auto listing = old_home.gpg({"--with-colons", "--list-keys", "old@example.net"});
    const std::size_t at = listing.out.find("\nfpr:");
    REQUIRE(at != std::string::npos);
    const std::string old = listing.out.substr(listing.out.find_first_not_of(':', at + 5), 40);
    old_home.gpg({"--passphrase", "", "--cert-digest-algo", "SHA1", "--quick-add-key", old,
                  "cv25519", "encr", "never"});
    REQUIRE(
        old_home.gpg({"--list-packets"}, old_home.export_public(old)).out.find("digest algo 2") !=
        std::string::npos);
    p.team_home.import(old_home.export_public(old));
    old_home.import(p.team_home.export_public(p.team));

    Gpg gpg(p.team_home.path());
    gpg.use_helpers(embargo::test::built_binary("embargo-gpg-helper"), 1, true);
    const std::string data = "Case: EMST-2026-0004\r\nto an old key\r\n";
    auto opened = old_home.decrypt(gpg.encrypt_sign(data, {old}, p.team));
    CHECK(opened.decryption_okay());
    CHECK(opened.good_signature_by(p.team));
    CHECK(opened.plaintext == data);
    // And the next one to a key librnp takes still works beside it.
    CHECK(p.alice_home.decrypt(gpg.encrypt_sign(data, {p.alice}, p.team)).plaintext == data);
}

TEST_CASE("a team key with a passphrase (preset in gpg-agent) is used through gpg",
          "[gpg][helpers]") {
    GpgHome team_home, alice_home;
    embargo::test::write_file(team_home.path() + "/gpg-agent.conf",
                              "allow-loopback-pinentry\nallow-preset-passphrase\n", 0600);
    team_home.gpg({"--passphrase", "s3cret words", "--quick-gen-key",
                   "Security Team <security@example.org>", "ed25519", "sign", "never"});
    auto listing = team_home.gpg({"--with-colons", "--with-keygrip", "--list-secret-keys"});
    std::string team, grip;
    std::istringstream lines(listing.out);
    for (std::string line; std::getline(lines, line);) {
        auto field = [&](int n) {
            std::size_t at = 0;
            for (int k = 0; k < n; ++k) at = line.find(':', at) + 1;
            return line.substr(at, line.find(':', at) - at);
        };
        if (line.rfind("fpr:", 0) == 0 && team.empty()) team = field(9);
        if (line.rfind("grp:", 0) == 0 && grip.empty()) grip = field(9);
    }
    REQUIRE(team.size() == 40);
    REQUIRE(grip.size() == 40);
    const std::string alice = alice_home.make_key("Alice Reporter <alice@example.net>");
    team_home.import(alice_home.export_public(alice));
    alice_home.import(team_home.export_public(team));
    // What an operator does for a key with a passphrase: preset it in the agent.
    auto preset = embargo::test::run(
        {"/usr/lib/gnupg/gpg-preset-passphrase", "--preset", "-P", "s3cret words", grip},
        {{"GNUPGHOME", team_home.path()}});
    REQUIRE(preset.exit_code == 0);

    Gpg gpg(team_home.path());
    gpg.use_helpers(embargo::test::built_binary("embargo-gpg-helper"), 1, true);
    const std::string data = "Case: EMST-2026-0003\r\nsigned with a protected key\r\n";
    auto opened = alice_home.decrypt(gpg.encrypt_sign(data, {alice}, team));
    CHECK(opened.good_signature_by(team));
    CHECK(opened.plaintext == data);
    CHECK(alice_home.verify_detached(data, gpg.sign_detached(data, team)).good_signature_by(team));
}

TEST_CASE("ensure_gpg_conf_option appends a gpg.conf line once and keeps the rest", "[gpg]") {
    GpgHome home;
    const std::string conf = home.path() + "/gpg.conf";
    const std::string before = embargo::test::read_file(conf);  // the fixture's own lines
    std::string error;
    REQUIRE(ensure_gpg_conf_option(home.path(), "no-random-seed-file", &error));
    CHECK(embargo::test::read_file(conf) == before + "no-random-seed-file\n");
    REQUIRE(ensure_gpg_conf_option(home.path(), "no-random-seed-file", &error));
    CHECK(embargo::test::read_file(conf) == before + "no-random-seed-file\n");
    // gpg still accepts the home, and a key made there works.
    const std::string fpr = home.make_key("Seedless <s@example.org>");
    CHECK(home.detach_sign("x", fpr).find("BEGIN PGP SIGNATURE") != std::string::npos);

    // Already there (indented, CRLF): nothing added; no file: created 0600.
    GpgHome other;
    embargo::test::write_file(other.path() + "/gpg.conf", "  no-random-seed-file \r\nbatch", 0600);
    REQUIRE(ensure_gpg_conf_option(other.path(), "no-random-seed-file", &error));
    CHECK(embargo::test::read_file(other.path() + "/gpg.conf") ==
          "  no-random-seed-file \r\nbatch");
    ::unlink((other.path() + "/gpg.conf").c_str());
    REQUIRE(ensure_gpg_conf_option(other.path(), "no-random-seed-file", &error));
    struct stat st {};
    REQUIRE(::stat((other.path() + "/gpg.conf").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK_FALSE(ensure_gpg_conf_option("/nonexistent/embargo-home", "x", &error));
    CHECK(error.find("/nonexistent/embargo-home/gpg.conf") != std::string::npos);
}

TEST_CASE("encrypt_sign and sign_detached refuse unusable keys clearly", "[gpg]") {
    Pair p;
    Gpg gpg(p.team_home.path());
    std::string missing(40, 'A');
    CHECK_THROWS_WITH(gpg.encrypt_sign("x", {missing}, p.team),
                      Catch::Contains(missing) && Catch::Contains("import"));
    CHECK_THROWS_WITH(gpg.encrypt_sign("x", {p.alice}, p.alice),  // no secret key for alice here
                      Catch::Contains("secret signing key") && Catch::Contains(p.alice));
    CHECK_THROWS_AS(gpg.sign_detached("x", missing), GpgError);
    CHECK_THROWS_AS(gpg.encrypt_sign("x", {}, p.team), GpgError);

    // A sign-only key (no encryption subkey).
    GpgHome signonly_home;
    std::string so = signonly_home
                         .gpg({"--status-fd", "1", "--passphrase", "", "--quick-gen-key",
                               "Sign Only <so@example.org>", "ed25519", "sign", "never"})
                         .out;
    std::string fpr = so.substr(so.rfind(' ') + 1);
    fpr.erase(fpr.find_last_not_of("\n") + 1);
    p.team_home.import(signonly_home.export_public(fpr));
    CHECK_THROWS_WITH(gpg.encrypt_sign("x", {fpr}, p.team), Catch::Contains("cannot encrypt"));
    CHECK_FALSE(gpg.encryption_key_for("so@example.org").has_value());

    CHECK_THROWS_AS(Gpg("/nonexistent/gnupg-home"), GpgError);
}

TEST_CASE("key and encryption_key_for", "[gpg]") {
    Pair p;
    Gpg gpg(p.team_home.path());
    auto team = gpg.key(p.team, true);
    REQUIRE(team);
    CHECK(team->fingerprint == p.team);
    CHECK(team->has_secret);
    CHECK(team->can_sign);
    CHECK(team->can_encrypt);
    CHECK_FALSE(team->expires.has_value());
    CHECK(team->emails == std::vector<std::string>{"security@example.org"});

    auto alice = gpg.key(p.alice);
    REQUIRE(alice);
    CHECK_FALSE(alice->has_secret);
    CHECK_FALSE(gpg.key(p.alice, true).has_value());
    CHECK_FALSE(gpg.key("alice@example.net").has_value());  // never a search pattern
    CHECK_FALSE(gpg.key(p.alice.substr(24)).has_value());   // nor a key id

    auto enc = gpg.encryption_key_for("ALICE@example.net");
    REQUIRE(enc);
    CHECK(enc->fingerprint == p.alice);
    CHECK_FALSE(gpg.encryption_key_for("alice@example.ne").has_value());
    CHECK_FALSE(gpg.encryption_key_for("nobody@example.net").has_value());
    CHECK_FALSE(gpg.encryption_key_for("<alice@example.net>").has_value());

    // An expiring key reports its expiry; an expired one is not usable.
    std::string exp = p.team_home.make_key("Soon <soon@example.org>");
    p.team_home.gpg({"--passphrase", "", "--quick-set-expire", exp, "20d"});
    p.team_home.gpg({"--passphrase", "", "--quick-set-expire", exp, "20d", "*"});
    auto soon = gpg.key(exp);
    REQUIRE(soon);
    REQUIRE(soon->expires);
    auto left = *soon->expires - std::chrono::time_point_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now());
    CHECK(left > std::chrono::days(19));
    CHECK(left < std::chrono::days(21));

    std::string revoked = p.team_home.make_key("Revoked <rev@example.org>");
    p.team_home.gpg({"--import", p.team_home.path() + "/openpgp-revocs.d/" + revoked + ".rev"}, {},
                    false);
    revoke(p.team_home, revoked);
    auto r = gpg.key(revoked);
    REQUIRE(r);
    CHECK(r->revoked);
    CHECK_FALSE(gpg.encryption_key_for("rev@example.org").has_value());
}

TEST_CASE("encryption_key_for: the keyring listing answers as one-by-one look-ups do", "[gpg]") {
    Pair p;
    auto key_at = [&](const std::string& uid, long when, const std::string& expire = "never") {
        return key_made_at(p.team_home, uid, when, expire);
    };
    const long now = static_cast<long>(std::time(nullptr));
    const std::string older = key_at("Two <two@example.org>", now - 5 * 86400);
    const std::string newer = key_at("Two Again <TWO@example.org>", now - 2 * 86400);
    key_at("Gone <gone@example.org>", now - 9 * 86400, "1d");  // expired a week ago
    const std::vector<std::string> asked{"two@example.org", "alice@example.net", "gone@example.org",
                                         "security@example.org", "nobody@example.org"};

    // One by one: a fresh generation for each, so none is past the threshold.
    Gpg single(p.team_home.path());
    std::vector<std::optional<std::string>> one_by_one;
    for (const auto& e : asked) {
        single.forget_keys();
        auto k = single.encryption_key_for(e);
        one_by_one.push_back(k ? std::optional<std::string>(k->fingerprint) : std::nullopt);
    }
    CHECK(one_by_one[0] == newer);
    CHECK(one_by_one[1] == p.alice);
    CHECK_FALSE(one_by_one[2].has_value());
    CHECK(one_by_one[3] == p.team);
    CHECK_FALSE(one_by_one[4].has_value());
    CHECK(newer != older);

    // A burst: after a few misses the rest come from one listing, the same.
    Gpg burst(p.team_home.path());
    for (int i = 0; i < 6; ++i)
        CHECK_FALSE(burst.encryption_key_for("reporter" + std::to_string(i) + "@example.net"));
    for (std::size_t i = 0; i < asked.size(); ++i) {
        auto k = burst.encryption_key_for(asked[i]);
        INFO(asked[i]);
        CHECK((k ? std::optional<std::string>(k->fingerprint) : std::nullopt) == one_by_one[i]);
    }
    // A key imported later is found after the next forget (a new generation).
    GpgHome other;
    const std::string late = other.make_key("Late <late@example.org>");
    CHECK_FALSE(burst.encryption_key_for("late@example.org"));
    burst.import_public_keys(other.export_public(late), 10, 1 << 20);
    auto found = burst.encryption_key_for("late@example.org");
    REQUIRE(found);
    CHECK(found->fingerprint == late);
}

TEST_CASE("import_public_keys: a reporter's key, then refusals", "[gpg][import]") {
    GpgHome team_home, alice_home;
    std::string team = team_home.make_key("Team <security@example.org>");
    std::string alice = alice_home.make_key("Alice <alice@example.net>");
    Gpg gpg(team_home.path());
    (void)team;

    ImportResult r = gpg.import_public_keys(alice_home.export_public(alice), 10, 1 << 20);
    CHECK(r.refused.empty());
    CHECK(r.imported == 1);
    CHECK(r.fingerprints == std::vector<std::string>{alice});
    REQUIRE(gpg.key(alice));
    CHECK_FALSE(gpg.key(alice)->has_secret);

    ImportResult again = gpg.import_public_keys(alice_home.export_public(alice), 10, 1 << 20);
    CHECK(again.unchanged == 1);
    CHECK(again.fingerprints == std::vector<std::string>{alice});

    // Text around the armor, as in a mail body, is fine.
    GpgHome carol_home;
    std::string carol = carol_home.make_key("Carol <carol@example.net>");
    ImportResult wrapped = gpg.import_public_keys(
        "Here is my key:\n\n" + carol_home.export_public(carol) + "\nthanks\n", 10, 1 << 20);
    CHECK(wrapped.fingerprints == std::vector<std::string>{carol});

    // Binary key data works too.
    GpgHome dave_home;
    std::string dave = dave_home.make_key("Dave <dave@example.net>");
    ImportResult bin = gpg.import_public_keys(dave_home.gpg({"--export", dave}).out, 10, 1 << 20);
    CHECK(bin.fingerprints == std::vector<std::string>{dave});

    // Too large for the byte cap.
    ImportResult big = gpg.import_public_keys(alice_home.export_public(alice), 10, 100);
    CHECK(big.fingerprints.empty());
    REQUIRE(big.refused.size() == 1);
    CHECK(big.refused[0].find("exceeds the limit") != std::string::npos);
}

TEST_CASE("import_public_keys never imports secret keys", "[gpg][import][hostile]") {
    GpgHome team_home, eve_home;
    team_home.make_key("Team <security@example.org>");
    std::string eve = eve_home.make_key("Eve <eve@example.net>");
    Gpg gpg(team_home.path());

    ImportResult armored = gpg.import_public_keys(eve_home.export_secret(eve), 10, 1 << 20);
    CHECK(armored.fingerprints.empty());
    CHECK(armored.imported == 0);
    REQUIRE_FALSE(armored.refused.empty());
    CHECK(armored.refused[0].find("secret") != std::string::npos);

    // Binary secret key, and a secret block next to a public one.
    std::string bin_secret = eve_home.gpg({"--passphrase", "", "--export-secret-keys", eve}).out;
    ImportResult binary = gpg.import_public_keys(bin_secret, 10, 1 << 20);
    CHECK(binary.fingerprints.empty());
    // Only the secret subkey: a public primary with a secret subkey packet.
    std::string sub_secret = eve_home.gpg({"--passphrase", "", "--export-secret-subkeys", eve}).out;
    CHECK(gpg.import_public_keys(sub_secret, 10, 1 << 20).fingerprints.empty());

    GpgHome frank_home;
    std::string frank = frank_home.make_key("Frank <frank@example.net>");
    ImportResult mixed = gpg.import_public_keys(
        eve_home.export_secret(eve) + frank_home.export_public(frank), 10, 1 << 20);
    CHECK(mixed.fingerprints == std::vector<std::string>{frank});

    CHECK_FALSE(gpg.key(eve, true).has_value());
    CHECK_FALSE(gpg.key(eve).has_value());
    CHECK(team_home.gpg({"--list-secret-keys", "--with-colons", eve}, {}, false).exit_code != 0);
}

TEST_CASE("import_public_keys: 1,000 keys are capped", "[gpg][import][hostile]") {
    GpgHome bulk_home, team_home;
    team_home.make_key("Team <security@example.org>");
    std::string thousand = bulk_home.make_many_keys(1000, "k");
    Gpg gpg(team_home.path());
    ImportResult r = gpg.import_public_keys(thousand, 10, 4 << 20);
    CHECK(r.fingerprints.size() == 10);
    CHECK(r.imported == 10);
    REQUIRE_FALSE(r.refused.empty());
    CHECK(r.refused.back().find("990 more keys") != std::string::npos);
    auto listing = team_home.gpg({"--with-colons", "--list-keys"}).out;
    std::size_t pubs = 0;
    for (std::size_t i = listing.find("\npub:"); i != std::string::npos;
         i = listing.find("\npub:", i + 1))
        ++pubs;
    CHECK(pubs == 11);  // the team key and ten imported ones
}

TEST_CASE("import_public_keys: key bombs are refused before gpg sees them",
          "[gpg][import][hostile]") {
    GpgHome team_home, eve_home;
    team_home.make_key("Team <security@example.org>");
    std::string eve = eve_home.make_key("Eve <eve@example.net>");
    std::string bin = eve_home.gpg({"--export", eve}).out;
    auto packets = split_packets(bin);
    REQUIRE(packets.size() >= 4);
    REQUIRE(packets[0].first == 6);
    REQUIRE(packets[1].first == 13);
    REQUIRE(packets[2].first == 2);
    std::string selfsig = packets[2].second;

    // 5,000 user ids, each with a (non-matching) copy of the self-signature.
    std::string uid_bomb = packets[0].second + packets[1].second + selfsig;
    for (int i = 0; i < 5000; ++i)
        uid_bomb +=
            packet(13, "Eve " + std::to_string(i) + " <eve" + std::to_string(i) + "@example.net>") +
            selfsig;
    for (std::size_t i = 3; i < packets.size(); ++i) uid_bomb += packets[i].second;

    // 50,000 signatures on one user id (the 2019 certificate-flooding attack),
    // plus the subkey binding signature.
    std::string sig_bomb = packets[0].second + packets[1].second;
    for (int i = 0; i < 50000; ++i) sig_bomb += selfsig;
    for (std::size_t i = 3; i < packets.size(); ++i) sig_bomb += packets[i].second;

    GpgOptions opts;
    Gpg gpg(team_home.path(), opts);
    ImportResult a = gpg.import_public_keys(uid_bomb, 10, 64u << 20);
    ImportResult b = gpg.import_public_keys(sig_bomb, 10, 64u << 20);
    CHECK(a.fingerprints.empty());
    REQUIRE(a.refused.size() == 1);
    CHECK(a.refused[0].find("5001 user ids exceed") != std::string::npos);
    CHECK(b.fingerprints.empty());
    REQUIRE(b.refused.size() == 1);
    CHECK(b.refused[0].find("50001 signatures exceed") != std::string::npos);
    CHECK_FALSE(gpg.key(eve).has_value());

    // Damaged key data: truncated binary and non-key packets.
    ImportResult cut = gpg.import_public_keys(bin.substr(0, bin.size() - 10), 10, 1 << 20);
    CHECK(cut.fingerprints.empty());
    CHECK_FALSE(cut.refused.empty());
    ImportResult literal =
        gpg.import_public_keys(packet(11, "b\0file" + std::string(10, 'x')), 10, 1 << 20);
    CHECK(literal.fingerprints.empty());
    CHECK_FALSE(literal.refused.empty());
}
