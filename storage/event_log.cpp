// Hash chain over the events table (SHA-256 via OpenSSL).
#include "storage/event_log.hpp"

#include <openssl/evp.h>

#include <memory>

namespace embargo::storage {
namespace {

const char* kGenesis = "0000000000000000000000000000000000000000000000000000000000000000";

std::string entry_hash(const std::string& prev, long long seq, const Event& e) {
    // Length-prefixed fields: no separator inside a value can forge another split.
    std::string buf = prev;
    auto add = [&](const std::string& v) {
        buf += std::to_string(v.size());
        buf += ':';
        buf += v;
    };
    add(std::to_string(seq));
    add(e.case_id);
    add(std::to_string(to_unix(e.at)));
    add(e.actor);
    add(e.kind);
    add(e.detail);
    add(e.signer);
    return sha256_hex(buf);
}

}  // namespace

std::string sha256_hex(std::string_view data) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), md, &len) != 1)
        throw StorageError("SHA-256 failed in OpenSSL");
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(len * 2);
    for (unsigned i = 0; i < len; ++i) {
        out += hex[md[i] >> 4];
        out += hex[md[i] & 15];
    }
    return out;
}

void append_event(Database& db, const Event& e) {
    SQLite::Statement last(db.sql(), "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1");
    long long seq = 1;
    std::string prev = kGenesis;
    if (last.executeStep()) {
        seq = last.getColumn(0).getInt64() + 1;
        prev = last.getColumn(1).getString();
    }
    SQLite::Statement ins(db.sql(),
                          "INSERT INTO events (seq, case_id, at, actor, kind, detail, signer, "
                          "prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?)");
    ins.bind(1, static_cast<int64_t>(seq));
    ins.bind(2, e.case_id);
    ins.bind(3, static_cast<int64_t>(to_unix(e.at)));
    ins.bind(4, e.actor);
    ins.bind(5, e.kind);
    ins.bind(6, e.detail);
    ins.bind(7, e.signer);
    ins.bind(8, prev);
    ins.bind(9, entry_hash(prev, seq, e));
    ins.exec();
}

std::vector<Event> case_events(Database& db, const std::string& case_id) {
    SQLite::Statement q(db.sql(),
                        "SELECT seq, case_id, at, actor, kind, detail, signer FROM events "
                        "WHERE case_id = ? ORDER BY seq");
    q.bind(1, case_id);
    std::vector<Event> out;
    while (q.executeStep()) {
        out.push_back(Event{q.getColumn(0).getInt64(), q.getColumn(1).getString(),
                            from_unix(q.getColumn(2).getInt64()), q.getColumn(3).getString(),
                            q.getColumn(4).getString(), q.getColumn(5).getString(),
                            q.getColumn(6).getString()});
    }
    return out;
}

AuditResult audit_events(Database& db) {
    SQLite::Statement q(db.sql(),
                        "SELECT seq, case_id, at, actor, kind, detail, signer, prev_hash, hash "
                        "FROM events ORDER BY seq");
    AuditResult r;
    std::string prev = kGenesis;
    long long expected_seq = 1;
    while (q.executeStep()) {
        Event e{q.getColumn(0).getInt64(),
                q.getColumn(1).getString(),
                from_unix(q.getColumn(2).getInt64()),
                q.getColumn(3).getString(),
                q.getColumn(4).getString(),
                q.getColumn(5).getString(),
                q.getColumn(6).getString()};
        std::string stored_prev = q.getColumn(7).getString();
        std::string stored_hash = q.getColumn(8).getString();
        auto fail = [&](std::string why) {
            r.ok = false;
            r.broken_seq = e.seq;
            r.reason = std::move(why);
        };
        if (e.seq != expected_seq) {
            fail("entry " + std::to_string(expected_seq) + " is missing (next entry is " +
                 std::to_string(e.seq) + ")");
        } else if (stored_prev != prev) {
            fail("entry " + std::to_string(e.seq) + " does not link to the entry before it");
        } else if (entry_hash(prev, e.seq, e) != stored_hash) {
            fail("entry " + std::to_string(e.seq) + " was altered (its hash does not match)");
        }
        if (!r.ok) return r;
        prev = stored_hash;
        ++expected_seq;
        ++r.checked;
    }
    return r;
}

}  // namespace embargo::storage
