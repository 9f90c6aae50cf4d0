// Near-identical report detection (SPEC section 4, step 3), pure functions:
// report text normalisation (quotes, forwarded headers, signatures, HTML,
// wrapping), word shingles, a MinHash signature with banded (LSH) keys for
// indexed candidate lookup, and the similarity estimate between two sketches.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace embargo::dedup {

// MinHash values per signature. Fixed, so that changing [dedup] bands/rows
// can re-derive the band keys from stored signatures.
inline constexpr std::size_t kSignatureSize = 128;
// Words per shingle.
inline constexpr std::size_t kShingleWords = 4;
// Only this much of a text is read (some 40,000 words, far more than any
// report): bounds the work, done inside the intake's write transaction, on
// hostile mail.
inline constexpr std::size_t kMaxTextBytes = 256 * 1024;

// The comparable content of a report: HTML turned into text; PGP armour,
// forwarded-message separators and header blocks, "On DATE, X wrote:" lines,
// quote markers, signatures (after "-- "), greetings and closings dropped;
// then lower-cased words (letters, digits, UTF-8) separated by single blanks,
// so wrapping and whitespace no longer matter.
std::string normalise(std::string_view text);
std::size_t word_count(std::string_view normalised);
// Sorted, unique 64-bit hashes of the kShingleWords-word shingles of a
// normalised text (one shingle of all words when there are fewer).
std::vector<std::uint64_t> shingles(std::string_view normalised);

struct Sketch {
    std::array<std::uint32_t, kSignatureSize> minhash{};
    std::uint32_t shingles = 0;  // distinct shingles of the text
};

Sketch make_sketch(const std::vector<std::uint64_t>& shingle_hashes);
// The sketch of a report text; nullopt when it has fewer than min_words
// words after normalisation (too little to tell two reports apart).
std::optional<Sketch> sketch_text(std::string_view text, std::size_t min_words);

// bands >= 1, rows >= 1 and bands * rows <= kSignatureSize.
bool valid_banding(int bands, int rows);
// One key per band; two sketches share a band's key when all `rows` hashes of
// that band agree. Throws std::invalid_argument for an invalid banding.
std::vector<std::int64_t> band_keys(const Sketch& s, int bands, int rows);

// Estimated Jaccard similarity of the two shingle sets.
double jaccard(const Sketch& a, const Sketch& b);
// The decision measure: the Jaccard estimate, or, when the shorter text is at
// least half as long as the other, the estimated share of the shorter text
// found in the longer one (a forward with a comment, a quote with a question
// on top), whichever is higher.
double similarity(const Sketch& a, const Sketch& b);

// Storage form of the signature: kSignatureSize little-endian 32-bit values.
std::string encode(const Sketch& s);
// nullopt when the blob has the wrong size or the count is out of range.
std::optional<Sketch> decode(std::string_view minhash, std::int64_t shingles);

struct Candidate {
    std::string case_id;
    Sketch sketch;
};
struct Match {
    std::string case_id;
    double similarity = 0;
};
// Candidates at least `threshold` similar to `s`, one per case (its best
// sketch), most similar first; ties keep the candidates' order.
std::vector<Match> rank(const Sketch& s, const std::vector<Candidate>& candidates,
                        double threshold);

}  // namespace embargo::dedup
