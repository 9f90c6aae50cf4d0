// Logging and configuration helpers for the two binaries.
#include "daemon/cli.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "parsers/config_parser.hpp"

namespace embargo::cli {
namespace {
// journald reads a syslog priority only as "<N>" with a digit (sd-daemon.h
// SD_ERR etc.); "<error>" would be kept as text and every line filed as info,
// so `journalctl -p warning` would show nothing.
class SyslogPriority : public spdlog::custom_flag_formatter {
  public:
    void format(const spdlog::details::log_msg& msg, const std::tm&,
                spdlog::memory_buf_t& dest) override {
        // trace, debug, info, warn, err, critical, off
        static constexpr char kPriority[] = {'7', '7', '6', '4', '3', '2', '6'};
        auto i = static_cast<std::size_t>(msg.level);
        const char text[] = {'<', i < sizeof kPriority ? kPriority[i] : '6', '>'};
        dest.append(text, text + sizeof text);
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<SyslogPriority>();
    }
};
}  // namespace

void setup_logging(const std::string& level, const char* program) {
    auto logger = spdlog::stderr_logger_mt(program);
    // Under systemd the journal adds time and unit; elsewhere keep a timestamp.
    if (getenv("JOURNAL_STREAM")) {
        auto f = std::make_unique<spdlog::pattern_formatter>();
        f->add_flag<SyslogPriority>('*').set_pattern("%*%v");
        logger->set_formatter(std::move(f));
    } else {
        logger->set_pattern("%Y-%m-%dT%H:%M:%SZ %n %l: %v", spdlog::pattern_time_type::utc);
    }
    spdlog::set_default_logger(logger);
    auto lvl = spdlog::level::from_str(level == "warn" ? "warning" : level);
    if (level != "off" && lvl == spdlog::level::off)
        throw ExitRequest{kUsage, "--log-level: unknown level '" + level +
                                      "' (use trace, debug, info, warn or error)"};
    spdlog::set_level(lvl);
}

Config load_or_exit(const std::string& path) {
    try {
        return load_config(path);
    } catch (const ConfigError& e) {
        throw ExitRequest{kUsage, e.what()};
    }
}

std::optional<TimePoint> parse_now_or_exit(const std::string& value) {
    if (value.empty()) return std::nullopt;
    auto t = parse_iso8601(value, true);
    if (!t)
        throw ExitRequest{
            kUsage, "--now: '" + value + "' is not an ISO 8601 time such as 2026-12-01T09:00:00Z"};
    return t;
}

}  // namespace embargo::cli
