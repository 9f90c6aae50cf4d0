// Fixed table of an independent implementation's answers
// (tests/data/cvss/oracle_table.tsv, written by
// tests/scripts/cvss_oracle_test.sh --write-table from ae-cvss-calculator):
// every row must score the same with embargo::cvss. Runs without node.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "parsers/cvss.hpp"

TEST_CASE("scores match the oracle table") {
    const std::string path = std::string(EMBARGO_SOURCE_DIR) + "/tests/data/cvss/oracle_table.tsv";
    std::ifstream in(path);
    REQUIRE(in.good());
    std::map<std::string, int> rows_per_version;
    std::string line;
    int rows = 0;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream fields(line);
        std::string vector, expected_score, expected_severity;
        REQUIRE(std::getline(fields, vector, '\t'));
        REQUIRE(std::getline(fields, expected_score, '\t'));
        REQUIRE(std::getline(fields, expected_severity, '\t'));
        INFO(vector);
        const auto s = embargo::cvss::score(vector);
        char buf[16];
        std::snprintf(buf, sizeof buf, "%.1f", s.base_score);
        CHECK(buf == expected_score);
        CHECK(s.severity == expected_severity);
        ++rows;
        ++rows_per_version[vector.substr(0, 8)];
    }
    CHECK(rows >= 300);
    CHECK(rows_per_version["CVSS:3.0"] >= 50);
    CHECK(rows_per_version["CVSS:3.1"] >= 50);
    CHECK(rows_per_version["CVSS:4.0"] >= 50);
}
