"""The table of DSM contracts is the one source of what the docs say about DSM's answers: README.md's "What is
unverified on a real DSM" is generated from it (scripts/contracts-doc.py), each DSM module's notes name exactly the
contracts the table says it relies on, and every module the table names exists."""

import re
import subprocess
import sys

import pytest
import yaml
from ansible_collections.ankinas.synology.plugins.module_utils import _dsm_contracts as table
from harness.runner import ROOT

MODULES = sorted(path.stem for path in (ROOT / "plugins" / "modules").glob("dsm_*.py"))


def test_readme_unverified_section_is_generated_from_the_table():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "contracts-doc.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    readme = (ROOT / "README.md").read_text()
    for contract in table.CONTRACTS:
        assert f"| `{contract.id}` |" in readme


def documentation(module):
    text = (ROOT / "plugins" / "modules" / f"{module}.py").read_text()
    return yaml.safe_load(text.split('DOCUMENTATION = r"""', 1)[1].split('"""', 1)[0])


@pytest.mark.parametrize("module", MODULES)
def test_each_dsm_module_names_its_contracts_in_its_notes(module):
    expected = [contract_id for contract_id in table.of_module(module) if contract_id != "api_info"]
    notes = [note for note in documentation(module).get("notes") or [] if "DSM contracts" in note]
    if module == "dsm_probe" or not expected:
        assert not notes or module == "dsm_probe"
        return
    assert len(notes) == 1, f"{module}'s notes name its DSM contracts in one note"
    named = re.findall(r"C\((\w+)\)", notes[0])
    assert [name for name in named if name in table.BY_ID] == expected


def test_every_module_the_table_names_exists_and_is_in_the_dsm_group():
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    group = set(runtime["action_groups"]["dsm"])
    named = {module for contract in table.CONTRACTS for module in contract.modules}
    named |= {write.module for write in table.UNVERIFIED_WRITES if write.module.startswith("dsm_")}
    assert named <= set(MODULES), named - set(MODULES)
    assert named <= group
    assert set(table.DSM_MODULES) == set(MODULES)
