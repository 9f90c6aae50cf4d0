// Outgoing mail: an SMTP client on libcurl that keeps one connection open
// across sends and reports failures as SmtpError, telling transient problems
// (retry later) from permanent refusals of a message.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace embargo::smtp {

struct Settings {
    std::string url;                 // smtps://host[:port] or smtp://host:port
    std::string username, password;  // AUTH when username is set
    bool starttls = false;           // smtp:// + STARTTLS required
    std::string ca_file;             // extra CA; certificate and host checks are always on
    std::string helo_domain = "localhost";
    std::chrono::seconds timeout{60};  // connect, each server reply, and one whole send
};

// What a failure was, for the outbox's retry decision and for humans.
class SmtpError : public std::runtime_error {
  public:
    SmtpError(const std::string& what, int code, bool permanent)
        : std::runtime_error(what), code_(code), permanent_(permanent) {}
    // True when the server refused this message with a 5xx reply to MAIL,
    // RCPT or DATA (530 excepted: that is about login/TLS), or when send() got
    // no recipients or an address that is not a plain one (checked before
    // connecting): sending the same message again cannot succeed. Everything
    // else (connection, TLS, timeouts, AUTH, 4xx, settings) may succeed later.
    bool permanent() const { return permanent_; }
    // The server's SMTP reply code for the failure, 0 when there was none
    // (connection refused, timeout, TLS failure, bad settings).
    int code() const { return code_; }

  private:
    int code_;
    bool permanent_;
};

// One SMTP connection, reused between sends while they succeed. Not thread-safe:
// use one Client per thread.
class Client {
  public:
    // Validates the settings; throws SmtpError (not permanent, code 0) when they
    // cannot work: wrong scheme, credentials in the URL, a HELO domain that is
    // not a host name, or a password that would cross the network in clear text.
    explicit Client(Settings s);
    ~Client();
    Client(Client&&) noexcept;
    Client& operator=(Client&&) noexcept;
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Sends one message. `envelope_from` empty means the null sender "<>";
    // `message` is the complete RFC 5322 message: bare LF or CR line ends are
    // sent as CRLF, and dot-stuffing is done here. A message not ending in CRLF
    // gets one. Throws SmtpError; after any failure the next send starts on a
    // fresh connection. After a timeout once the body was sent, the server may
    // or may not have accepted the message.
    void send(const std::string& envelope_from, const std::vector<std::string>& recipients,
              std::string_view message);

    // Connects, says EHLO, STARTTLS and AUTH as configured, then QUIT (for
    // `embargoctl check`). Uses its own connection. Throws SmtpError.
    void check();

    // "host:port" of the server, for log lines.
    const std::string& server() const { return server_; }

  private:
    struct Handle;
    Settings settings_;
    std::string curl_url_;  // settings_.url with the HELO domain as path
    std::string server_;
    std::unique_ptr<Handle> handle_;  // null: the next send connects afresh
};

}  // namespace embargo::smtp
