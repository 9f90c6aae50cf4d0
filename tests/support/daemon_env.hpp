// A throwaway installation for integration tests: a private Dovecot, an SMTP
// sink, a team keyring with a generated team key, members with their own
// keys, a config file, and helpers to run the real embargod and embargoctl.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/dovecot.hpp"
#include "tests/support/gpg_home.hpp"
#include "tests/support/process.hpp"
#include "tests/support/smtp_sink.hpp"
#include "tests/support/tempdir.hpp"

namespace embargo::test {

struct Person {
    std::string name;
    std::string email;
    std::string fpr;  // key in DaemonEnv::people()
    std::string header() const { return name + " <" + email + ">"; }
};

struct DaemonEnvOptions {
    int members = 3;                  // alice, bob, carol, dave, ...
    std::vector<std::string> away;    // "bob@example.org 2026-12-20 2027-01-05"
    bool smtp = true;                 // start an SMTP sink
    bool require_signed_commands = true;
    std::string encrypt = "required";
    std::string extra;                // appended to the config file verbatim
    std::string limits;               // lines for [limits]
    std::string gpg;                  // more lines for [gpg]
};

class DaemonEnv {
public:
    explicit DaemonEnv(DaemonEnvOptions o = {});
    ~DaemonEnv();

    Dovecot& imap() { return *imap_; }
    SmtpSink& smtp() { return *smtp_; }
    GpgHome& team_home() { return *team_home_; }  // the daemon's keyring
    GpgHome& people() { return *people_; }        // everyone else's secret keys
    const std::string& dir() const { return dir_.path(); }
    const std::string& config_path() const { return config_; }
    std::string db_path() const { return dir_.path() + "/embargo.db"; }
    const std::string& team_fpr() const { return team_fpr_; }
    const std::vector<Person>& members() const { return members_; }

    // A person outside the team with a key in people() (not known to the daemon).
    Person make_person(const std::string& name, const std::string& email);

    void deliver(const std::string& raw, const std::string& iso_internaldate = {});
    RunResult embargod(const std::vector<std::string>& args);
    // embargod --once [--now now]; REQUIREs exit 0 unless expect_code is given.
    RunResult run_once(const std::string& now = {}, int expect_code = 0);
    RunResult ctl(const std::vector<std::string>& args);
    nlohmann::json ctl_json(const std::vector<std::string>& args);
    nlohmann::json show(const std::string& case_id) { return ctl_json({"show", case_id}); }
    nlohmann::json cases(bool all = false);

    void write_config();  // rewrite from opts_ (tests may change them)
    DaemonEnvOptions opts;

private:
    TempDir dir_;
    std::unique_ptr<Dovecot> imap_;
    std::unique_ptr<SmtpSink> smtp_;
    std::unique_ptr<GpgHome> team_home_;
    std::unique_ptr<GpgHome> people_;
    std::string team_fpr_;
    std::vector<Person> members_;
    std::string config_;
};

}  // namespace embargo::test
