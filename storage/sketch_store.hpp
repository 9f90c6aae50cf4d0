// Sketches of filed reports for near-identical report detection: one MinHash
// signature per indexed report (core/dedup.hpp) and its LSH band keys, indexed
// so that a look-up reads only the few sketches sharing a band with the new
// report, never every case. All functions run in the caller's transaction.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/dedup.hpp"
#include "core/time.hpp"
#include "storage/database.hpp"

namespace embargo::storage {

// Most sketches kept per case: a flood of copies must not grow the index.
inline constexpr std::size_t kMaxSketchesPerCase = 32;
// Most sketches compared per look-up: those sharing the most bands.
inline constexpr int kMaxSketchCandidates = 64;
// A report this close (Jaccard) to a sketch its case already has adds nothing.
inline constexpr double kRedundantSketch = 0.95;

// Band keys depend on [dedup] bands and rows: when they changed since the keys
// were written, re-derives every key from the stored signatures (once).
void ensure_band_layout(Database& db, const Dedup& cfg);

// Indexes the sketch of report `message_id`, filed into `case_id`, unless the
// case already holds a near-identical sketch or kMaxSketchesPerCase of them.
// Returns whether it was stored.
bool index_sketch(Database& db, const std::string& case_id, const std::string& message_id,
                  const dedup::Sketch& sketch, const Dedup& cfg, TimePoint now);

// Cases holding a sketch at least cfg.similarity similar to `sketch`, most
// similar first. Ids are as stored: the caller follows merged_into and checks
// the case's state.
std::vector<dedup::Match> find_similar(Database& db, const dedup::Sketch& sketch, const Dedup& cfg);

// The look-up statement for `keys` band keys (and the candidate limit);
// exposed so a test can check its query plan.
std::string similar_sketches_sql(std::size_t keys);

// After `/merge FROM` into TO (and for any other move of reports): FROM's
// sketches belong to TO from now on. Returns how many were moved.
int redirect_sketches(Database& db, const std::string& from_case, const std::string& to_case);

// Sketches stored for a case, or in all when case_id is empty.
long long sketch_count(Database& db, const std::string& case_id = {});

}  // namespace embargo::storage
