// The Prism fixture; see prism.hpp.
#include "tests/support/prism.hpp"

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <thread>

namespace embargo::test {
namespace {

std::string node_prefix() {
    const char* p = std::getenv("EMBARGO_TEST_NODE");
    return p && *p ? p : "/opt/embargo-test-node";
}
std::string prism_bin() {
    return node_prefix() + "/node_modules/.bin/prism";
}
std::string description() {
    return node_prefix() + "/node_modules/@octokit/openapi/generated/api.github.com.json";
}

std::string read_or_empty(const std::string& path) {
    try {
        return read_file(path);
    } catch (const std::exception&) {
        return {};
    }
}

}  // namespace

std::optional<std::string> Prism::missing() {
    std::error_code ec;
    if (!std::filesystem::exists(prism_bin(), ec)) return prism_bin() + " is not installed";
    if (!std::filesystem::exists(description(), ec)) return description() + " is not installed";
    return std::nullopt;
}

void Prism::skip_if_missing() {
    if (auto why = missing()) {
        std::cerr << "SKIP: *** " << *why
                  << "; run scripts/install-deps.sh. The forge against GitHub's official API "
                     "description is UNTESTED. ***\n";
        std::exit(77);
    }
}

Prism::Prism() {
    using Clock = std::chrono::steady_clock;
    // A lost race for the port shows as Prism exiting: try another one.
    for (int attempt = 0; attempt < 5; ++attempt) {
        port_ = free_port();
        child_ = std::make_unique<Child>(
            std::vector<std::string>{prism_bin(), "mock", "--errors", "-h", "127.0.0.1", "-p",
                                     std::to_string(port_), description()},
            dir_ / "prism.log");
        auto deadline = Clock::now() + std::chrono::minutes(4);
        while (Clock::now() < deadline) {
            if (log().find("Prism is listening") != std::string::npos) return;
            if (child_->try_wait()) break;  // exited
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        if (child_->running() && Clock::now() >= deadline)
            throw std::runtime_error("prism did not listen within 4 minutes; log:\n" + log());
        child_.reset();
    }
    throw std::runtime_error("prism did not start on a free port; log:\n" + log());
}

Prism::~Prism() {
    if (child_ && child_->running()) {
        child_->signal(SIGTERM);
        child_->wait();
    }
}

std::string Prism::log() const {
    return read_or_empty(dir_ / "prism.log");
}

std::vector<PrismCall> Prism::calls() const {
    // One request at a time (the daemon makes its calls one after the
    // other), so the lines after "Request received" belong to that request:
    //   [HTTP SERVER] post /repos/... ℹ  info      Request received
    //       [VALIDATOR] ✖  error     Request body must have required property 'x'
    //       [NEGOTIATOR] ℹ  info      > Responding with "201"
    //   [HTTP SERVER] post /repos/... ✖  error     Request terminated with error: ...
    std::vector<PrismCall> out;
    std::string text = log();
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(pos, end - pos);
        pos = end + 1;
        auto server = line.find("[HTTP SERVER] ");
        if (server != std::string::npos && line.find("Request received") != std::string::npos) {
            std::string rest = line.substr(server + 14);
            PrismCall c;
            auto sp = rest.find(' ');
            c.method = rest.substr(0, sp);
            auto sp2 = rest.find(' ', sp + 1);
            c.path = rest.substr(sp + 1, sp2 - sp - 1);
            out.push_back(c);
            continue;
        }
        if (out.empty()) continue;
        auto resp = line.find("> Responding with \"");
        if (resp != std::string::npos) {
            out.back().status = std::atoi(line.c_str() + resp + 19);
            continue;
        }
        if (line.find("[VALIDATOR]") != std::string::npos &&
            (line.find("error") != std::string::npos || line.find("warning") != std::string::npos))
            out.back().violations.push_back(line.substr(line.find("[VALIDATOR]")));
        // Prism logs "Responding with" before it checks its own answer; a
        // violation found then turns the answer into a 500.
        if (server != std::string::npos &&
            line.find("terminated with error") != std::string::npos) {
            out.back().status = 500;
            out.back().violations.push_back(line.substr(server));
        }
    }
    return out;
}

}  // namespace embargo::test
