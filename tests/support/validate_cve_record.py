#!/usr/bin/python3
# Validates a CVE JSON 5 record the way `cve publish ID -f FILE` (Debian's
# python3-cvelib, the CVE Services client the cve-request mail names) does
# before it sends anything: the CNA container is taken out of the full record
# and checked with jsonschema against the official published-CNA-container
# schema that cvelib bundles (CVEProject/cve-schema v5.0.0). Prints each
# schema error on its own line (as cvelib words it); exit 0 valid, 1 invalid, 2 unusable input.
import json
import sys

from cvelib.cve_api import CveApi, CveRecord, CveRecordValidationError


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: validate_cve_record.py RECORD.json", file=sys.stderr)
        return 2
    try:
        with open(sys.argv[1], encoding="utf-8") as f:
            record = json.load(f)
    except (OSError, ValueError) as e:
        print(f"cannot read the record {sys.argv[1]}: {e}", file=sys.stderr)
        return 2
    container = CveApi._extract_cna_container(record)
    try:
        CveRecord.validate(container)
    except CveRecordValidationError as e:
        for err in e.errors:  # cvelib formats them as "path: message"
            print(err)
        return 1
    print(f"valid against {CveRecord.Schemas.CNA_PUBLISHED}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
