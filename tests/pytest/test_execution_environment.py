"""The execution environment: ansible-builder picks up the collection's Python and system packages.

`ansible-builder create` writes the build context of docs/execution-environment.yml (the definition the
README gives AWX/AAP users) with this checkout's tarball as the collection; the context's own
introspection script, which the image build runs in its builder stage, is then run on the installed
tarball, so the test reads exactly the package lists the image would install.
"""

import subprocess
import sys

import pytest
import yaml
from harness.runner import ROOT


def run(*command, cwd=ROOT):
    process = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    assert process.returncode == 0, f"{command} failed:\n{process.stdout}\n{process.stderr}"
    return process.stdout


def requirement_lines(path):
    lines = (line.split("#", 1)[0].strip() for line in (ROOT / path).read_text().splitlines())
    return [line for line in lines if line]


@pytest.fixture(scope="module")
def installed_tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("ee")
    run("ansible-galaxy", "collection", "build", "--output-path", str(out))
    (tarball,) = out.glob("ankinas-synology-*.tar.gz")
    run(
        "ansible-galaxy",
        "collection",
        "install",
        "--offline",
        "--no-deps",
        "--force",
        "-p",
        str(out / "installed"),
        str(tarball),
    )
    return out, tarball


def test_ee_context_lists_the_collections_python_and_system_packages(installed_tarball):
    out, tarball = installed_tarball
    definition = yaml.safe_load((ROOT / "docs/execution-environment.yml").read_text())
    galaxy = definition["dependencies"]["galaxy"]["collections"]
    assert galaxy[0]["name"] == "ankinas.synology"
    galaxy[0] = {"name": str(tarball), "type": "file"}
    (out / "execution-environment.yml").write_text(yaml.safe_dump(definition))

    context = out / "context"
    run(
        "ansible-builder", "create", "--output-filename", "Containerfile",
        "-f", str(out / "execution-environment.yml"), "--context", str(context),
    )  # fmt: skip
    steps = (context / "Containerfile").read_text()
    assert "introspect" in steps and "install-from-bindep" in steps
    assert str(tarball) in (context / "_build/requirements.yml").read_text()

    introspected = yaml.safe_load(
        run(sys.executable, str(context / "_build/scripts/introspect.py"), "introspect", str(out / "installed"))
    )
    python = [line.split("#")[0].strip() for line in introspected["python"] if "ankinas.synology" in line]
    system = [line.split("#")[0].strip() for line in introspected["system"] if "ankinas.synology" in line]
    assert python == requirement_lines("meta/ee-requirements.txt")
    assert system == requirement_lines("meta/ee-bindep.txt")
    assert "anki>=25.7" in python and not [line for line in python if line.startswith(("docker", "requests"))]
    assert "openssh-client [platform:dpkg]" in system
