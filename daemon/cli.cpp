// Logging and configuration helpers for the two binaries.
#include "daemon/cli.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "parsers/config_parser.hpp"

namespace embargo::cli {

void setup_logging(const std::string& level, const char* program) {
    auto logger = spdlog::stderr_logger_mt(program);
    // Under systemd the journal adds time and unit; elsewhere keep a timestamp.
    if (getenv("JOURNAL_STREAM"))
        logger->set_pattern("<%l> %v");
    else
        logger->set_pattern("%Y-%m-%dT%H:%M:%SZ %n %l: %v", spdlog::pattern_time_type::utc);
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
