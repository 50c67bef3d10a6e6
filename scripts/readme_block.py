"""One generated block of README.md, between two marker lines (scripts/role-docs.py, scripts/contracts-doc.py).

write(): replace the block with the rendered text, or with check=True exit with message when the README differs
from what it would write (the test suite runs the scripts with --check, so a generated block never drifts).
"""

import pathlib
import sys

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def write(begin, end, rendered, check, message):
    text = README.read_text()
    head, rest = text.split(begin, 1)
    tail = rest.split(end, 1)[1]
    updated = f"{head}{begin}\n{rendered}\n{end}{tail}"
    if check:
        if updated != text:
            sys.exit(message)
        return
    README.write_text(updated)
