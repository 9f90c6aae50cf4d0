// Test helper: a program started in the background (so a test can kill it at
// a moment of its choosing) or run to completion with its resource usage
// (wait4's rusage: peak RSS, CPU time). Output goes to a file, not a pipe, so
// a child killed mid-write leaves nothing blocked.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace embargo::test {

struct ChildLimits {
    // RLIMIT_FSIZE in bytes (0 = unchanged); SIGXFSZ is ignored so a write past
    // it fails with EFBIG instead of killing the child.
    long long max_file_bytes = 0;
};

struct ChildResult {
    int exit_code = -1;  // 128+N when killed by signal N
    std::string output;  // stdout and stderr, interleaved as written
    // Peak resident set of the child and of the children it waited for. A
    // forked child's figure includes what it had between fork and exec (the
    // kernel keeps the larger of its mm's high-water marks), so the parent's
    // RSS at fork (inherited_rss_kb) is a floor for it; run_measured avoids
    // that by letting the small /usr/bin/time fork the program.
    long max_rss_kb = 0;
    long inherited_rss_kb = 0;
    std::chrono::milliseconds wall{0};
};

class Child {
  public:
    // Starts argv (argv[0] looked up in PATH) with extra environment variables;
    // stdout and stderr are appended to output_file.
    Child(const std::vector<std::string>& argv, const std::string& output_file,
          const std::map<std::string, std::string>& env = {}, ChildLimits limits = {});
    // Kills (SIGKILL) and reaps the child if it is still running.
    ~Child();
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    pid_t pid() const { return pid_; }
    bool running() const { return pid_ > 0; }
    void signal(int sig);
    // Waits for the child to end and returns how it ended (output read back
    // from output_file, from where this child started writing).
    ChildResult wait();
    // Like wait(), but returns nullopt at once while the child still runs.
    std::optional<ChildResult> try_wait();

  private:
    std::optional<ChildResult> reap(int options);
    pid_t pid_ = -1;
    std::string output_file_;
    long long output_offset_ = 0;
    std::chrono::steady_clock::time_point started_;
    long inherited_rss_kb_ = 0;
};

// Runs argv to completion with output captured and resource usage measured:
// through /usr/bin/time when installed (then max_rss_kb is the program's own
// peak and inherited_rss_kb that of the time process at its fork, a few MB),
// else as a direct child.
ChildResult run_measured(const std::vector<std::string>& argv, const std::string& output_file,
                         const std::map<std::string, std::string>& env = {},
                         ChildLimits limits = {});

}  // namespace embargo::test
