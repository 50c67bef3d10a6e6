"""Helpers of the Hyper Backup tests (modules/test_dsm_hyper_backup.py and backup/; a module of its own, beside the top
conftest, whose folder is on sys.path: every suite has a conftest, so `import conftest` is ambiguous)."""

from harness.runner import run_module


def share(dsm, name, volume="/volume1"):
    """A shared folder made through the DSM API (dsm_shared_folder); its directory on this machine."""
    result = run_module("dsm_shared_folder", dsm.connection(name=name, volume=volume))
    assert not result.failed, result.get("msg")
    return dsm.home / "volumes" / volume.strip("/") / name
