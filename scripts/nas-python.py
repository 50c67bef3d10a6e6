"""The code that runs on the NAS, checked against DSM's Python 3.8 (`make test` stage "NAS-side Python 3.8").

What runs on the NAS, under DSM's /usr/bin/python3 (3.8, standard library only), is listed once: the files ruff checks
with the py38 target (pyproject.toml, [tool.ruff.per-file-target-version]). Everything else runs on the controller.
This script
1. fails when a listed module imports a module_utils file that is not listed (Ansible ships it to the NAS too);
2. runs vermin (the oldest Python each line needs) with target 3.8 on the listed files;
3. finds what vermin cannot see on an untyped receiver: the str methods of 3.9 (removeprefix, removesuffix) and the
   dict union of 3.9 (`|`, `|=` on a dict literal, dict() or a name bound to one);
4. compiles every listed file with a real Python 3.8 (pyenv's), then runs the snapshot script's commands (snapshot,
   check, restore) and imports the NAS-side modules under it.
The end-to-end tests run the same files on the simulated NAS, whose python3 is that 3.8 without any package.
"""

import ast
import contextlib
import os
import pathlib
import shutil
import sqlite3
import subprocess
import sys
import tempfile

import ansible
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
NAS_PYTHON = "3.8"
MODULE_UTILS = "ansible_collections.ankinas.synology.plugins.module_utils."
STR_METHODS_39 = {"removeprefix", "removesuffix"}


def nas_side_files():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]
    listed = sorted(path for path, target in config.get("per-file-target-version", {}).items() if target == "py38")
    missing = [path for path in listed if not (ROOT / path).is_file()]
    if not listed or missing:
        sys.exit(f"pyproject.toml lists no NAS-side file, or files that do not exist: {missing}")
    return listed


def imported_module_utils(path):
    """The collection's module_utils a file imports (their paths)."""
    found = set()
    for node in ast.walk(ast.parse((ROOT / path).read_text(), path)):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            if name.startswith(MODULE_UTILS):
                candidate = "plugins/module_utils/" + name[len(MODULE_UTILS) :].split(".")[0] + ".py"
                if (ROOT / candidate).is_file():
                    found.add(candidate)
    return found


def check_closure(files):
    problems = []
    for path in files:
        for imported in sorted(imported_module_utils(path) - set(files)):
            problems.append(
                f"{path} imports {imported}, which Ansible ships to the NAS with it: list it in pyproject.toml's "
                "[tool.ruff.per-file-target-version] as py38 (and keep it to Python 3.8)"
            )
    return problems


