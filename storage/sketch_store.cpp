// The sketch index: sketches (signature per report) and sketch_bands
// (band key -> sketch, the primary key being the look-up index).
#include "storage/sketch_store.hpp"

#include "storage/mailbox_store.hpp"

namespace embargo::storage {
namespace {

constexpr const char* kLayoutKey = "dedup.band_layout";

std::string layout_of(const Dedup& cfg) {
    return std::to_string(cfg.bands) + "x" + std::to_string(cfg.rows);
}

void insert_bands(Database& db, long long sketch_id, const dedup::Sketch& s, const Dedup& cfg) {
    SQLite::Statement ins(db.sql(),
                          "INSERT OR IGNORE INTO sketch_bands (band_key, sketch_id) VALUES (?, ?)");
    for (std::int64_t key : dedup::band_keys(s, cfg.bands, cfg.rows)) {
        ins.bind(1, static_cast<int64_t>(key));
        ins.bind(2, static_cast<int64_t>(sketch_id));
        ins.exec();
        ins.reset();
    }
}

std::optional<dedup::Sketch> read_sketch(SQLite::Statement& q, int shingles_col, int minhash_col) {
    const SQLite::Column blob = q.getColumn(minhash_col);
    std::string_view bytes(static_cast<const char*>(blob.getBlob()),
                           static_cast<size_t>(blob.getBytes()));
    return dedup::decode(bytes, q.getColumn(shingles_col).getInt64());
}

void check_banding(const Dedup& cfg) {
    if (!dedup::valid_banding(cfg.bands, cfg.rows))
        throw StorageError("[dedup] bands = " + std::to_string(cfg.bands) + ", rows = " +
                           std::to_string(cfg.rows) + ": bands * rows must be between 1 and " +
                           std::to_string(dedup::kSignatureSize) + "; fix the configuration");
}

}  // namespace

void ensure_band_layout(Database& db, const Dedup& cfg) {
    check_banding(cfg);
    const std::string want = layout_of(cfg);
    auto have = kv_get(db, kLayoutKey);
    if (have && *have == want) return;
    db.sql().exec("DELETE FROM sketch_bands");
    SQLite::Statement q(db.sql(), "SELECT id, shingles, minhash FROM sketches ORDER BY id");
    while (q.executeStep()) {
        // A signature that cannot be read (damaged row) is left out of the
        // index rather than stopping intake.
        if (auto s = read_sketch(q, 1, 2)) insert_bands(db, q.getColumn(0).getInt64(), *s, cfg);
    }
    kv_set(db, kLayoutKey, want);
}

bool index_sketch(Database& db, const std::string& case_id, const std::string& message_id,
                  const dedup::Sketch& sketch, const Dedup& cfg, TimePoint now) {
    ensure_band_layout(db, cfg);
    SQLite::Statement have(db.sql(),
                           "SELECT shingles, minhash FROM sketches WHERE case_id = ? LIMIT ?");
    have.bind(1, case_id);
    have.bind(2, static_cast<int>(kMaxSketchesPerCase));
    std::size_t count = 0;
    while (have.executeStep()) {
        ++count;
        auto s = read_sketch(have, 0, 1);
        if (s && dedup::jaccard(*s, sketch) >= kRedundantSketch) return false;
    }
    if (count >= kMaxSketchesPerCase) return false;

    SQLite::Statement ins(db.sql(),
                          "INSERT INTO sketches (case_id, message_id, shingles, minhash, "
                          "created_at) VALUES (?, ?, ?, ?, ?)");
    const std::string blob = dedup::encode(sketch);
    ins.bind(1, case_id);
    ins.bind(2, message_id);
    ins.bind(3, static_cast<int64_t>(sketch.shingles));
    ins.bind(4, blob.data(), static_cast<int>(blob.size()));
    ins.bind(5, static_cast<int64_t>(to_unix(now)));
    ins.exec();
    insert_bands(db, db.sql().getLastInsertRowid(), sketch, cfg);
    return true;
}

std::string similar_sketches_sql(std::size_t keys) {
    // Each band key is one seek in sketch_bands' primary key, and the hits are
    // counted on that index alone: reports sharing boilerplate with many
    // others may share a band with hundreds of sketches, but only the best
    // kMaxSketchCandidates signatures are then read from sketches.
    std::string sql =
        "SELECT s.case_id, s.shingles, s.minhash, h.hits FROM (SELECT sketch_id, COUNT(*) AS "
        "hits FROM sketch_bands WHERE band_key IN (";
    for (size_t i = 0; i < keys; ++i) sql += i ? ",?" : "?";
    sql +=
        ") GROUP BY sketch_id ORDER BY hits DESC, sketch_id LIMIT ?) h JOIN sketches s ON s.id = "
        "h.sketch_id ORDER BY h.hits DESC, s.id";
    return sql;
}

std::vector<dedup::Match> find_similar(Database& db, const dedup::Sketch& sketch,
                                       const Dedup& cfg) {
    ensure_band_layout(db, cfg);
    const auto keys = dedup::band_keys(sketch, cfg.bands, cfg.rows);
    SQLite::Statement q(db.sql(), similar_sketches_sql(keys.size()));
    int index = 1;
    for (std::int64_t key : keys) q.bind(index++, static_cast<int64_t>(key));
    q.bind(index, kMaxSketchCandidates);
    std::vector<dedup::Candidate> candidates;
    while (q.executeStep()) {
        if (auto s = read_sketch(q, 1, 2))
            candidates.push_back(dedup::Candidate{q.getColumn(0).getString(), *s});
    }
    return dedup::rank(sketch, candidates, cfg.similarity);
}

int redirect_sketches(Database& db, const std::string& from_case, const std::string& to_case) {
    SQLite::Statement up(db.sql(), "UPDATE sketches SET case_id = ? WHERE case_id = ?");
    up.bind(1, to_case);
    up.bind(2, from_case);
    return up.exec();
}

long long sketch_count(Database& db, const std::string& case_id) {
    SQLite::Statement q(db.sql(), case_id.empty()
                                      ? "SELECT COUNT(*) FROM sketches"
                                      : "SELECT COUNT(*) FROM sketches WHERE case_id = ?");
    if (!case_id.empty()) q.bind(1, case_id);
    q.executeStep();
    return q.getColumn(0).getInt64();
}

}  // namespace embargo::storage
