// Throughput of the MIME parser (component embargo_mime) and of the text
// helpers threading uses, on the hostile inputs of tests/unit/mime_hostile_test,
// mime_decode_test and core_rules_test (huge and folded headers, deep nesting,
// many parts, a 20 MB attachment, crafted RFC 2047 words, 1 MiB of '&', "re:"
// and '[') and on the ordinary sample messages of tests/data/mime. Each input
// is parsed again and again for at least --min-seconds; prints the median time
// of one run, MB/s and messages/s. Asserts nothing: speed belongs in a report,
// not in a test (the tests check what the parser makes of these inputs).
//
// Usage: mime_bench [--min-seconds S] [--only SUBSTRING]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/text.hpp"
#include "core/threading.hpp"
#include "parsers/mime.hpp"

using namespace embargo;
using Steady = std::chrono::steady_clock;

namespace {

// Keeps the optimiser from dropping a result.
volatile std::size_t g_sink = 0;

std::string crlf_sample(const std::string& name) {
    std::ifstream in(std::string(EMBARGO_SOURCE_DIR) + "/tests/data/mime/" + name,
                     std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string out;
    for (const char c : ss.str()) {
        if (c == '\n') out += '\r';
        out += c;
    }
    return out;
}

std::string nested(int depth, bool closed, bool same_boundary) {
    std::string raw;
    const auto boundary = [&](int i) {
        return same_boundary ? std::string("b") : "b" + std::to_string(i);
    };
    for (int i = 0; i < depth; ++i)
        raw += "Content-Type: multipart/mixed; boundary=" + boundary(i) + "\r\n\r\n--" +
               boundary(i) + "\r\n";
    raw += "Content-Type: text/plain\r\n\r\ninnermost\r\n";
    if (closed)
        for (int i = depth - 1; i >= 0; --i) raw += "--" + boundary(i) + "--\r\n";
    return raw;
}

struct Input {
    std::string name;
    std::size_t bytes = 0;             // input size of one run
    std::size_t messages = 1;          // messages (or values) handled by one run
    std::function<std::size_t()> run;  // returns something derived from the result
};

std::vector<Input> inputs() {
    std::vector<Input> in;
    auto parse_input = [&](std::string name, std::string raw, mime::Limits limits = {}) {
        auto data = std::make_shared<std::string>(std::move(raw));
        const std::size_t n = data->size();
        in.push_back({std::move(name), n, 1, [data, limits] {
                          const mime::Message m = mime::parse(*data, limits);
                          return m.problems.size() + m.text_plain.size() + m.root.children.size();
                      }});
    };

    // Ordinary mail: the four samples, parsed one after the other.
    {
        auto samples = std::make_shared<std::vector<std::string>>();
        for (const char* f : {"thunderbird_alternative.eml", "thunderbird_attachments.eml",
                              "pgp_signed.eml", "pgp_encrypted.eml"})
            samples->push_back(crlf_sample(f));
        std::size_t n = 0;
        for (const auto& s : *samples) n += s.size();
        in.push_back({"4 sample messages (tests/data/mime)", n, samples->size(), [samples] {
                          std::size_t r = 0;
                          for (const auto& s : *samples) r += mime::parse(s).text_plain.size();
                          return r;
                      }});
    }

    parse_input(
        "1 MB header line (cut at 256 KiB)",
        "From: a@x\r\nSubject: " + std::string(1 << 20, 'A') + "\r\nTo: b@y\r\n\r\nbody\r\n");
    {
        std::string folded = "X-Junk: start";
        for (int i = 0; i < 100000; ++i) folded += "\r\n continued";
        parse_input("1.2 MB folded header in a part",
                    "Content-Type: multipart/mixed; boundary=h\r\n\r\n--h\r\n" + folded +
                        "\r\nContent-Type: text/plain\r\n\r\nfirst\r\n--h\r\n"
                        "Content-Type: text/plain\r\n\r\nsecond\r\n--h--\r\n");
    }
    {
        mime::Limits big;
        big.max_header_bytes = 16 << 20;
        parse_input("5 MB header line, no cut",
                    "Subject: " + std::string(5 << 20, 'B') + "\r\n\r\nbody", big);
    }
    for (const bool closed : {true, false})
        for (const bool same : {false, true})
            parse_input(std::string("5,000 nested multiparts (") + (closed ? "closed" : "open") +
                            (same ? ", same boundary)" : ")"),
                        nested(5000, closed, same));
    {
        std::string raw = "Content-Type: multipart/mixed; boundary=p\r\n\r\n";
        for (int i = 0; i < 10000; ++i)
            raw += "--p\r\nContent-Type: text/plain\r\n\r\npart " + std::to_string(i) + "\r\n";
        raw += "--p--\r\n";
        parse_input("10,000 parts, max_parts 1000", raw);
        mime::Limits all;
        all.max_parts = 20000;
        parse_input("10,000 parts, all parsed", raw, all);
    }
    {
        std::string raw =
            "Content-Type: multipart/mixed; boundary=big\r\n\r\n--big\r\nContent-Type: "
            "text/plain\r\n\r\nsee attachment\r\n--big\r\nContent-Type: "
            "application/octet-stream\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n";
        const std::string line =
            "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5\r\n";
        while (raw.size() < (20u << 20)) raw += line;
        raw += "--big--\r\n";
        parse_input("20 MB base64 attachment", raw);
    }
    {
        auto v = std::make_shared<std::string>();
        for (int i = 0; i < 100000; ++i) *v += "=?a?q?";
        *v += "?=";
        in.push_back({"RFC 2047: 100,000 unterminated words (600 KB)", v->size(), 1,
                      [v] { return mime::decode_header_words(*v).size(); }});
    }
    {
        auto amps = std::make_shared<std::string>(1 << 20, '&');
        in.push_back({"html_to_text: 1 MiB of '&'", amps->size(), 1,
                      [amps] { return html_to_text(*amps).size(); }});
        auto res = std::make_shared<std::string>(1 << 20, ' ');
        for (std::size_t i = 0; i + 3 < res->size(); i += 4) res->replace(i, 3, "re:");
        in.push_back({"normalise_subject: 1 MiB of \"re: \"", res->size(), 1,
                      [res] { return normalise_subject(*res).size(); }});
        auto brackets = std::make_shared<std::string>(1 << 20, '[');
        in.push_back({"normalise_subject: 1 MiB of '['", brackets->size(), 1,
                      [brackets] { return normalise_subject(*brackets).size(); }});
        auto ids = std::make_shared<std::string>();
        for (int i = 1; i < 20000; ++i) *ids += "EMST-2026-" + std::to_string(10000 + i) + " ";
        in.push_back({"case_ids_in_text: 19,999 ids", ids->size(), 1,
                      [ids] { return case_ids_in_text(*ids, "EMST").size(); }});
    }
    return in;
}

}  // namespace

int main(int argc, char** argv) {
    double min_seconds = 1.0;
    std::string only;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--min-seconds") && i + 1 < argc) {
            min_seconds = std::atof(argv[++i]);
        } else if (!std::strcmp(argv[i], "--only") && i + 1 < argc) {
            only = argv[++i];
        } else {
            std::fprintf(stderr, "usage: %s [--min-seconds S] [--only SUBSTRING]\n", argv[0]);
            return 2;
        }
    }