class Py39Finder(ast.NodeVisitor):
    """The 3.9 features vermin misses when it cannot tell a receiver's type."""

    def __init__(self, path):
        self.path, self.problems, self.dict_names = path, [], set()

    def _is_dict(self, node):
        return (
            isinstance(node, (ast.Dict, ast.DictComp))
            or (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict")
            or (isinstance(node, ast.Name) and node.id in self.dict_names)
        )

    def visit_Assign(self, node):
        if self._is_dict(node.value):
            self.dict_names.update(target.id for target in node.targets if isinstance(target, ast.Name))
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        annotation = ast.unparse(node.annotation)
        if isinstance(node.target, ast.Name) and (annotation.startswith("dict") or self._is_dict(node.value)):
            self.dict_names.add(node.target.id)
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if node.attr in STR_METHODS_39:
            self.problems.append(f"{self.path}:{node.lineno}: str.{node.attr} is Python 3.9+ (DSM has 3.8)")
        self.generic_visit(node)

    def visit_BinOp(self, node):
        if isinstance(node.op, ast.BitOr) and (self._is_dict(node.left) or self._is_dict(node.right)):
            self.problems.append(f"{self.path}:{node.lineno}: dict | dict is Python 3.9+ (DSM has 3.8)")
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        if isinstance(node.op, ast.BitOr) and (self._is_dict(node.target) or self._is_dict(node.value)):
            self.problems.append(f"{self.path}:{node.lineno}: dict |= dict is Python 3.9+ (DSM has 3.8)")
        self.generic_visit(node)


def check_py39_features(files):
    problems = []
    for path in files:
        finder = Py39Finder(path)
        finder.visit(ast.parse((ROOT / path).read_text(), path))
        problems += finder.problems
    return problems


def check_vermin(files):
    vermin = shutil.which("vermin")
    if not vermin:
        return ["vermin is not installed (requirements.txt)"]
    command = [vermin, f"-t={NAS_PYTHON}-", "--violations", "--no-tips", "--eval-annotations", "--no-parse-comments"]
    process = subprocess.run([*command, *files], cwd=ROOT, capture_output=True, text=True, check=False)
    if process.returncode != 0:
        return [f"vermin: {line}" for line in process.stdout.splitlines() if line.strip() and "Detecting" not in line]
    return []


def python38():
    root = pathlib.Path(os.environ.get("PYENV_ROOT", pathlib.Path.home() / ".pyenv"))
    builds = sorted(root.glob(f"versions/{NAS_PYTHON}.*"), key=lambda p: [int(x) for x in p.name.split(".")])
    interpreter = builds[-1] / "bin" / f"python{NAS_PYTHON}" if builds else None
    if not interpreter or not interpreter.exists():
        sys.exit(f"no Python {NAS_PYTHON} to check the NAS-side code with: pyenv install {NAS_PYTHON}")
    return str(interpreter)


def run38(interpreter, *args):
    """Runs the 3.8 interpreter isolated (no user site, no PYTHON* variables): the standard library only."""
    process = subprocess.run(
        [interpreter, "-I", "-B", *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=120
    )
    return process.returncode, process.stdout + process.stderr


def check_on_python38(files):
    interpreter = python38()
    problems = []
    compile_all = "import sys\nfor path in sys.argv[1:]:\n    compile(open(path).read(), path, 'exec')\n"
    rc, output = run38(interpreter, "-c", compile_all, *files)
    if rc:
        return [f"Python {NAS_PYTHON} cannot compile the NAS-side code: {output.strip()}"]

    script = str(ROOT / "roles/hyper_backup/files/anki_snapshot.py")
    if "roles/hyper_backup/files/anki_snapshot.py" in files:
        with tempfile.TemporaryDirectory() as tmp:
            data = pathlib.Path(tmp) / "data"
            for user in ("alice", "bob"):
                (data / user).mkdir(parents=True)
                for name in ("collection.anki2", "media.db"):
                    with contextlib.closing(sqlite3.connect(data / user / name)) as db:
                        db.execute("PRAGMA journal_mode=WAL")
                        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
                        db.execute("INSERT INTO notes (text) VALUES (?)", (f"{user}'s note",))
                        db.commit()
            copy = pathlib.Path(tmp) / "restored"
            steps = [
                ["snapshot", str(data)],
                ["check", str(data)],
                ["restore", "--from", str(data), "--to", str(copy)],
                ["check", str(copy)],
            ]
            for step in steps:
                rc, output = run38(interpreter, script, *step)
                if rc:
                    problems.append(f"anki_snapshot.py {step[0]} on Python {NAS_PYTHON} exited {rc}: {output.strip()}")

    modules = [path for path in files if path.startswith("plugins/")]
    if modules:
        # ansible-core's module_utils (the pinned release's, which runs modules on 3.8) and the collection.
        paths = [str(pathlib.Path(ansible.__file__).parent.parent), str(ROOT / ".collections")]
        importer = (
            "import importlib, sys\n"
            "for path in sys.argv[1:]:\n"
            "    importlib.import_module('ansible_collections.ankinas.synology.' + path[:-3].replace('/', '.'))\n"
        )
        rc, output = run38(interpreter, "-c", f"import sys; sys.path[:0] = {paths!r}\n" + importer, *modules)
        if rc:
            problems.append(f"importing the NAS-side modules on Python {NAS_PYTHON} failed: {output.strip()[-2000:]}")
    return problems


def main():
    files = nas_side_files()
    problems = check_closure(files) + check_vermin(files) + check_py39_features(files)
    if not problems:
        problems = check_on_python38(files)
    if problems:
        print(f"The NAS-side code must run on DSM's Python {NAS_PYTHON}:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    print(f"NAS-side code on Python {NAS_PYTHON}: {', '.join(files)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
