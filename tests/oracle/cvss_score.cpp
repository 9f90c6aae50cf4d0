// cvss_score: scores CVSS vectors read one per line on stdin with
// embargo::cvss and prints "vector<TAB>score<TAB>severity" or
// "vector<TAB>ERROR<TAB>reason" per line. Used by
// tests/scripts/cvss_oracle_test.sh to compare against an independent
// implementation.
#include <cstdio>
#include <iostream>
#include <string>

#include "parsers/cvss.hpp"

int main() {
    std::ios::sync_with_stdio(false);
    std::string line;
    while (std::getline(std::cin, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        try {
            const auto s = embargo::cvss::score(line);
            char buf[16];
            std::snprintf(buf, sizeof buf, "%.1f", s.base_score);
            std::cout << line << '\t' << buf << '\t' << s.severity << '\n';
        } catch (const embargo::cvss::CvssError& e) {
            std::cout << line << '\t' << "ERROR" << '\t' << e.what() << '\n';
        }
    }
    return 0;
}
