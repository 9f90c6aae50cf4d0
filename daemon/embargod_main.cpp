// embargod: polls the security mailbox, files reports into cases, runs the
// disclosure deadlines and delivers notifications (SPEC section 2).
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <chrono>
#include <climits>
#include <iostream>
#include <string_view>
#include <thread>

#include "crypto/gpg_helpers.hpp"
#include "daemon/cli.hpp"
#include "daemon/service.hpp"
#include "storage/database.hpp"

namespace po = boost::program_options;
using namespace embargo;

namespace {
std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};

void on_signal(int sig) {
    if (sig == SIGHUP)
        g_reload = true;
    else
        g_stop = true;
}

void install_signals() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaction(s, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);
}

// The signing and encryption helper: embargo-gpg-helper beside this binary
// (a build tree), else where the package installs it; without either, this
// binary serves as its own (bigger, so every gpg run costs more).
std::string gpg_helper_program() {
    char buf[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n > 0) {
        std::string self(buf, static_cast<std::size_t>(n));
        std::string beside = self.substr(0, self.rfind('/') + 1) + "embargo-gpg-helper";
        if (::access(beside.c_str(), X_OK) == 0) return beside;
    }
#ifdef EMBARGO_GPG_HELPER
    if (::access(EMBARGO_GPG_HELPER, X_OK) == 0) return EMBARGO_GPG_HELPER;
#endif
    return "/proc/self/exe";
}

int run(int argc, char** argv) {
    std::string config_path, now_str, level = "info";
    bool once = false;
    po::options_description opts("embargod options");
    opts.add_options()("help,h", "show this help")(
        "config,c", po::value(&config_path)->value_name("FILE"), "configuration file (required)")(
        "once", po::bool_switch(&once), "run one full cycle and exit")(
        "now", po::value(&now_str)->value_name("TIME"), "use TIME (ISO 8601) as the current time")(
        "log-level", po::value(&level)->value_name("LEVEL"), "trace|debug|info|warn|error");
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(opts).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw cli::ExitRequest{cli::kUsage,
                               std::string("embargod: ") + e.what() + " (see embargod --help)"};
    }
    if (vm.count("help")) {
        std::cout << "usage: embargod --config FILE [--once] [--now TIME] [--log-level L]\n"
                  << opts;
        return 0;
    }
    if (config_path.empty())
        throw cli::ExitRequest{cli::kUsage, "embargod: --config FILE is required"};
    cli::setup_logging(level, "embargod");
    auto fixed_now = cli::parse_now_or_exit(now_str);
    ::umask(077);  // database, keyring and anything else we create: owner only
    Config cfg = cli::load_or_exit(config_path);

    std::unique_ptr<daemon::Service> svc;
    try {
        svc = std::make_unique<daemon::Service>(std::move(cfg), fixed_now, gpg_helper_program());
    } catch (const storage::StorageError& e) {
        throw cli::ExitRequest{cli::kRuntime, std::string("embargod: ") + e.what()};
    }
    install_signals();

    if (once) {
        auto r = svc->cycle(g_stop);
        spdlog::info("{}", r.status_line());
        return r.ok() ? 0 : 1;
    }

    sd_notify(0, "READY=1\nSTATUS=started, first poll under way");
    spdlog::info("embargod started: polling {} every {}s", svc->config().imap.url,
                 svc->config().imap.poll_interval.count());
    uint64_t watchdog_usec = 0;
    bool watchdog = sd_watchdog_enabled(0, &watchdog_usec) > 0;
    while (!g_stop) {
        if (g_reload.exchange(false)) {
            try {
                Config next = cli::load_or_exit(config_path);
                svc->reload(std::move(next));
                spdlog::info("configuration reloaded from {}", config_path);
            } catch (const cli::ExitRequest& e) {
                spdlog::error("configuration reload refused, keeping the old one: {}", e.message);
            } catch (const std::exception& e) {
                // Settings the parser accepts but a client refuses: a reload
                // must never take down a running daemon.
                spdlog::error("configuration reload failed, keeping the old one: {}", e.what());
            }
        }
        auto r = svc->cycle(g_stop);
        sd_notifyf(0, "STATUS=%s", r.status_line().c_str());
        // Only a cycle that returned pets the watchdog: a stuck poll lets it fire.
        if (watchdog) sd_notify(0, "WATCHDOG=1");
        auto last_ping = std::chrono::steady_clock::now();
        auto deadline = last_ping + svc->config().imap.poll_interval;
        // While sleeping, ping at half of WATCHDOG_USEC (systemd's advice);
        // the 200 ms steps only keep SIGTERM and SIGHUP prompt.
        const auto ping_every = std::chrono::microseconds(watchdog_usec / 2);
        while (!g_stop && !g_reload && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            if (watchdog && std::chrono::steady_clock::now() - last_ping >= ping_every) {
                sd_notify(0, "WATCHDOG=1");
                last_ping = std::chrono::steady_clock::now();
            }
        }
    }
    sd_notify(0, "STOPPING=1");
    spdlog::info("embargod stopping");
    return 0;
}
}  // namespace

int main(int argc, char** argv) {
    // Started by embargod itself (crypto/gpg_helpers.hpp), never by a user.
    if (argc >= 2 && std::string_view(argv[1]) == "--gpg-helper")
        return crypto::serve_gpg_helper(argc - 2, argv + 2);
    try {
        return run(argc, argv);
    } catch (const cli::ExitRequest& e) {
        std::cerr << e.message << "\n";
        return e.code;
    } catch (const std::exception& e) {
        std::cerr << "embargod: " << e.what() << "\n";
        return 1;
    }
}
