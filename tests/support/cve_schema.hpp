// Checks a CVE JSON 5 record with a real JSON-schema validator and the
// official schema (through Debian's python3-cvelib, see
// validate_cve_record.py): what `cve publish -f` would accept.
#pragma once

#include <string>

#include "tests/support/process.hpp"

namespace embargo::test {

// exit_code 0 when valid; otherwise `out` lists the schema errors, one per
// line ("path: message").
RunResult validate_cve_record(const std::string& record_json);

}  // namespace embargo::test
