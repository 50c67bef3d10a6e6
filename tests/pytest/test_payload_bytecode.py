"""The test runs' bytecode cache for module payloads (tests/harness/payload_bytecode): the code that runs is the
code of the source in the zip, whatever was cached before, and tracebacks name the file in the zip."""

import os
import subprocess
import sys
import zipfile

from harness import runner
from harness.runner import PAYLOAD_BYTECODE

RUN = "import sys; sys.path.insert(0, sys.argv[1]); import payload_mod; print(payload_mod.answer())"


def run_from_zip(tmp_path, source, cache):
    archive = tmp_path / "payload.zip"  # the same path each time, as a payload's name repeats
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("payload_mod.py", source)
    env = dict(os.environ, PYTHONPATH=str(PAYLOAD_BYTECODE), ANKINAS_PAYLOAD_BYTECODE=str(cache))
    return subprocess.run(
        [sys.executable, "-c", RUN, str(archive)], capture_output=True, text=True, env=env, check=False
    )


def test_the_code_run_is_the_code_of_the_source_in_the_zip(tmp_path):
    cache = tmp_path / "cache"
    first = run_from_zip(tmp_path, "def answer():\n    return 1\n", cache)
    assert first.stdout.strip() == "1", first.stderr
    assert len(list(cache.iterdir())) == 1
    again = run_from_zip(tmp_path, "def answer():\n    return 1\n", cache)
    assert again.stdout.strip() == "1", again.stderr
    assert len(list(cache.iterdir())) == 1  # the same source: compiled once
    changed = run_from_zip(tmp_path, "def answer():\n    return 2\n", cache)
    assert changed.stdout.strip() == "2", changed.stderr
    assert len(list(cache.iterdir())) == 2


def test_a_traceback_from_cached_code_names_the_file_in_the_zip(tmp_path):
    cache = tmp_path / "cache"
    source = "def answer():\n    def inner():\n        raise ValueError('from the payload')\n    return inner()\n"
    run_from_zip(tmp_path, source, cache)
    failed = run_from_zip(tmp_path, source, cache)  # from the cache now
    assert "ValueError: from the payload" in failed.stderr
    assert f'File "{tmp_path / "payload.zip" / "payload_mod.py"}", line 3, in inner' in failed.stderr, failed.stderr


def test_a_tests_own_environment_keeps_the_cache_on_the_path(monkeypatch):
    # A test's NAS environment is a copy of os.environ, PYTHONPATH included: it must not drop the harness's paths.
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    env = runner._env(dict(os.environ, SIMNAS_HOME="/nas"))
    paths = env["PYTHONPATH"].split(os.pathsep)
    assert str(PAYLOAD_BYTECODE) in paths and "/elsewhere" in paths
    assert paths.count(str(PAYLOAD_BYTECODE)) == 1 and env["SIMNAS_HOME"] == "/nas"
