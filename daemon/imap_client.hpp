// IMAP client for the report mailbox: one reused libcurl connection that reads
// mailbox status, lists new UIDs, fetches messages byte-exact under a size cap
// and files processed mail into another mailbox.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/time.hpp"

namespace embargo::imap {

struct Settings {
    // imap://host[:port]/MAILBOX or imaps://...; the mailbox defaults to INBOX.
    // Must not contain credentials, a query or ';' parameters.
    std::string url;
    std::string username, password;
    // imap:// with STARTTLS required (CURLUSESSL_ALL). Plain imap:// without it
    // is refused unless the host is a loopback address.
    bool starttls = false;
    // Extra CA file. Certificate and host name checks are always on.
    std::string ca_file;
    // Connect, server-response and low-speed timeout: a stalled server must not
    // hang the daemon. One operation may take at most 10 times this long.
    std::chrono::seconds timeout{60};
};

struct MailboxStatus {
    std::uint32_t uidvalidity = 0;
    std::uint32_t uidnext = 0;
    std::uint32_t messages = 0;
};

struct MessageInfo {
    std::uint32_t uid = 0;
    TimePoint internaldate{};
    std::uint64_t size = 0;
};

// Any failure talking to the server. The message names the operation, the
// server (host:port, never credentials) and what to check.
class ImapError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// fetch()/fetch_header() aborted because the message is larger than allowed.
class ImapTooLarge : public ImapError {
  public:
    ImapTooLarge(const std::string& what, std::uint64_t size, std::size_t limit,
                 std::size_t buffered)
        : ImapError(what), size_(size), limit_(limit), buffered_(buffered) {}
    // Size the server announced for the message (0 if it announced none).
    std::uint64_t size() const { return size_; }
    std::size_t limit() const { return limit_; }
    // Bytes held in memory when the transfer was aborted (never above limit()).
    std::size_t buffered() const { return buffered_; }

  private:
    std::uint64_t size_;
    std::size_t limit_;
    std::size_t buffered_;
};

// fetch()/fetch_header() of a UID the mailbox does not hold (expunged or moved
// by someone else since it was listed).
class ImapNoSuchMessage : public ImapError {
  public:
    using ImapError::ImapError;
};

// Not thread-safe: one Client per thread. After any failure the connection is
// dropped and the next call connects again.
class Client {
  public:
    // Validates the settings (throws ImapError); does not connect yet.
    explicit Client(Settings s);
    ~Client();
    Client(Client&&) noexcept;
    Client& operator=(Client&&) noexcept;
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // STATUS <mailbox> (UIDVALIDITY UIDNEXT MESSAGES).
    MailboxStatus status();

    // UIDs >= first_uid, ascending. Sends NOOP first so mail delivered since the
    // mailbox was selected on this connection is seen.
    std::vector<std::uint32_t> uids_from(std::uint32_t first_uid);

    // UID, INTERNALDATE and RFC822.SIZE of the given UIDs, sorted by UID. UIDs
    // the mailbox no longer holds are missing from the result. Large sets are
    // sent in batches.
    std::vector<MessageInfo> info(const std::vector<std::uint32_t>& uids);

    // The message's exact bytes (BODY[]; marks it \Seen). Throws ImapTooLarge
    // without buffering more than max_bytes, ImapNoSuchMessage for unknown UIDs.
    std::string fetch(std::uint32_t uid, std::size_t max_bytes);

    // Only the header block (BODY[HEADER], including the blank line), same cap.
    std::string fetch_header(std::uint32_t uid, std::size_t max_bytes);

    // Moves the message into `mailbox`, creating that mailbox first if missing.
    void move(std::uint32_t uid, const std::string& mailbox);

    // Connects, authenticates and selects the mailbox (embargoctl check).
    void login_check();

    // "host:port" of the server, for messages.
    const std::string& server() const;
    // The configured mailbox name (decoded from the URL).
    const std::string& mailbox() const;

    struct State;  // libcurl handle and per-call buffers (imap_client.cpp)

  private:
    std::unique_ptr<State> st_;
};

}  // namespace embargo::imap
