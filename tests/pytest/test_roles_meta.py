"""Every role documents exactly the variables it defaults, with the role's prefix."""

import pathlib
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
ROLES = sorted(path.name for path in (ROOT / "roles").iterdir() if (path / "meta" / "argument_specs.yml").exists())


def load(path):
    return yaml.safe_load(path.read_text()) or {}


@pytest.mark.parametrize("role", ROLES)
def test_defaults_match_argument_specs(role):
    defaults = set(load(ROOT / "roles" / role / "defaults" / "main.yml"))
    options = load(ROOT / "roles" / role / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]
    required = {name for name, option in options.items() if option.get("required")}
    assert defaults - set(options) == set(), "defaults without an argument spec"
    assert set(options) - defaults - required == set(), "argument specs without a default"


@pytest.mark.parametrize("role", ROLES)
def test_variables_carry_the_role_prefix(role):
    options = load(ROOT / "roles" / role / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]
    assert [name for name in options if not name.startswith(role + "_")] == []


@pytest.mark.parametrize("role", ROLES)
def test_role_meta_names_the_role(role):
    galaxy_info = load(ROOT / "roles" / role / "meta" / "main.yml")["galaxy_info"]
    assert (galaxy_info["namespace"], galaxy_info["role_name"]) == ("ankinas", role)


def test_readme_variables_reference_is_current():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "role-docs.py"), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_every_entry_point_the_playbooks_use_has_an_argument_spec():
    """site.yml and the restore drill validate each role through an entry point (the dsm role's validate imports
    the others'): Ansible checks the variables against that entry point's argument spec only when the spec exists."""
    task_lists = [
        play.get("tasks", [])
        for playbook in (ROOT / "playbooks").glob("*.yml")
        for play in (load(playbook) if isinstance(load(playbook), list) else [])
    ]
    task_lists += [load(task_file) or [] for task_file in (ROOT / "roles").glob("*/tasks/*.yml")]
    used = set()
    for tasks in task_lists:
        stack = list(tasks)
        while stack:
            task = stack.pop()
            stack += task.get("block", []) + task.get("always", []) + task.get("rescue", [])
            for action in ("ansible.builtin.import_role", "ansible.builtin.include_role"):
                if action in task:
                    role = task[action]["name"].rsplit(".", 1)[-1]
                    used.add((role, task[action].get("tasks_from", "main")))
    assert {("dsm", "validate"), ("anki_sync_server", "validate"), ("hyper_backup", "main")} <= used
    for role, entry_point in used:
        specs = load(ROOT / "roles" / role / "meta" / "argument_specs.yml")["argument_specs"]
        assert entry_point in specs, f"{role} has no argument spec for its entry point {entry_point}"
        checked = specs[entry_point]["options"]
        assert all(checked.get(name) == spec for name, spec in specs["main"]["options"].items()), (
            f"{role}: {entry_point} checks less than main"
        )
