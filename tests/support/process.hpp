// Running programs from tests: the real embargod/embargoctl binaries, gpg,
// doveadm. Arguments are passed as a vector (no shell), output is captured.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace embargo::test {

struct RunResult {
    int exit_code = -1;  // 128+N when killed by signal N
    std::string out;
    std::string err;
};

// Runs argv[0] (looked up in PATH) with extra environment variables and the
// given standard input; waits for it to finish.
RunResult run(const std::vector<std::string>& argv,
              const std::map<std::string, std::string>& env = {}, const std::string& input = {});

// Path of a binary built by this project (embargod, embargoctl).
std::string built_binary(const std::string& name);

}  // namespace embargo::test
