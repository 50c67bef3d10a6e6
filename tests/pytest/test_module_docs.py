"""ansible-doc renders the modules' documentation (a module's own tests are in modules/test_<module>.py)."""

import subprocess

import pytest


@pytest.mark.parametrize("module", ["dsm_info", "dsm_session", "dsm_shared_folder"])
def test_ansible_doc_renders(module):
    process = subprocess.run(
        ["ansible-doc", f"ankinas.synology.{module}"], capture_output=True, text=True, check=False, timeout=60
    )
    assert process.returncode == 0, process.stderr
    assert "dsm_url" in process.stdout and "ERROR" not in process.stderr
