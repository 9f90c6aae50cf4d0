// Test fixture: GitHub's OFFICIAL OpenAPI description (@octokit/openapi,
// api.github.com) served by Prism in `mock --errors` mode, which refuses any
// request that violates the contract (422, sometimes 500, naming the
// violation), on a free loopback port. Both are installed by
// scripts/install-deps.sh into /opt/embargo-test-node (EMBARGO_TEST_NODE
// overrides). Prism's request log tells which calls were made in which order
// and how each was answered.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/child.hpp"
#include "tests/support/tempdir.hpp"

namespace embargo::test {

struct PrismCall {
    std::string method;                   // lower case, as Prism logs it: "post"
    std::string path;                     // "/repos/acme/widget/security-advisories"
    int status = 0;                       // what Prism answered; 0 if the log does not say
    std::vector<std::string> violations;  // contract violations Prism named
    std::string line() const { return method + " " + path; }
};

class Prism {
  public:
    // Why Prism cannot run here (not installed), or nullopt.
    static std::optional<std::string> missing();
    // Exits the test program with 77 (ctest: skipped), loudly, when Prism is
    // missing: an untested forge contract must never look like a pass.
    static void skip_if_missing();

    // Starts on a free port; waits (up to 4 minutes: loading the 13 MB
    // description is slow on a loaded machine) until it listens.
    Prism();
    ~Prism();
    Prism(const Prism&) = delete;
    Prism& operator=(const Prism&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    // Every request so far, in order.
    std::vector<PrismCall> calls() const;
    std::string log() const;

  private:
    TempDir dir_;
    int port_ = 0;
    std::unique_ptr<Child> child_;
};

}  // namespace embargo::test
