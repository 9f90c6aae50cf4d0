// A private Dovecot IMAP server for one test: own temp dir, own loopback
// port(s), user "secalert" / "secret", Maildir storage. Works as root (mail
// owned by the dovecot user) and unprivileged (everything runs as the caller).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/time.hpp"
#include "tests/support/tempdir.hpp"

namespace embargo::test {

struct DovecotOptions {
    // Also serve TLS: STARTTLS on port() and implicit TLS on tls_port(), with a
    // fresh self-signed certificate for IP 127.0.0.1 (see ca_file()).
    bool tls = false;
};

class Dovecot {
  public:
    // dovecot and doveadm are installed (tests skip themselves otherwise).
    static bool available();
    Dovecot() : Dovecot(DovecotOptions{}) {}
    explicit Dovecot(DovecotOptions options);  // started when it returns
    ~Dovecot();                                // stopped, temp dir removed
    Dovecot(const Dovecot&) = delete;
    Dovecot& operator=(const Dovecot&) = delete;

    int port() const { return port_; }
    int tls_port() const { return tls_port_; }  // 0 without DovecotOptions::tls
    // imap://127.0.0.1:PORT/MAILBOX
    std::string url(const std::string& mailbox = "INBOX") const;
    // imaps://127.0.0.1:TLS_PORT/MAILBOX (needs DovecotOptions::tls)
    std::string imaps_url(const std::string& mailbox = "INBOX") const;
    std::string ca_file() const;  // the self-signed certificate (needs tls)
    std::string user() const { return "secalert"; }
    std::string password() const { return "secret"; }
    // A 0600 file holding the password, without trailing newline.
    std::string password_file() const;
    const std::string& dir() const { return dir_.path(); }

    // Puts a message straight into the Maildir (tmp/ then rename into new/),
    // with its mtime as INTERNALDATE (default: now). Creates the mailbox if
    // needed. Works whether or not the server is running.
    void deliver(const std::string& raw, std::optional<TimePoint> internaldate = {},
                 const std::string& mailbox = "INBOX");
    // Messages in the mailbox (files in new/ and cur/).
    std::size_t count(const std::string& mailbox = "INBOX");
    // Gives the mailbox a new UIDVALIDITY (doveadm mailbox update); returns it.
    std::uint32_t change_uidvalidity(const std::string& mailbox = "INBOX");
    // Makes the next message delivered get at least this UID (sparse UIDs
    // without delivering thousands of messages).
    void set_next_uid(std::uint32_t uid, const std::string& mailbox = "INBOX");
    // Current UIDVALIDITY as doveadm reports it.
    std::uint32_t uidvalidity(const std::string& mailbox = "INBOX");

    // Kills the server (all its processes) and waits until they are gone.
    void stop();
    // Starts it again on the same port(s) with the same mail.
    void start();
    bool running() const { return pid_ > 0; }

  private:
    std::string maildir(const std::string& mailbox) const;
    void write_config();
    // Starts once; false when the port was taken (caller may retry).
    bool try_start(std::string& error);

    DovecotOptions options_;
    TempDir dir_;
    int port_ = 0;
    int tls_port_ = 0;
    pid_t pid_ = -1;
    bool root_ = false;
    unsigned long counter_ = 0;
};

}  // namespace embargo::test
