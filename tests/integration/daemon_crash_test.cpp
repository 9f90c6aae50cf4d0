// Crash consistency (SPEC 4 and 6): a few hundred messages in a real Dovecot,
// the real embargod (loop mode) killed with SIGKILL at random moments again
// and again until everything is processed. Afterwards every message is stored
// exactly once, the cases are the ones the generator implies, every
// notification reached the SMTP sink under one Message-ID (a resend after a
// kill reuses it, at most once per kill), the outbox is empty and the event
// log's hash chain is intact.
//
// EMBARGO_CRASH_SEED=N replays a run; EMBARGO_CRASH_MESSAGES=N changes its
// size (default 300; 120 under AddressSanitizer, where every gpg run GPGME
// forks from the instrumented daemon costs several times more, so that the
// test stays within a few minutes; kill delays are doubled there to keep
// the kills spread over the same share of the work).
#include <SQLiteCpp/SQLiteCpp.h>
#include <signal.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "core/time.hpp"
#include "tests/support/child.hpp"
#include "tests/support/daemon_env.hpp"
#include "tests/support/mail.hpp"
#include "tests/support/test_clock.hpp"

using namespace embargo;
using namespace embargo::test;
using nlohmann::json;

namespace {

const std::string kNow = test_iso(0, "12:00:00");

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif
#else
constexpr bool kAsan = false;
#endif

struct Group {
    std::string reporter;  // address
    std::string subject;
    std::string report_id;             // Message-ID of the report, without <>
    std::string dup_id;                // same reporter + subject again (at most one per case)
    std::vector<std::string> replies;  // the reporter's follow-ups, threaded by References
};

struct Corpus {
    std::vector<Group> groups;
    std::vector<std::string> raw;  // in delivery (= UID) order
    std::set<std::string> ids;     // every delivered Message-ID
};

std::string word(std::mt19937& rng) {
    std::uniform_int_distribution<int> len(4, 9), letter(0, 25);
    std::string w;
    for (int i = 0, n = len(rng); i < n; ++i) w += static_cast<char>('a' + letter(rng));
    return w;
}

// Random words: no two texts are near-identical, so only the intended
// duplicates (same reporter and subject) join a case.
std::string text(std::mt19937& rng, int words) {
    std::string t;
    for (int i = 0; i < words; ++i) t += word(rng) + (i % 12 == 11 ? "\n" : " ");
    return t + "\n";
}

Corpus generate(std::mt19937& rng, int total) {
    const int dups = total / 20, replies = total * 3 / 20, reports = total - dups - replies;
    std::vector<char> kinds;
    kinds.insert(kinds.end(), static_cast<size_t>(reports - 10), 'R');
    kinds.insert(kinds.end(), static_cast<size_t>(dups), 'D');
    kinds.insert(kinds.end(), static_cast<size_t>(replies), 'P');
    std::shuffle(kinds.begin(), kinds.end(), rng);
    kinds.insert(kinds.begin(), 10, 'R');  // something to reply to from the start

    Corpus c;
    auto pick = [&](auto&& ok) -> Group* {
        std::vector<Group*> candidates;
        for (auto& g : c.groups)
            if (ok(g)) candidates.push_back(&g);
        if (candidates.empty()) return nullptr;
        return candidates[std::uniform_int_distribution<size_t>(0, candidates.size() - 1)(rng)];
    };
    for (char k : kinds) {
        Group* target = nullptr;
        if (k == 'D') target = pick([](const Group& g) { return g.dup_id.empty(); });
        if (k == 'P') target = pick([](const Group&) { return true; });
        if (!target) k = 'R';
        Mail m;
        if (k == 'R') {
            Group g;
            int n = static_cast<int>(c.groups.size());
            g.reporter = "reporter" + std::to_string(n) + "@reporters.test";
            g.subject = "Issue " + std::to_string(n) + ": " + word(rng) + " " + word(rng);
            g.report_id = unique_message_id("crash-report");
            m.from = "Reporter " + std::to_string(n) + " <" + g.reporter + ">";
            m.subject = g.subject;
            m.message_id = g.report_id;
            c.groups.push_back(g);
        } else if (k == 'D') {
            target->dup_id = unique_message_id("crash-dup");
            m.from = "<" + target->reporter + ">";
            m.subject = target->subject;
            m.message_id = target->dup_id;
        } else {
            std::string id = unique_message_id("crash-reply");
            m.from = "<" + target->reporter + ">";
            m.subject = "Re: " + target->subject;
            m.message_id = id;
            m.in_reply_to = target->replies.empty() ? target->report_id : target->replies.back();
            m.references = target->report_id;
            if (!target->replies.empty()) m.references += " " + target->replies.back();
            target->replies.push_back(id);
        }
        m.body = text(rng, 40);
        c.ids.insert(m.message_id);
        c.raw.push_back(m.str());
    }
    return c;
}

struct Progress {
    long long messages = 0;
    long long backlog = 0;
    long long failures = 0;
};

// Read while no embargod runs; a database the first runs never finished
// creating counts as no progress.
Progress progress(const std::string& db_path) {
    Progress p;
    struct stat st {};
    if (::stat(db_path.c_str(), &st) != 0) return p;
    try {
        SQLite::Database db(db_path, SQLite::OPEN_READONLY);
        p.messages = db.execAndGet("SELECT COUNT(*) FROM messages").getInt64();
        p.backlog = db.execAndGet("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").getInt64();
        p.failures = db.execAndGet("SELECT COUNT(*) FROM failures").getInt64();
    } catch (const SQLite::Exception&) {
        return Progress{};
    }
    return p;
}

std::string strip_angles(std::string s) {
    if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
    return s;
}

int env_int(const char* name, int fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::atoi(v) : fallback;
}

}  // namespace

