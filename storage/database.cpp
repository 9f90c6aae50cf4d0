// Opening the database with owner-only permissions and applying migrations.
#include "storage/database.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "storage/schema.hpp"

namespace embargo::storage {

int latest_schema_version() {
    return static_cast<int>(migrations().size());
}

Database::Database(const std::string& path, bool create) : path_(path) {
    if (create) {
        // Create the file ourselves so it is 0600 from the first byte; SQLite
        // gives the -wal and -shm files the same mode.
        int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
            throw StorageError("database " + path +
                               ": cannot create or open: " + std::strerror(errno) +
                               " (check [storage] database and the directory)");
        ::close(fd);
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw StorageError("database " + path + ": " + std::strerror(errno));
    if ((st.st_mode & 077) != 0 && st.st_uid == ::geteuid()) ::chmod(path.c_str(), 0600);
    try {
        db_ = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE);
        db_->setBusyTimeout(kBusyTimeoutMs);
        db_->exec("PRAGMA journal_mode=WAL");
        db_->exec("PRAGMA synchronous=FULL");
        db_->exec("PRAGMA foreign_keys=ON");
        migrate();
    } catch (const SQLite::Exception& e) {
        throw StorageError("database " + path + ": " + e.what() +
                           " (is it a database of embargo, and writable by this user?)");
    }
}

bool is_unavailable(const SQLite::Exception& e) {
    switch (e.getErrorCode() & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_NOMEM:
        case SQLITE_READONLY:
        case SQLITE_IOERR:
        case SQLITE_CORRUPT:
        case SQLITE_FULL:
        case SQLITE_CANTOPEN:
        case SQLITE_PROTOCOL:
        case SQLITE_NOTADB:
        case SQLITE_PERM:
            return true;
        default:
            return false;
    }
}

DatabaseUnavailable unavailable(const std::string& path, const SQLite::Exception& e) {
    std::string what = "database " + path + ": " + e.what();
    switch (e.getErrorCode() & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            what += " (another process held a write lock for more than " +
                    std::to_string(kBusyTimeoutMs / 1000) + " s; find it with `fuser " + path +
                    "`; nothing is lost, the next cycle retries)";
            break;
        case SQLITE_FULL:
            what +=
                " (the disk holding it is full; free space there; nothing is lost, the next "
                "cycle retries)";
            break;
        case SQLITE_IOERR:
            what +=
                " (I/O error: check the disk and free space; nothing is lost, the next cycle "
                "retries)";
            break;
        case SQLITE_READONLY:
        case SQLITE_PERM:
        case SQLITE_CANTOPEN:
            what += " (not writable: check the file's and its directory's owner and mode)";
            break;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            what += " (damaged: stop embargod and restore the last backup)";
            break;
        default:
            break;
    }
    return DatabaseUnavailable(what);
}

int Database::schema_version() {
    return db_->execAndGet("PRAGMA user_version").getInt();
}

void Database::migrate() {
    int have = schema_version();
    const auto& list = migrations();
    if (have > static_cast<int>(list.size()))
        throw StorageError("database " + path_ + " has schema version " + std::to_string(have) +
                           ", newer than this embargo (" + std::to_string(list.size()) +
                           "): upgrade embargo");
    for (int v = have; v < static_cast<int>(list.size()); ++v) {
        SQLite::Transaction tx(*db_, SQLite::TransactionBehavior::IMMEDIATE);
        // Another process may have migrated while we waited for the lock.
        if (schema_version() > v) continue;
        db_->exec(std::string(list[static_cast<size_t>(v)]));
        db_->exec("PRAGMA user_version=" + std::to_string(v + 1));
        tx.commit();
    }
}

}  // namespace embargo::storage
