// Writes the record to a temp file and runs the validator script on it.
#include "tests/support/cve_schema.hpp"

#include "tests/support/tempdir.hpp"

namespace embargo::test {

RunResult validate_cve_record(const std::string& record_json) {
    TempDir dir;
    const std::string file = dir / "record.json";
    write_file(file, record_json);
    return run({"/usr/bin/python3",
                std::string(EMBARGO_SOURCE_DIR) + "/tests/support/validate_cve_record.py", file});
}

}  // namespace embargo::test
