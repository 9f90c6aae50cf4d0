// Benchmark of filing a new report against N existing cases (issue 7): for
// each N a fresh database is filled with N generated cases and their report
// sketches, then new reports (half copies of existing reports, half new ones)
// are filed the way the intake does it: sketch, banded look-up, load of the
// matched case, a new case when nothing matched, indexing of the sketch, all
// in one write transaction. Prints the median times side by side; asserts
// nothing (timing belongs in a report, not in a test).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/case.hpp"
#include "core/config.hpp"
#include "core/dedup.hpp"
#include "storage/case_store.hpp"
#include "storage/database.hpp"
#include "storage/sketch_store.hpp"

using namespace embargo;
using Steady = std::chrono::steady_clock;

namespace {

// xorshift64*: deterministic, so every run files the same reports.
struct Rng {
    std::uint64_t s;
    explicit Rng(std::uint64_t seed) : s(seed * 0x9e3779b97f4a7c15ULL + 1) {}
    std::uint64_t next() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 0x2545f4914f6cdd1dULL;
    }
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
};

const std::vector<std::string>& vocabulary() {
    static const std::vector<std::string> words = [] {
        static const char* syl[] = {"ka", "lo", "mi",  "ne", "ru", "sa", "ti", "vo", "xe",  "zu",
                                    "pa", "de", "gri", "ho", "ja", "bu", "fe", "cy", "qua", "wo"};
        std::vector<std::string> w;
        Rng r(7);
        for (int i = 0; i < 5000; ++i)
            w.push_back(std::string(syl[r.below(20)]) + syl[r.below(20)] +
                        (i % 3 ? syl[r.below(20)] : ""));
        return w;
    }();
    return words;
}

// Zipf-like: a few words are very common, as in real text.
const std::string& word(Rng& r) {
    const auto& v = vocabulary();
    double u = static_cast<double>(r.next() % 1000000) / 1000000.0;
    auto i = static_cast<std::size_t>(static_cast<double>(v.size()) * u * u * u);
    return v[std::min(i, v.size() - 1)];
}

// A report like the ones a security team gets: one of three templates with
// their boilerplate, shared component names, and a description of its own.
std::string report_text(std::uint64_t seed) {
    static const char* components[] = {"HTTP/1.1 header parser",
                                       "HTTP/2 frame decoder",
                                       "TLS handshake",
                                       "DNS resolver",
                                       "admin API",
                                       "configuration loader",
                                       "gzip decompressor",
                                       "router"};
    static const char* boilerplate[] = {
        "This report was submitted through the Example Bounty platform under the Example Proxy "
        "vulnerability disclosure policy. Please do not disclose the details publicly before "
        "the agreed date.",
        "Steps to reproduce: build Example Proxy with AddressSanitizer, start it with the "
        "configuration below and send the request. Expected: a 400 response.",
        "Product: Example Proxy. Environment: Debian 12, GCC 12. Type: memory safety. Please "
        "confirm receipt of this report."};
    Rng r(seed);
    std::string t = "Hello,\n\nI found a problem in the " + std::string(components[r.below(8)]) +
                    " of Example Proxy 1.13." + std::to_string(r.below(6)) + ".\n";
    const std::size_t words = 80 + r.below(120);
    for (std::size_t i = 0; i < words; ++i) {
        t += word(r);
        t += (i % 14 == 13) ? ".\n" : " ";
    }
    t += "\n\n";
    t += boilerplate[r.below(3)];
    t += "\n\nThanks,\nReporter " + std::to_string(r.below(500)) + "\n";
    return t;
}

