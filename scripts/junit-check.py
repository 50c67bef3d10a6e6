"""Checks the JUnit reports of one test run: it ran tests, and none was skipped, failed or in error.

    python3 scripts/junit-check.py LABEL REPORT...

A runner that finds nothing to run (ansible-test's "All targets skipped", a pytest that collected nothing) or
skips a test for want of something (pytest.importorskip) still exits 0: this makes either a failure, naming the
skipped tests and their reasons. A missing report is a failure too (the runner did not get as far as writing it).
"""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    label, reports = sys.argv[1], [Path(path) for path in sys.argv[2:]]
    present = [report for report in reports if report.is_file()]
    if not present:
        sys.exit(f"{label}: no test report ({' '.join(map(str, reports)) or 'none given'}): the tests did not run")
    tests, problems, per_module = 0, [], {}
    for report in present:
        for case in ET.parse(report).getroot().iter("testcase"):  # noqa: S314 - our own runs' reports
            tests += 1
            parts = case.get("classname", "?").split(".")
            module = ".".join(parts[:-1] if len(parts) > 1 and parts[-1][:1].isupper() else parts)  # without a class
            per_module[module] = per_module.get(module, 0) + 1
            name = f"{case.get('classname', '')}::{case.get('name', '')}"
            for kind in ("skipped", "failure", "error"):
                for element in case.findall(kind):
                    reason = (element.get("message") or element.text or "").strip().splitlines()[:1]
                    problems.append(f"{kind}: {name}" + (f" ({reason[0]})" if reason else ""))
    if tests == 0:
        sys.exit(f"{label}: the report lists no test (all targets skipped?)")
    if problems:
        sys.exit(f"{label}: {len(problems)} of {tests} tests did not pass:\n  " + "\n  ".join(problems))
    print(f"{label}: {tests} tests passed, 0 skipped")
    for module, count in sorted(per_module.items()):
        print(f"  {module}: {count} passed")


if __name__ == "__main__":
    main()
