// Mapping [imap] and [smtp] to the clients' settings.
#include "daemon/mail_settings.hpp"

namespace embargo::daemon {

imap::Settings imap_settings(const Config& cfg) {
    imap::Settings s;
    s.url = cfg.imap.url;
    s.username = cfg.imap.username;
    s.password = cfg.imap.password;
    s.starttls = cfg.imap.starttls;
    s.ca_file = cfg.imap.ca_file;
    s.timeout = cfg.imap.timeout;
    return s;
}

smtp::Settings smtp_settings(const Config& cfg) {
    smtp::Settings s;
    s.url = cfg.smtp.url;
    s.username = cfg.smtp.username;
    s.password = cfg.smtp.password;
    s.starttls = cfg.smtp.starttls;
    s.ca_file = cfg.smtp.ca_file;
    s.timeout = cfg.smtp.timeout;
    s.helo_domain = cfg.project.domain.empty() ? "localhost" : cfg.project.domain;
    return s;
}

}  // namespace embargo::daemon
