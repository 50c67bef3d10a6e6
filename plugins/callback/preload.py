# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
name: preload
type: aggregate
short_description: Load the collection's plugins and parse the modules' shared code once per run, not once per task
version_added: 0.3.0
author: ankinas.synology contributors (@ankinas)
description:
  - Ansible runs every task in a worker process forked from ansible-playbook's main process. A plugin of a
    collection that the main process has not loaded is compiled from its source again in each worker that uses it
    (Ansible's collection loader keeps no bytecode). The roles of this collection use its filters in most of their
    tasks, which made each such task 40-100 ms of CPU dearer (measured).
  - This callback loads every filter and action plugin of ankinas.synology in the main process when
    ansible-playbook starts, so the workers inherit them loaded. It changes no result, only what a run costs.
  - "It also parses, once, at the first task that may run a module (not before: a run that stops in its input checks
    parses nothing), the code that Ansible puts in every Python module's payload: C(module_utils.basic) and what it
    imports, and this collection's C(module_utils). A worker that runs a module the run has not run before
    builds its payload, and Ansible parses every file of it to find its imports; the parse of those shared files
    was most of that build, 0.2-0.3 s of CPU for each module of a run (measured, with the freeze below: an
    idempotent C(site.yml) run, which uses about 20 different modules, took 17% less CPU; a play that runs a single
    module 8 times, 7% more; the main process holds about 25 MiB more).
    The parsed trees are kept by the hash of their source text, so a changed file is parsed again, and the
    payloads are the same as without the callback."
  - "Then it freezes the main process's objects for Python's garbage collector (C(gc.freeze()), as Python's
    documentation advises before forking): the workers' collections no longer walk them, nor copy the memory they
    sit on. Objects made later are collected as before."
  - The parse is shared by wrapping C(_compile_module_ast) of C(ansible.executor.module_common), which is private
    to ansible-core (2.19 to 2.21 have it with the same arguments). On a release without it the callback does not
    share the parse (it still loads the plugins and freezes), and says so with C(-vvv).
  - Enable it in C(ansible.cfg) with C(callbacks_enabled = ankinas.synology.preload) (the project's
    C(ansible.cfg) does).
requirements:
  - enabled in callbacks_enabled
"""

import ast
import gc
import hashlib
from pathlib import Path

import ansible.module_utils
from ansible.executor import module_common
from ansible.plugins.callback import CallbackBase
from ansible.plugins.loader import action_loader, filter_loader

COLLECTION = "ankinas.synology"
PLUGINS = Path(__file__).resolve().parent.parent


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "ankinas.synology.preload"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._display.vvv("ankinas.synology.preload: " + ", ".join(preload()))
        self._parse_shared = False

    def v2_playbook_on_task_start(self, task, is_conditional):
        # At the first task that may run a module: a run that stops in its input checks parses nothing.
        if self._parse_shared or task.action.rpartition(".")[2] in CONTROLLER_ACTIONS:
            return
        self._parse_shared = True
        parsed = share_module_parses()
        # The parsed trees are hundreds of thousands of objects the workers only read: frozen, Python's garbage
        # collector leaves them alone, here and in the workers, which would otherwise traverse them and copy the
        # pages they sit on (measured: without it, a site.yml run cost up to 15% more CPU, not less).
        gc.freeze()
        if parsed is None:
            self._display.vvv("ankinas.synology.preload: this ansible-core has no _compile_module_ast to share")
        else:
            self._display.vvv(f"ankinas.synology.preload: parsed {parsed} module_utils files once for every payload")

    v2_playbook_on_handler_task_start = v2_playbook_on_task_start


# Ansible's actions that run in the worker without a module payload (the first task of a play is often one).
CONTROLLER_ACTIONS = frozenset(
    (
        "assert",
        "debug",
        "fail",
        "set_fact",
        "validate_argument_spec",
        "include_tasks",
        "import_tasks",
        "include_role",
        "import_role",
        "include_vars",
        "meta",
        "set_stats",
        "add_host",
        "group_by",
        "pause",
    )
)

# What to load: each filter by name (one documentation file per filter), each action plugin as a class.
KINDS = ((filter_loader, "filter/*.yml", {}), (action_loader, "action/*.py", {"class_only": True}))


def preload():
    """Load the collection's filters and action plugins; returns the names loaded."""
    loaded = []
    for loader, pattern, options in KINDS:
        for path in sorted(PLUGINS.glob(pattern)):
            name = f"{COLLECTION}.{path.stem}"
            if loader.get(name, **options) is not None:
                loaded.append(name)
    return loaded


MODULE_UTILS = Path(ansible.module_utils.__file__).resolve().parent
COLLECTION_MODULE_UTILS = "ansible_collections.ankinas.synology.plugins.module_utils"


def share_module_parses():
    """Make module_common parse each source text once per run (in the main process, so every worker inherits the
    trees), and parse now the module_utils every payload of this collection carries; returns how many files, or
    None when this ansible-core has no _compile_module_ast to wrap."""
    compile_ast = getattr(module_common, "_compile_module_ast", None)
    if not callable(compile_ast):
        return None
    if not getattr(compile_ast, "parses_once", False):
        trees = {}

        def compile_once(module_name, source_code):
            text = source_code.encode("utf-8", "surrogateescape") if isinstance(source_code, str) else source_code
            key = hashlib.sha256(text).digest()
            tree = trees.get(key)
            if tree is None:  # a source that does not compile raises, as before, and is not kept
                tree = trees[key] = compile_ast(module_name, source_code)
            return tree

        compile_once.parses_once = True
        module_common._compile_module_ast = compile_once
    return len(parse_shared_module_utils(module_common._compile_module_ast))


def parse_shared_module_utils(compile_ast):
    """Parse, with compile_ast, module_utils.basic, Ansible's payload loader, this collection's module_utils and
    the ansible.module_utils files they import (their packages' __init__ files included), as Ansible's payload
    builder finds them; returns their names."""
    todo = [("ansible.module_utils.basic", MODULE_UTILS / "basic.py")]
    for package in ("_internal/_ansiballz", "_internal/_json/_profiles"):  # what every payload adds (2.19+)
        prefix = "ansible.module_utils." + package.replace("/", ".")
        todo += [(f"{prefix}.{path.stem}", path) for path in (MODULE_UTILS / package).glob("_*.py")]
    todo += [(f"{COLLECTION_MODULE_UTILS}.{path.stem}", path) for path in (PLUGINS / "module_utils").glob("*.py")]
    parsed = set()
    while todo:
        name, path = todo.pop()
        if name in parsed:
            continue
        parsed.add(name)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for imported in _imports(compile_ast(name, path.read_bytes()), package):
            todo.extend(_ansible_module_utils(imported))
    return parsed


def _imports(tree, package):
    """The dotted names a module's imports may refer to (a module, or a name inside one), relative ones resolved."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0]
                base = f"{parent}.{base}" if base else parent
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _ansible_module_utils(name):
    """(name, path) of the ansible.module_utils module that name is or is in, and of its packages' __init__ files."""
    parts = name.split(".")
    if parts[:2] != ["ansible", "module_utils"]:
        return []
    found = []
    for depth in range(3, len(parts) + 1):
        relative = Path(*parts[2:depth])
        for path in (MODULE_UTILS / relative.with_suffix(".py"), MODULE_UTILS / relative / "__init__.py"):
            if path.is_file():
                found.append((".".join(parts[:depth]), path))
    return found
