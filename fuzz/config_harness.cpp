// Fuzz harness for parse_config: the input is the configuration text of a
// file in a temp dir that holds the password files (imap.password,
// smtp.password, owner-only) and a CA bundle (ca.pem), so relative paths in
// the seeds resolve and the fuzzer mutates everything around them. The only
// error allowed out is ConfigError, and it never carries a password.
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>

#include "fuzz/harness.hpp"
#include "parsers/config_parser.hpp"

namespace embargo::fuzz {
namespace {

constexpr std::string_view kImapSecret = "fz-imap-9q7Wc2LxR";
constexpr std::string_view kSmtpSecret = "fz-smtp-4Hv8JmT1p";

void write(const std::string& path, std::string_view content, mode_t mode) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out || ::chmod(path.c_str(), mode) != 0)
        throw std::runtime_error("fuzz harness: cannot write " + path);
}

// Created on first use, removed at exit.
struct ConfigDir {
    std::string dir;
    std::string config_path;
    ConfigDir() : dir(make_temp_dir("cfg")), config_path(dir + "/embargo.conf") {
        // Deterministic lookups: relative password files resolve against the
        // config's directory, never a systemd credentials directory.
        ::unsetenv("CREDENTIALS_DIRECTORY");
        write(dir + "/imap.password", std::string(kImapSecret) + "\n", 0600);
        write(dir + "/smtp.password", std::string(kSmtpSecret) + "\n", 0600);
        write(dir + "/ca.pem", "", 0644);
    }
    ~ConfigDir() { remove_tree(dir); }
    ConfigDir(const ConfigDir&) = delete;
    ConfigDir& operator=(const ConfigDir&) = delete;
};

bool contains(std::string_view hay, std::string_view needle) {
    return hay.find(needle) != std::string_view::npos;
}

}  // namespace

void fuzz_config(const std::uint8_t* data, std::size_t size) {
    static const ConfigDir env;
    const std::string_view text = as_text(data, size);
    try {
        const Config c = parse_config(text, env.config_path);
        require(c.path == env.config_path, "config: Config::path is not the file's path");
        require(!c.imap.password.empty(), "config: parsed without an IMAP password");
        require(!c.team.members.empty(), "config: parsed without team members");
        require(!c.gpg.keys.empty(), "config: parsed without a team key");
        for (const Member& m : c.team.members)
            require(m.fingerprint.size() == 40, "config: member fingerprint not 40 digits");
    } catch (const ConfigError& e) {
        const std::string_view what = e.what();
        require(!what.empty() && !e.problem.empty(), "config: ConfigError without a problem");
        require(e.line >= 0, "config: ConfigError with a negative line");
        require(what.rfind(e.file, 0) == 0, "config: ConfigError does not start with the file");
        // A password may only appear in an error when the input itself holds it.
        for (const std::string_view secret : {kImapSecret, kSmtpSecret})
            require(!contains(what, secret) || contains(text, secret),
                    "config: a password file's content leaked into an error message");
    }
}

}  // namespace embargo::fuzz