#ifdef NDEBUG
    const char* build = "optimised";
#else
    const char* build = "NOT optimised (assertions on): figures are not representative";
#endif
    std::printf("mime_bench: median of >= 3 runs and >= %.1f s per input; %s build\n\n",
                min_seconds, build);
    std::printf("| input | bytes | runs | median ms | MB/s | messages/s |\n");
    std::printf("|---|---:|---:|---:|---:|---:|\n");
    for (const Input& in : inputs()) {
        if (!only.empty() && in.name.find(only) == std::string::npos) continue;
        std::vector<double> ms;
        const auto start = Steady::now();
        while (ms.size() < 3 ||
               std::chrono::duration<double>(Steady::now() - start).count() < min_seconds) {
            const auto t0 = Steady::now();
            g_sink = g_sink + in.run();
            ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t0).count());
        }
        std::sort(ms.begin(), ms.end());
        const double median = ms[ms.size() / 2];
        const double secs = median / 1000.0;
        std::printf("| %s | %zu | %zu | %.3f | %.1f | %.1f |\n", in.name.c_str(), in.bytes,
                    ms.size(), median, secs > 0 ? static_cast<double>(in.bytes) / 1e6 / secs : 0.0,
                    secs > 0 ? static_cast<double>(in.messages) / secs : 0.0);
        std::fflush(stdout);
    }
    return 0;
}
