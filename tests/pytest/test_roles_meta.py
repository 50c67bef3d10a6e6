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
