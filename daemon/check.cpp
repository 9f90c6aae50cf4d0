// Health checks for operators (config was already validated by loading it).
#include "daemon/check.hpp"

#include <sys/stat.h>

#include "crypto/gpg.hpp"
#include "daemon/forge_client.hpp"
#include "daemon/mail_settings.hpp"
#include "storage/database.hpp"

namespace embargo::daemon {

bool run_checks(const Config& cfg, TimePoint now, std::ostream& out) {
    bool ok = true;
    auto line = [&](bool good, const std::string& what, const std::string& detail) {
        out << (good ? "ok    " : "FAIL  ") << what << (detail.empty() ? "" : ": " + detail)
            << "\n";
        ok = ok && good;
    };
    line(true, "configuration " + cfg.path, "");
    try {
        storage::Database db(cfg.storage.database, true);
        db.sql().exec("CREATE TEMP TABLE embargo_check (x)");
        line(true, "database " + cfg.storage.database,
             "schema " + std::to_string(db.schema_version()) + ", writable");
    } catch (const std::exception& e) {
        line(false, "database " + cfg.storage.database, e.what());
    }
    struct stat st {};
    if (::stat(cfg.gpg.homedir.c_str(), &st) != 0) {
        line(false, "gpg homedir " + cfg.gpg.homedir, "missing: create it and import the team key");
    } else {
        if ((st.st_mode & 077) != 0)
            line(false, "gpg homedir " + cfg.gpg.homedir, "readable by others: chmod 700 it");
        try {
            crypto::Gpg gpg(cfg.gpg.homedir);
            for (size_t i = 0; i < cfg.gpg.keys.size(); ++i) {
                const auto& fpr = cfg.gpg.keys[i];
                auto k = gpg.key(fpr, true);
                if (!k) {
                    line(false, "team key " + fpr, "no secret key in the homedir: import it");
                } else if (k->expires && *k->expires < now + std::chrono::days{30}) {
                    line(*k->expires > now, "team key " + fpr,
                         "expires " + format_iso8601(*k->expires) + ": extend or rotate it");
                } else {
                    line(true, "team key " + fpr,
                         i == 0 ? "secret key present (signs)" : "secret key present");
                }
            }
            for (const auto& m : cfg.team.members) {
                auto k = gpg.key(m.fingerprint, false);
                if (!k) {
                    line(false, "member key " + m.email,
                         m.fingerprint + " not in the keyring: import it");
                } else if (k->expires && *k->expires < now + std::chrono::days{30}) {
                    out << "WARN  member key " << m.email << ": expires "
                        << format_iso8601(*k->expires) << "\n";
                } else {
                    line(true, "member key " + m.email, m.fingerprint);
                }
            }
        } catch (const std::exception& e) {
            line(false, "gpg", e.what());
        }
    }
    try {
        // The configured [imap] timeout, so check waits as long as the daemon would.
        imap::Client c(imap_settings(cfg));
        c.login_check();
        auto s = c.status();
        line(true, "IMAP " + cfg.imap.url,
             "logged in, " + std::to_string(s.messages) + " messages, UIDVALIDITY " +
                 std::to_string(s.uidvalidity));
    } catch (const std::exception& e) {
        line(false, "IMAP " + cfg.imap.url, e.what());
    }
    try {
        smtp::Client c(smtp_settings(cfg));
        c.check();
        line(true, "SMTP " + cfg.smtp.url,
             cfg.smtp.username.empty() ? "greeting ok" : "greeting and AUTH ok");
    } catch (const std::exception& e) {
        line(false, "SMTP " + cfg.smtp.url, e.what());
    }
    if (cfg.forge.enabled()) {
        // The call the daemon depends on most (reading the repository's
        // advisories needs the same access as drafting one), with the token.
        const std::string what = "forge " + cfg.forge.api_url + " " + cfg.forge.repository();
        try {
            forge_http::Settings s{cfg.forge.api_url, cfg.forge.token, cfg.forge.ca_file,
                                   cfg.forge.timeout};
            forge_http::call(s, "GET",
                             "/repos/" + cfg.forge.repository() + "/security-advisories?per_page=1",
                             "", {}, "forge");
            line(true, what, "token accepted, security advisories readable");
        } catch (const std::exception& e) {
            line(false, what, e.what());
        }
    }
    return ok;
}

}  // namespace embargo::daemon
