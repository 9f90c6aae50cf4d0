// Integration-test installation of embargo.
#include "tests/support/daemon_env.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

namespace embargo::test {
namespace {
const char* kNames[] = {"Alice", "Bob", "Carol", "Dave", "Erin", "Frank"};
}

DaemonEnv::DaemonEnv(DaemonEnvOptions o) : opts(std::move(o)) {
    imap_ = std::make_unique<Dovecot>();
    if (opts.smtp) smtp_ = std::make_unique<SmtpSink>();
    team_home_ = std::make_unique<GpgHome>();
    people_ = std::make_unique<GpgHome>();
    team_fpr_ = team_home_->make_key("Example Security Team <secalert@example.org>");
    people_->import(team_home_->export_public(team_fpr_));
    for (int i = 0; i < opts.members && i < 6; ++i) {
        std::string name = kNames[i];
        std::string lower = name;
        lower[0] = static_cast<char>(std::tolower(lower[0]));
        Person p{name + " Example", lower + "@example.org", ""};
        p.fpr = people_->make_key(p.header());
        team_home_->import(people_->export_public(p.fpr));
        members_.push_back(p);
    }
    config_ = dir_.path() + "/embargo.conf";
    write_config();
}

DaemonEnv::~DaemonEnv() = default;

Person DaemonEnv::make_person(const std::string& name, const std::string& email) {
    Person p{name, email, ""};
    p.fpr = people_->make_key(p.header());
    return p;
}

void DaemonEnv::write_config() {
    std::string c;
    c += "[project]\nname = Example Proxy\ncase_prefix = EMST\nsupported = 1.13\nsupported = 1.12\n"
         "main_branch = master\ndomain = example.org\n\n";
    c += "[imap]\nurl = " + imap_->url() + "\nusername = " + imap_->user() +
         "\npassword_file = " + imap_->password_file() + "\npoll_interval = 1\n\n";
    c += "[smtp]\nurl = " + (smtp_ ? smtp_->url() : std::string("smtp://127.0.0.1:9")) +
         "\nfrom = Example Security Team <secalert@example.org>\n\n";
    c += "[gpg]\nhomedir = " + team_home_->path() + "\nkey = " + team_fpr_ +
         "\nencrypt = " + opts.encrypt + "\n" + opts.gpg + "\n";
    c += "[team]\n";
    for (const auto& m : members_) c += "member = " + m.header() + " " + m.fpr + "\n";
    for (const auto& a : opts.away) c += "away = " + a + "\n";
    c += std::string("require_signed_commands = ") +
         (opts.require_signed_commands ? "true" : "false") + "\n";
    c += "announce = users@lists.example.org\nretrospective = dev@lists.example.org\n\n";
    c += "[storage]\ndatabase = " + db_path() + "\n\n";
    if (!opts.limits.empty()) c += "[limits]\n" + opts.limits + "\n\n";
    c += opts.extra;
    write_file(config_, c, 0600);
}

void DaemonEnv::deliver(const std::string& raw, const std::string& iso_internaldate) {
    if (iso_internaldate.empty()) {
        imap_->deliver(raw);
    } else {
        auto t = parse_iso8601(iso_internaldate);
        REQUIRE(t);
        imap_->deliver(raw, *t);
    }
}

RunResult DaemonEnv::embargod(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {built_binary("embargod"), "--config", config_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
}

RunResult DaemonEnv::run_once(const std::string& now, int expect_code) {
    std::vector<std::string> args = {"--once", "--log-level", "debug"};
    if (!now.empty()) {
        args.push_back("--now");
        args.push_back(now);
    }
    auto r = embargod(args);
    INFO("embargod stderr:\n" << r.err);
    REQUIRE(r.exit_code == expect_code);
    return r;
}

RunResult DaemonEnv::ctl(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {built_binary("embargoctl"), "--config", config_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
}

nlohmann::json DaemonEnv::ctl_json(const std::vector<std::string>& args) {
    auto a = args;
    a.push_back("--json");
    auto r = ctl(a);
    INFO("embargoctl " << args[0] << " stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
}

nlohmann::json DaemonEnv::cases(bool all) {
    return all ? ctl_json({"cases", "--all"}) : ctl_json({"cases"});
}

}  // namespace embargo::test
