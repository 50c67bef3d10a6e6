"""The preload callback (ankinas.synology.preload): each task's worker, a fork of ansible-playbook's main process,
finds the collection's filters and action plugins already loaded instead of compiling them again, and the module
payload builder's parse shared (what the shared parse does to a payload: tests/unit/plugins/callback)."""

import json
from pathlib import Path

import pytest
from harness.runner import play_recap, run_playbook

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"

FILTERS = "ansible_collections.ankinas.synology.plugins.filter."
ACTIONS = "ansible_collections.ankinas.synology.plugins.action."

# A filter of the test's own (not of the collection) that says which of the collection's plugins the worker that
# templates it has loaded, before the task uses any of them, whether it builds payloads with the shared parse, and
# whether the main process's objects are frozen for the garbage collector (gc.freeze).
PROBE_FILTER = """
import gc
import sys

from ansible.executor import module_common


def collection_plugins_loaded(_):
    prefixes = ("ansible_collections.ankinas.synology.plugins.filter.",
                "ansible_collections.ankinas.synology.plugins.action.")
    loaded = sorted(name for name in sys.modules if name.startswith(prefixes))
    return {
        "plugins": loaded,
        "parses_once": getattr(module_common._compile_module_ast, "parses_once", False),
        "frozen": gc.get_freeze_count() > 0,
    }


class FilterModule:
    def filters(self):
        return {"collection_plugins_loaded": collection_plugins_loaded}
"""

# The parse is shared at the first task that may run a module (a run that stops in its input checks parses nothing):
# not yet in the worker of set_fact, in the worker of copy.
PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Note what this task's worker has loaded
      ansible.builtin.set_fact:
        before_any_module: "{{ 'any' | collection_plugins_loaded }}"
    - name: Write down what this task's worker has loaded
      ansible.builtin.copy:
        content: "{{ {'before_any_module': before_any_module, 'module': 'any' | collection_plugins_loaded} | to_json }}"
        dest: "{{ loaded_path }}"
        mode: "0600"
"""


@pytest.mark.parametrize("callbacks", ["ankinas.synology.preload", "ankinas.synology.dsm_logout"])
def test_every_worker_inherits_the_collections_plugins_and_the_shared_parse(tmp_path, callbacks):
    (tmp_path / "filter_plugins").mkdir()
    (tmp_path / "filter_plugins" / "probe.py").write_text(PROBE_FILTER)
    playbook = tmp_path / "loaded.yml"
    playbook.write_text(PLAY)
    env = {"ANSIBLE_CALLBACKS_ENABLED": callbacks, "ANSIBLE_FILTER_PLUGINS": str(tmp_path / "filter_plugins")}
    process = run_playbook(playbook, extra_vars={"loaded_path": str(tmp_path / "loaded.json")}, env=env)
    assert play_recap(process)["failed"] == 0, process.stdout + process.stderr
    loaded = json.loads((tmp_path / "loaded.json").read_text())
    if "preload" not in callbacks:
        # without the callback, each worker compiles what its task uses, and parses every payload's files
        nothing = {"plugins": [], "parses_once": False, "frozen": False}
        assert loaded == {"before_any_module": nothing, "module": nothing}
        return
    expected = [FILTERS + path.stem for path in PLUGINS.glob("filter/*.py")]
    expected += [ACTIONS + path.stem for path in PLUGINS.glob("action/*.py")]
    assert loaded == {
        "before_any_module": {"plugins": sorted(expected), "parses_once": False, "frozen": False},
        "module": {"plugins": sorted(expected), "parses_once": True, "frozen": True},
    }
