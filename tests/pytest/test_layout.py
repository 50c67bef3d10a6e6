"""Where a newcomer finds a test: tests/pytest/modules/test_<module>.py holds the tests of that one module (the
scenario suites keep theirs)."""

import configparser
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
MODULES = HERE.parents[1] / "plugins" / "modules"


def test_each_module_test_file_names_a_module_of_the_collection():
    names = {path.stem for path in MODULES.glob("*.py")}
    files = sorted(HERE.glob("modules/test_*.py"))
    assert files, "tests/pytest/modules/ holds no test file"
    strays = [path.name for path in files if path.stem.removeprefix("test_") not in names]
    assert not strays, f"tests/pytest/modules/ holds files named after no module: {strays}"


def test_molecule_enables_the_callbacks_of_ansible_cfg():
    # molecule writes its own ansible.cfg (the benchmarks read the checkout's): the same callbacks, one list to follow
    root = Path(__file__).resolve().parents[2]
    checkout = configparser.ConfigParser()
    checkout.read(root / "ansible.cfg")
    molecule = yaml.safe_load((root / "extensions" / "molecule" / "config.yml").read_text())
    callbacks = [
        checkout["defaults"]["callbacks_enabled"],
        molecule["provisioner"]["config_options"]["defaults"]["callbacks_enabled"],
    ]
    expected, in_molecule = ([name.strip() for name in text.split(",")] for text in callbacks)
    assert in_molecule == expected
    assert "ankinas.synology.preload" in expected