// Processes whose command line holds "--gpg-helper" and `home`: the gpg
// helpers of one daemon (crypto/gpg_helpers.hpp).
std::vector<int> gpg_helpers_of(const std::string& home) {
    std::vector<int> out;
    for (const auto& e : std::filesystem::directory_iterator("/proc")) {
        const std::string name = e.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(e.path() / "cmdline", std::ios::binary);
        std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (cmd.find(std::string("--gpg-helper\0", 13) + home) != std::string::npos)
            out.push_back(std::stoi(name));
    }
    return out;
}

TEST_CASE("SIGKILL at random moments loses nothing and duplicates nothing") {
    const unsigned seed = static_cast<unsigned>(
        env_int("EMBARGO_CRASH_SEED", static_cast<int>(std::random_device{}() & 0x7fffffff)));
    const int total = env_int("EMBARGO_CRASH_MESSAGES", kAsan ? 120 : 300);
    std::cout << "daemon_crash_test: seed " << seed << " (EMBARGO_CRASH_SEED=" << seed
              << " replays it), " << total << " messages" << std::endl;
    INFO("seed " << seed);
    std::mt19937 rng(seed);

    // The digest goes out every day by design: without it every notification
    // has exactly one legitimate copy. Two members: rotation still alternates,
    // with one gpg encryption less per report than three.
    DaemonEnv env(DaemonEnvOptions{.members = 2, .extra = "[timeline]\ndigest_time =\n"});
    Corpus corpus = generate(rng, total);
    auto t0 = parse_iso8601(test_iso(0, "10:00:00"));
    REQUIRE(t0);
    for (size_t i = 0; i < corpus.raw.size(); ++i)
        env.deliver(corpus.raw[i],
                    format_iso8601(*t0 + std::chrono::seconds(static_cast<long>(i))));

    // Kill, restart, kill again: until every message is stored and every
    // notification is out.
    const std::string log = env.dir() + "/embargod.log";
    std::uniform_int_distribution<int> delay_ms(kAsan ? 100 : 50, kAsan ? 1600 : 800);
    int kills = 0, runs = 0;
    const auto started = std::chrono::steady_clock::now();
    // Far beyond what a run needs (about 2 minutes): only a daemon that stops
    // making progress between kills gets here.
    const auto budget = std::chrono::seconds(env_int("EMBARGO_CRASH_BUDGET_SECONDS", 480));
    Progress p;
    while (true) {
        ++runs;
        Child d({built_binary("embargod"), "--config", env.config_path(), "--now", kNow,
                 "--log-level", "info"},
                log);
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
        d.signal(SIGKILL);
        auto r = d.wait();
        if (r.exit_code != 128 + SIGKILL) {
            INFO("embargod exited by itself:\n" << r.output);
            REQUIRE(r.exit_code == 128 + SIGKILL);
        }
        ++kills;
        p = progress(env.db_path());
        if (p.messages == static_cast<long long>(corpus.raw.size()) && p.backlog == 0) break;
        INFO("after " << kills << " kills: " << p.messages << " messages stored, outbox backlog "
                      << p.backlog);
        REQUIRE(std::chrono::steady_clock::now() - started < budget);
    }
    CHECK(p.failures == 0);  // a kill is not a processing failure
    // The daemons' gpg helpers died with them (PDEATHSIG), none left behind.
    std::vector<int> left = gpg_helpers_of(env.team_home().path());
    for (int waited = 0; !left.empty() && waited < 50; ++waited) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        left = gpg_helpers_of(env.team_home().path());
    }
    CHECK(left.empty());
    auto clean = env.run_once(kNow);
    auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::steady_clock::now() - started);

    // Every delivered message stored exactly once, each in its group's case.
    auto cases = env.cases(true);
    std::map<std::string, int> stored;  // Message-ID -> times stored
    std::map<std::string, std::string> case_of;
    std::map<std::string, json> shown;
    for (const auto& c : cases) {
        std::string id = c["id"];
        json s = env.show(id);
        for (const auto& m : s["message_list"]) {
            std::string mid = m["message_id"];
            ++stored[mid];
            case_of[mid] = id;
        }
        shown[id] = s;
    }
    size_t groups = corpus.groups.size();
    CHECK(cases.size() == groups);
    CHECK(stored.size() == corpus.ids.size());
    for (const auto& id : corpus.ids) {
        INFO("message " << id);
        CHECK(stored[id] == 1);
    }
    for (const auto& [id, n] : stored) {
        INFO("stored message " << id);
        CHECK(corpus.ids.count(id) == 1);
        CHECK(n == 1);
    }
    CHECK(env.ctl_json({"quarantine"}).empty());

    // The notifications each group implies, keyed by (case, kind, recipient,
    // In-Reply-To): the key tells them apart, so each must have one Message-ID.
    using Key = std::tuple<std::string, std::string, std::string, std::string>;
    std::set<Key> expected;
    std::vector<std::string> members;
    for (const auto& m : env.members()) members.push_back(m.email);
    int duplicates = 0, reply_count = 0;
    for (const auto& g : corpus.groups) {
        INFO("report " << g.report_id);
        REQUIRE(case_of.count(g.report_id));
        const std::string c = case_of[g.report_id];
        const json& s = shown[c];
        std::set<std::string> want{g.report_id};
        if (!g.dup_id.empty()) want.insert(g.dup_id);
        want.insert(g.replies.begin(), g.replies.end());
        std::set<std::string> have;
        for (const auto& m : s["message_list"]) have.insert(m["message_id"].get<std::string>());
        CHECK(have == want);
        CHECK(s["reports"] == (g.dup_id.empty() ? 1 : 2));
        // Round-robin rotation over the members, in case order.
        int number = std::stoi(c.substr(c.rfind('-') + 1));
        std::string lead = s["lead"];
        CHECK(lead == members[static_cast<size_t>(number - 1) % members.size()]);
        const std::string root = "<" + c + "@example.org>";
        expected.insert({c, "ack", g.reporter, "<" + g.report_id + ">"});
        for (const auto& m : members) expected.insert({c, "new-case", m, root});
        if (!g.dup_id.empty()) {
            ++duplicates;
            expected.insert({c, "ack", g.reporter, "<" + g.dup_id + ">"});
            expected.insert({c, "duplicate", lead, root});
        }
        for (const auto& r : g.replies) {
            ++reply_count;
            expected.insert({c, "relay", lead, "<" + r + ">"});
        }
    }

    auto mail = env.smtp().messages();
    std::map<Key, std::set<std::string>> ids_of;
    std::map<std::string, int> copies;  // Message-ID -> copies in the sink
    for (const auto& m : mail) {
        REQUIRE(m.rcpts.size() == 1);
        std::string mid = strip_angles(m.header("Message-ID"));
        ++copies[mid];
        ids_of[{m.header("X-Embargo-Case"), m.header("X-Embargo-Kind"), m.rcpts[0],
                m.header("In-Reply-To")}]
            .insert(mid);
    }
    int resends = 0;
    for (const auto& [mid, n] : copies) resends += n - 1;
    std::set<Key> got;
    for (const auto& [k, ids] : ids_of) {
        got.insert(k);
        INFO("case " << std::get<0>(k) << " kind " << std::get<1>(k) << " to " << std::get<2>(k)
                     << " in reply to " << std::get<3>(k));
        CHECK(ids.size() == 1);  // never the same notification under two Message-IDs
    }
    std::vector<Key> missing, unexpected;
    std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(),
                        std::back_inserter(missing));
    std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(),
                        std::back_inserter(unexpected));
    for (const auto& k : missing)
        UNSCOPED_INFO("missing: " << std::get<0>(k) << " " << std::get<1>(k) << " to "
                                  << std::get<2>(k) << " re " << std::get<3>(k));
    for (const auto& k : unexpected)
        UNSCOPED_INFO("unexpected: " << std::get<0>(k) << " " << std::get<1>(k) << " to "
                                     << std::get<2>(k) << " re " << std::get<3>(k));
    CHECK(missing.empty());
    CHECK(unexpected.empty());
    CHECK(resends <= kills);

    // The outbox holds exactly what the sink received, all of it sent.
    CHECK(env.ctl_json({"outbox"}).empty());
    {
        SQLite::Database db(env.db_path(), SQLite::OPEN_READONLY);
        SQLite::Statement q(db, "SELECT message_id, sent_at IS NOT NULL FROM outbox");
        std::set<std::string> outbox;
        while (q.executeStep()) {
            outbox.insert(q.getColumn(0).getString());
            CHECK(q.getColumn(1).getInt() == 1);
        }
        std::set<std::string> sink;
        for (const auto& [mid, n] : copies) sink.insert(mid);
        CHECK(outbox == sink);
    }

    auto audit = env.ctl({"audit"});
    INFO(audit.out << audit.err);
    CHECK(audit.exit_code == 0);

    std::cout << "daemon_crash_test: seed " << seed << ": " << corpus.raw.size() << " messages ("
              << groups << " reports, " << duplicates << " duplicates, " << reply_count
              << " replies), " << runs << " runs, " << kills << " SIGKILLs, " << mail.size()
              << " mails in the sink for " << copies.size() << " Message-IDs, " << resends
              << " resends, " << elapsed.count() << " s" << std::endl;
    (void)clean;
}
