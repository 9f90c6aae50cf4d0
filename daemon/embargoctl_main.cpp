// embargoctl: the operator's view of cases, rotation, outbox, quarantine and
// the event log, plus health checks and backups (SPEC section 2).
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <SQLiteCpp/Backup.h>
#include <boost/program_options.hpp>
#include <iostream>

#include "daemon/case_json.hpp"
#include "daemon/check.hpp"
#include "daemon/cli.hpp"
#include "storage/case_store.hpp"
#include "storage/database.hpp"
#include "storage/event_log.hpp"

namespace po = boost::program_options;
using namespace embargo;

namespace {

const char* kUsage =
    "usage: embargoctl --config FILE COMMAND [--json]\n"
    "commands:\n"
    "  cases [--all]      open cases (all with --all)\n"
    "  show CASE          one case with milestones, people, events and messages\n"
    "  rotation           rotation order, who is away, who is next\n"
    "  outbox             notifications not yet delivered\n"
    "  quarantine         messages that could not be processed\n"
    "  audit              verify the hash chain of the event log\n"
    "  check              validate configuration, keys, database, IMAP and SMTP\n"
    "  backup FILE        consistent copy of the live database\n";

std::string table_time(const std::optional<TimePoint>& t) {
    return t ? format_iso8601(*t) : std::string("-");
}

void print_cases_table(storage::Database& db, const std::vector<Case>& cases, TimePoint now) {
    if (cases.empty()) {
        std::cout << "no cases\n";
        return;
    }
    std::printf("%-16s %-10s %-22s %-8s %-7s %s\n", "CASE", "STATE", "LEAD", "REPORTS", "FLAGS",
                "NEXT DUE");
    for (const auto& c : cases) {
        auto counts = storage::case_counts(db, c.id);
        std::optional<TimePoint> next;
        std::string next_name;
        for (const auto& m : c.milestones)
            if (!m.done && m.due && (!next || *m.due < *next)) {
                next = m.due;
                next_name = std::string(to_string(m.name));
            }
        std::string due = next ? next_name + " " + table_time(next) +
                                     (*next < now && is_open(c.state) ? " OVERDUE" : "")
                               : "-";
        std::printf("%-16s %-10s %-22s %-8d %-7zu %s\n", c.id.c_str(),
                    std::string(to_string(c.state)).c_str(), c.lead.c_str(), counts.reports,
                    c.flags.size(), is_open(c.state) ? due.c_str() : "-");
    }
}

int run(int argc, char** argv) {
    std::string config_path, now_str;
    bool json = false, all = false;
    std::vector<std::string> args;
    po::options_description opts("options");
    opts.add_options()("help,h", "show help")("config,c", po::value(&config_path), "config file")(
        "json", po::bool_switch(&json), "machine-readable output")(
        "all", po::bool_switch(&all), "with cases: include closed cases")(
        "now", po::value(&now_str), "current time (ISO 8601) for overdue computations")(
        "args", po::value(&args)->composing(), "command and its arguments");
    po::positional_options_description pos;
    pos.add("args", -1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw cli::ExitRequest{cli::kUsage, std::string("embargoctl: ") + e.what() + "\n" + kUsage};
    }
    if (vm.count("help")) {
        std::cout << kUsage;
        return 0;
    }
    if (args.empty())
        throw cli::ExitRequest{cli::kUsage, std::string("embargoctl: no command\n") + kUsage};
    if (config_path.empty())
        throw cli::ExitRequest{cli::kUsage, "embargoctl: --config FILE is required"};
    const std::string cmd = args[0];
    auto need_args = [&](size_t n, const char* what) {
        if (args.size() != n + 1)
            throw cli::ExitRequest{cli::kUsage,
                                   "embargoctl " + cmd + ": expected " + what + "\n" + kUsage};
    };
    cli::setup_logging("warn", "embargoctl");
    auto fixed_now = cli::parse_now_or_exit(now_str);
    TimePoint now = fixed_now.value_or(std::chrono::floor<std::chrono::seconds>(Clock::now()));
    ::umask(077);
    Config cfg = cli::load_or_exit(config_path);

    if (cmd == "check") {
        need_args(0, "no arguments");
        return daemon::run_checks(cfg, now, std::cout) ? 0 : 1;
    }

    std::unique_ptr<storage::Database> dbp;
    try {
        dbp = std::make_unique<storage::Database>(cfg.storage.database, /*create=*/false);
    } catch (const std::exception& e) {
        throw cli::ExitRequest{cli::kRuntime, std::string("embargoctl: ") + e.what()};
    }
    auto& db = *dbp;

    if (cmd == "cases") {
        need_args(0, "no arguments");
        auto cases = storage::list_cases(db, all);
        if (json) {
            auto arr = nlohmann::ordered_json::array();
            for (const auto& c : cases) arr.push_back(daemon::case_json(db, c, now, false));
            std::cout << arr.dump(2) << "\n";
        } else {
            print_cases_table(db, cases, now);
        }
    } else if (cmd == "show") {
        need_args(1, "a case id");
        auto c = storage::load_case(db, args[1]);
        if (!c)
            throw cli::ExitRequest{cli::kRuntime, "embargoctl show: no case " + args[1] +
                                                      " (see embargoctl cases --all)"};
        auto j = daemon::case_json(db, *c, now, true);
        if (json) {
            std::cout << j.dump(2) << "\n";
        } else {
            std::cout << c->id << "  " << to_string(c->state) << "\n"
                      << "  subject:   " << c->subject << "\n"
                      << "  received:  " << format_iso8601(c->received_at) << "\n"
                      << "  lead:      " << c->lead << "\n"
                      << "  reporters: " << daemon::human_list(j["reporters"]) << "\n"
                      << "  fix team:  " << daemon::human_list(j["fix_team"]) << "\n"
                      << "  flags:     " << daemon::human_list(j["flags"]) << "\n";
            if (const auto& a = j["advisory"]; !a.is_null()) {
                std::cout << "  advisory:  " << a["ghsa_id"].get<std::string>() << "  "
                          << a["url"].get<std::string>() << "\n";
                if (!a["fork_url"].is_null())
                    std::cout << "  fork:      " << a["fork_url"].get<std::string>() << "\n";
            }
            std::cout << "  milestones:\n";
            for (const auto& m : c->milestones)
                std::printf("    %-14s due %-21s done %s%s\n",
                            std::string(to_string(m.name)).c_str(), table_time(m.due).c_str(),
                            table_time(m.done).c_str(),
                            is_open(c->state) && m.overdue(now) ? "  OVERDUE" : "");
            std::cout << "  events:\n";
            for (const auto& e : j["events"])
                std::cout << "    " << e["at"].get<std::string>() << "  "
                          << e["actor"].get<std::string>() << "  " << e["kind"].get<std::string>()
                          << "  " << e["detail"].get<std::string>() << "\n";
        }
    } else if (cmd == "rotation") {
        need_args(0, "no arguments");
        auto j = daemon::rotation_json(db, cfg, now);
        if (json) {
            std::cout << j.dump(2) << "\n";
        } else {
            std::cout << "order: " << daemon::human_list(j["order"])
                      << "\naway:  " << daemon::human_list(j["away"])
                      << "\nnext:  " << (j["next"].is_null() ? "-" : j["next"].get<std::string>())
                      << "\n";
        }
    } else if (cmd == "outbox") {
        need_args(0, "no arguments");
        auto j = daemon::outbox_json(db);
        if (json) {
            std::cout << j.dump(2) << "\n";
        } else if (j.empty()) {
            std::cout << "outbox empty: every notification was delivered\n";
        } else {
            for (const auto& o : j)
                std::cout << o["message_id"].get<std::string>() << "  "
                          << o["case"].get<std::string>() << "  " << o["kind"].get<std::string>()
                          << "  " << o["to"].get<std::string>() << "  attempts "
                          << o["attempts"].get<int>() << (o["parked"].get<bool>() ? "  PARKED" : "")
                          << "\n";
        }
    } else if (cmd == "quarantine") {
        need_args(0, "no arguments");
        auto j = daemon::quarantine_json(db);
        if (json) {
            std::cout << j.dump(2) << "\n";
        } else if (j.empty()) {
            std::cout << "quarantine empty\n";
        } else {
            for (const auto& q : j)
                std::cout << "uid " << q["uid"].get<long long>() << "  attempts "
                          << q["attempts"].get<int>() << "  " << q["error"].get<std::string>()
                          << "\n";
        }
    } else if (cmd == "audit") {
        need_args(0, "no arguments");
        auto r = storage::audit_events(db);
        if (json) {
            nlohmann::ordered_json j{{"ok", r.ok}, {"checked", r.checked}};
            j["broken_seq"] = r.broken_seq ? nlohmann::ordered_json(*r.broken_seq) : nullptr;
            j["reason"] = r.reason;
            std::cout << j.dump(2) << "\n";
        } else if (r.ok) {
            std::cout << "event log intact: " << r.checked << " entries verified\n";
        } else {
            std::cout << "event log BROKEN at entry " << *r.broken_seq << ": " << r.reason << "\n";
        }
        return r.ok ? 0 : 1;
    } else if (cmd == "backup") {
        need_args(1, "a target file");
        try {
            storage::Database target(args[1], /*create=*/true);
            SQLite::Backup backup(target.sql(), db.sql());
            backup.executeStep(-1);
        } catch (const std::exception& e) {
            throw cli::ExitRequest{cli::kRuntime, "embargoctl backup: " + std::string(e.what())};
        }
        std::cout << "backup written to " << args[1] << "\n";
    } else {
        throw cli::ExitRequest{cli::kUsage, "embargoctl: unknown command '" + cmd + "'\n" + kUsage};
    }
    return 0;
}
}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const cli::ExitRequest& e) {
        std::cerr << e.message << "\n";
        return e.code;
    } catch (const std::exception& e) {
        std::cerr << "embargoctl: " << e.what() << "\n";
        return 1;
    }
}