// What a copy of a report looks like when it comes again.
std::string copy_of(const std::string& text, Rng& r) {
    switch (r.below(3)) {
        case 0: {  // quoted in a reply
            std::string q = "Any news on this?\n\nOn Monday, someone wrote:\n";
            std::size_t b = 0;
            while (b < text.size()) {
                std::size_t e = text.find('\n', b);
                if (e == std::string::npos) e = text.size();
                q += "> " + text.substr(b, e - b) + "\n";
                b = e + 1;
            }
            return q;
        }
        case 1:  // forwarded
            return "FYI\n\n-------- Forwarded Message --------\nSubject: x\nFrom: y\nTo: z\n\n" +
                   text;
        default: {  // re-wrapped
            std::string w = text;
            for (std::size_t i = 0; i < w.size(); ++i)
                if (w[i] == '\n' && i + 1 < w.size() && w[i + 1] != '\n') w[i] = ' ';
            return w;
        }
    }
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

struct Result {
    std::size_t cases = 0;
    double populate_s = 0;
    double db_mb = 0;
    double lookup_us = 0;  // sketch of the text + banded look-up + loading the match
    double write_us = 0;   // new case or join, indexing the sketch
    double commit_us = 0;  // the commit (fsync of the WAL)
    double file_us = 0;    // the whole filing, commit included
    int joined = 0, opened = 0, wrong = 0;
};

Case new_case(const CaseId& id, TimePoint at) {
    Case c;
    c.id = id.str();
    c.state = CaseState::Triage;
    c.subject = "Report " + c.id;
    c.received_at = at;
    c.lead = "alice@example.org";
    c.reporters = {"reporter@example.net"};
    for (std::size_t i = 0; i < c.milestones.size(); ++i) c.milestones[i].name = kMilestones[i];
    return c;
}

// One database of `cases` existing cases and the figures measured on it.
struct Bed {
    Result res;
    std::string path;
    std::unique_ptr<storage::Database> db;
    Rng rng{4242};
    std::vector<double> lookup, write, commit, file;
};

const TimePoint kNow = from_unix(1795000000);

void populate(Bed& bed, std::size_t n, const std::string& dir) {
    bed.res.cases = n;
    bed.path = dir + "/bench-" + std::to_string(n) + ".db";
    std::filesystem::remove(bed.path);
    bed.db = std::make_unique<storage::Database>(bed.path);
    storage::Database& db = *bed.db;
    Dedup cfg;
    auto t0 = Steady::now();
    {
        auto tx = db.write_transaction();
        for (std::size_t i = 0; i < n; ++i) {
            CaseId id = storage::next_case_id(db, "EMST", 2026);
            Case c = new_case(id, kNow);
            storage::insert_case(db, c, id, "report");
            if (auto s = dedup::sketch_text(report_text(i), cfg.min_words))
                storage::index_sketch(db, c.id, "m" + std::to_string(i), *s, cfg, kNow);
        }
        tx.commit();
    }
    db.sql().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    bed.res.populate_s = std::chrono::duration<double>(Steady::now() - t0).count();
    bed.res.db_mb = static_cast<double>(std::filesystem::file_size(bed.path)) / 1e6;
}

// Files report number i the way the intake does.
void file_one(Bed& bed, int i) {
    storage::Database& db = *bed.db;
    Dedup cfg;
    const std::size_t n = bed.res.cases;
    // Half of them copies of an existing report, half new reports.
    const bool copy = i % 2 == 0;
    const std::size_t of = bed.rng.below(n);
    std::string text = copy ? copy_of(report_text(of), bed.rng)
                            : report_text(1000000000ULL + static_cast<std::uint64_t>(i));
    auto start = Steady::now();
    auto tx = db.write_transaction();
    auto s = dedup::sketch_text(text, cfg.min_words);
    if (!s) throw std::runtime_error("a generated report got no sketch");
    std::optional<Case> kase;
    for (const auto& m : storage::find_similar(db, *s, cfg)) {
        kase = storage::load_case(db, m.case_id);
        if (kase && is_open(kase->state)) break;
        kase.reset();
    }
    auto looked_up = Steady::now();
    if (!kase) {
        CaseId id = storage::next_case_id(db, "EMST", 2026);
        kase = new_case(id, kNow);
        storage::insert_case(db, *kase, id, "report");
        ++bed.res.opened;
    } else {
        ++bed.res.joined;
    }
    storage::index_sketch(db, kase->id, "new" + std::to_string(i), *s, cfg, kNow);
    auto written = Steady::now();
    tx.commit();
    auto end = Steady::now();
    // The copy of case number `of` (1-based ids) must join exactly it.
    const std::string want = CaseId{"EMST", 2026, static_cast<int>(of + 1)}.str();
    if (copy != (kase->id == want)) ++bed.res.wrong;
    using us = std::chrono::duration<double, std::micro>;
    bed.lookup.push_back(us(looked_up - start).count());
    bed.write.push_back(us(written - looked_up).count());
    bed.commit.push_back(us(end - written).count());
    bed.file.push_back(us(end - start).count());
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::size_t> sizes = {100, 10000, 100000};
    int samples = 400;
    std::string dir;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--samples" && i + 1 < argc) {
            samples = std::atoi(argv[++i]);
        } else if (a == "--dir" && i + 1 < argc) {
            dir = argv[++i];
        } else if (a == "--sizes" && i + 1 < argc) {
            sizes.clear();
            std::string list = argv[++i];
            for (std::size_t b = 0; b < list.size();) {
                std::size_t e = list.find(',', b);
                if (e == std::string::npos) e = list.size();
                sizes.push_back(std::stoul(list.substr(b, e - b)));
                b = e + 1;
            }
        } else {
            std::fprintf(stderr,
                         "usage: dedup_bench [--sizes 100,10000,100000] [--samples N] "
                         "[--dir DIR]\n");
            return 2;
        }
    }
    if (samples < 2 || sizes.empty()) {
        std::fprintf(stderr, "dedup_bench: --samples must be at least 2 and --sizes non-empty\n");
        return 2;
    }
    bool own_dir = dir.empty();
    if (own_dir) {
        char tmpl[] = "/tmp/eb-bench-XXXXXX";
        if (!::mkdtemp(tmpl)) {
            std::perror("dedup_bench: mkdtemp");
            return 1;
        }
        dir = tmpl;
    }
    // All databases first, then the reports filed round-robin over them, so
    // that the load of the machine at any moment weighs on every size alike.
    std::vector<Bed> beds(sizes.size());
    std::vector<Result> results;
    try {
        for (std::size_t b = 0; b < sizes.size(); ++b) {
            std::fprintf(stderr, "dedup_bench: generating %zu cases...\n", sizes[b]);
            populate(beds[b], sizes[b], dir);
        }
        std::fprintf(stderr, "dedup_bench: filing %d reports into each...\n", samples);
        for (int i = 0; i < samples; ++i)
            for (auto& bed : beds) file_one(bed, i);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dedup_bench: %s\n", e.what());
        beds.clear();
        if (own_dir) std::filesystem::remove_all(dir);
        return 1;
    }
    for (auto& bed : beds) {
        bed.res.lookup_us = median(bed.lookup);
        bed.res.write_us = median(bed.write);
        bed.res.commit_us = median(bed.commit);
        bed.res.file_us = median(bed.file);
        results.push_back(bed.res);
    }
    beds.clear();  // closes the databases
    if (own_dir) std::filesystem::remove_all(dir);

    std::printf("Filing one new report (median of %d; half are copies of existing reports)\n",
                samples);
    std::printf("%-28s", "existing cases");
    for (const auto& r : results) std::printf("%14zu", r.cases);
    std::printf("\n%-28s", "sketch + look-up [us]");
    for (const auto& r : results) std::printf("%14.1f", r.lookup_us);
    std::printf("\n%-28s", "case + indexing [us]");
    for (const auto& r : results) std::printf("%14.1f", r.write_us);
    std::printf("\n%-28s", "commit [us]");
    for (const auto& r : results) std::printf("%14.1f", r.commit_us);
    std::printf("\n%-28s", "whole filing [us]");
    for (const auto& r : results) std::printf("%14.1f", r.file_us);
    std::printf("\n%-28s", "joined / opened / wrong");
    for (const auto& r : results) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%d/%d/%d", r.joined, r.opened, r.wrong);
        std::printf("%14s", buf);
    }
    std::printf("\n%-28s", "database [MB]");
    for (const auto& r : results) std::printf("%14.1f", r.db_mb);
    std::printf("\n%-28s", "generating it [s]");
    for (const auto& r : results) std::printf("%14.1f", r.populate_s);
    std::printf("\n");
    const Result& first = results.front();
    const Result& last = results.back();
    if (results.size() > 1 && first.lookup_us > 0 && first.file_us > 0)
        std::printf("ratio %zu / %zu cases: look-up %.2fx, whole filing %.2fx\n", last.cases,
                    first.cases, last.lookup_us / first.lookup_us, last.file_us / first.file_us);
    return 0;
}
