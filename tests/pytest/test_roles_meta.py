"""Every role documents exactly the variables it defaults, with the role's prefix; what the roles share has one
home, the base role dsm; the playbooks read no role's private variable."""

import pathlib
import re
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
ROLES = sorted(path.name for path in (ROOT / "roles").iterdir() if (path / "meta" / "argument_specs.yml").exists())
#: the base role, and the variables it owns for every role besides its own dsm_ ones: the Portainer connection and
#: the one data folder
BASE = "dsm"
SHARED = re.compile(r"^(portainer_[a-z_]+|data_folder_path)$")
#: entry points that check only what they read, not all of main: the base role's deploy_method and shared run for the
#: docker and portainer methods, which need no DSM connection (main requires one)
READS_ITS_OWN = {("dsm", "deploy_method"), ("dsm", "shared")}


def load(path):
    return yaml.safe_load(path.read_text()) or {}


def argument_specs(role):
    """The role's argument specs, by entry point."""
    return load(ROOT / "roles" / role / "meta" / "argument_specs.yml")["argument_specs"]


def plays(playbook):
    """The plays of a playbook file (none when it holds no list)."""
    content = load(playbook)
    return content if isinstance(content, list) else []


def walk(tasks):
    """Every task of a task list in file order, each block's own (block, rescue, always) after the block."""
    for task in tasks:
        yield task
        for section in ("block", "rescue", "always"):
            yield from walk(task.get(section, []))


@pytest.mark.parametrize("role", ROLES)
def test_defaults_match_argument_specs(role):
    defaults = set(load(ROOT / "roles" / role / "defaults" / "main.yml"))
    options = argument_specs(role)["main"]["options"]
    required = {name for name, option in options.items() if option.get("required")}
    assert defaults - set(options) == set(), "defaults without an argument spec"
    assert set(options) - defaults - required == set(), "argument specs without a default"


@pytest.mark.parametrize("role", ROLES)
def test_variables_carry_the_role_prefix(role):
    options = argument_specs(role)["main"]["options"]
    shared = SHARED if role == BASE else re.compile("(?!)")
    assert [name for name in options if not name.startswith(role + "_") and not shared.match(name)] == []


@pytest.mark.parametrize("role", sorted(set(ROLES) - {BASE}))
def test_only_the_base_role_defines_what_the_roles_share(role):
    defined = set(load(ROOT / "roles" / role / "defaults" / "main.yml"))
    defined |= (
        set(load(ROOT / "roles" / role / "vars" / "main.yml")) if (ROOT / "roles" / role / "vars").exists() else set()
    )
    assert [name for name in defined if SHARED.match(name) or name.startswith(BASE + "_")] == []


def test_the_playbooks_read_no_private_variable_of_a_role():
    """A playbook reads what a role publishes (role-prefixed, one underscore: hyper_backup_result, dsm_deploy_method),
    never a role's own working variables (role__name); its own (status__, probe__, ...) and the collection's play-wide
    ankinas__ ones are its business."""
    private = re.compile(r"\b(" + "|".join(ROLES) + r")__\w+")
    found = [
        f"{playbook.name}: {match.group(0)}"
        for playbook in sorted((ROOT / "playbooks").glob("*.yml"))
        for match in private.finditer(playbook.read_text())
    ]
    assert found == []


def test_the_deploy_method_is_read_as_the_base_role_publishes_it():
    """The deploy method is picked once, by the base role's entry point deploy_method, and read as the facts it
    publishes (dsm_deploy_method, dsm_over_ssh, dsm_docker_runs_on, dsm_docker_from_controller): no role or playbook
    sets a method fact of its own, and the fact of earlier releases is gone (spelled in two parts here, so that a
    search for it finds the base role, which names it once for readers of earlier releases, and the changelogs)."""
    old_fact = "ankinas_" + "deploy_method"
    files = [
        *(ROOT / "roles").glob("*/*/*.yml"),
        *(ROOT / "roles").glob("*/templates/*"),
        *(ROOT / "playbooks").glob("*.yml"),
    ]
    assert [str(path.relative_to(ROOT)) for path in files if old_fact in path.read_text()] == [
        "roles/dsm/meta/argument_specs.yml"
    ]
    setters = [
        str(path.relative_to(ROOT))
        for path in files
        if re.search(r"^\s+dsm_(deploy_method|over_ssh|docker_runs_on|docker_from_controller):", path.read_text(), re.M)
    ]
    assert setters == ["roles/dsm/tasks/deploy_method.yml"]


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
    task_lists = [play.get("tasks", []) for playbook in (ROOT / "playbooks").glob("*.yml") for play in plays(playbook)]
    task_lists += [load(task_file) or [] for task_file in (ROOT / "roles").glob("*/tasks/*.yml")]
    used = set()
    for tasks in task_lists:
        for task in walk(tasks):
            for action in ("ansible.builtin.import_role", "ansible.builtin.include_role"):
                if action in task:
                    role = task[action]["name"].rsplit(".", 1)[-1]
                    used.add((role, task[action].get("tasks_from", "main")))
    assert {("dsm", "validate"), ("anki_sync_server", "validate"), ("hyper_backup", "main")} <= used
    for role, entry_point in used:
        specs = argument_specs(role)
        assert entry_point in specs, f"{role} has no argument spec for its entry point {entry_point}"
        if (role, entry_point) in READS_ITS_OWN:
            continue
        checked = specs[entry_point]["options"]
        assert all(checked.get(name) == spec for name, spec in specs["main"]["options"].items()), (
            f"{role}: {entry_point} checks less than main"
        )


def _checked(spec):
    """What Ansible's argument-spec check of one option enforces (not its words, nor the default it documents)."""
    return {key: value for key, value in spec.items() if key not in ("description", "default")}


def test_a_role_import_that_skips_its_argument_check_follows_the_check_of_every_role():
    """site.yml, status.yml and the restore drill validate every role first (the dsm role's validate entry point
    imports each role's); their later role imports skip Ansible's check (rolespec_validate: false), which is safe only
    when those checks already covered every option of the skipped entry point."""
    validated = {}
    for role in ROLES:
        specs = argument_specs(role)
        validated.update({name: _checked(spec) for name, spec in specs["validate"]["options"].items()})
    skipped = 0
    for playbook in sorted((ROOT / "playbooks").glob("*.yml")):
        for play in plays(playbook):
            validated_first = False
            for task in walk(play.get("tasks", [])):
                imported = task.get("ansible.builtin.import_role")
                if not imported:
                    continue
                role = imported["name"].rsplit(".", 1)[-1]
                entry_point = imported.get("tasks_from", "main")
                if (role, entry_point) == (BASE, "validate"):
                    validated_first = True
                if imported.get("rolespec_validate", True):
                    continue
                skipped += 1
                assert validated_first, f"{playbook.name}: {role} {entry_point} skips its check before any check ran"
                options = argument_specs(role)[entry_point]
                for name, spec in options["options"].items():
                    assert validated.get(name) == _checked(spec), (
                        f"{playbook.name}: {role} {entry_point} skips the check of {name}: no validate checks it alike"
                    )
    assert skipped >= 9, "site.yml's role imports after its first check skip the second check"
