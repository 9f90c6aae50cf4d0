// The SQLite database: opening it safely (0600, WAL, busy timeout), schema
// migrations, and write transactions. All tables are defined in schema.cpp.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace embargo::storage {

class StorageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The database file itself cannot be used right now: locked by another
// process past the busy timeout, disk full, I/O error, read-only, damaged.
// No message is at fault: the cycle stops and everything is retried later.
class DatabaseUnavailable : public StorageError {
  public:
    using StorageError::StorageError;
};

// Whether a SQLite error is about the database file rather than the data.
bool is_unavailable(const SQLite::Exception& e);
// DatabaseUnavailable naming the file, what went wrong and what to do.
DatabaseUnavailable unavailable(const std::string& path, const SQLite::Exception& e);

// How long a write waits for another process's lock before giving up.
constexpr int kBusyTimeoutMs = 10000;

class Database {
  public:
    // Opens (creating when `create`) the database file with mode 0600 and
    // brings its schema up to date. Throws StorageError naming the file.
    explicit Database(const std::string& path, bool create = true);

    SQLite::Database& sql() { return *db_; }
    const std::string& path() const { return path_; }
    int schema_version();

    // BEGIN IMMEDIATE: a writer takes the lock up front so two processes
    // (daemon and embargoctl) never deadlock upgrading read locks.
    SQLite::Transaction write_transaction() {
        return SQLite::Transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    }

  private:
    void migrate();
    std::string path_;
    std::unique_ptr<SQLite::Database> db_;
};

// Current schema version after all migrations.
int latest_schema_version();

}  // namespace embargo::storage
