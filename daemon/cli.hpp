// Shared command-line plumbing of embargod and embargoctl: exit codes,
// logging set-up, configuration loading with SPEC exit codes.
#pragma once

#include <optional>
#include <string>

#include "core/config.hpp"
#include "core/time.hpp"

namespace embargo::cli {

enum Exit { kOk = 0, kRuntime = 1, kUsage = 2 };

// Thrown to leave main() with an exit code after printing `message`.
struct ExitRequest {
    int code;
    std::string message;
};

// Logs to stderr (journald picks it up under systemd); no content, ever.
void setup_logging(const std::string& level, const char* program);
// Loads the configuration or throws ExitRequest{kUsage, "FILE:LINE: key: ..."}.
Config load_or_exit(const std::string& path);
// --now TIME, or nullopt; throws ExitRequest{kUsage} for a bad value.
std::optional<TimePoint> parse_now_or_exit(const std::string& value);

}  // namespace embargo::cli
