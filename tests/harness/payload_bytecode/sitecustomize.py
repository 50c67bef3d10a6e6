"""Test runs only: compile each module_utils source of Ansible's module payloads once per test run, not once per
module run.

Ansible runs a module by importing it and its module_utils from a zip file (AnsiballZ). Python keeps no bytecode
for what it imports from a zip, so every module run compiles Ansible's module_utils.basic and its imports again:
about a third of a module run's CPU, and most of what the test suite spends is module runs. This file, on the
PYTHONPATH of the suite's ansible-playbook runs (tests/harness/runner.py), keeps the compiled code of each source
text in $ANKINAS_PAYLOAD_BYTECODE, named by the hash of the text and Python's bytecode version: the same source
gives the same code, so what runs is what Ansible shipped. Tracebacks name the file in the payload, as without it.
Molecule, the benchmarks and the modules run on the NAS over SSH run without it.
"""

import hashlib
import importlib.util
import marshal
import os
import zipimport

CACHE = os.environ.get("ANKINAS_PAYLOAD_BYTECODE")
_compile_source = getattr(zipimport, "_compile_source", None)


def _named(code, filename):
    """code, and every code object in it, named after filename (the path inside this run's payload)."""
    consts = tuple(_named(const, filename) if isinstance(const, type(code)) else const for const in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def _cached_compile(pathname, source):
    key = hashlib.sha256(importlib.util.MAGIC_NUMBER + source).hexdigest()
    path = os.path.join(CACHE, key)
    try:
        # The checkout's own cache, trusted as Python trusts its __pycache__ (which it reads with marshal too).
        with open(path, "rb") as handle:
            return _named(marshal.loads(handle.read()), pathname)  # noqa: S302
    except (OSError, ValueError, EOFError):
        pass
    code = _compile_source(pathname, source)
    try:
        os.makedirs(CACHE, exist_ok=True)
        partial = f"{path}.{os.getpid()}"
        with open(partial, "wb") as handle:
            handle.write(marshal.dumps(code))
        os.replace(partial, path)
    except OSError:
        pass  # a cache that cannot be written only costs time
    return code


if CACHE and _compile_source is not None:
    zipimport._compile_source = _cached_compile
