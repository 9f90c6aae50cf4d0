// Short-lived, short-named temp directories and free loopback ports for test
// fixtures (gpg-agent sockets fail past ~87 characters of path).
#pragma once

#include <string>

namespace embargo::test {

// Creates /tmp/eb-XXXXXX (mode 0700) and removes it recursively on destruction
// unless EMBARGO_KEEP_TMP is set in the environment.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
int free_port();

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content, int mode = 0644);

}  // namespace embargo::test
