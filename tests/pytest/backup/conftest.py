"""Fixtures of the backup suite: the DSM suite's simulated DSM, with the shared folders a backup needs."""

import importlib.util
from pathlib import Path

import pytest
from simnas.runner import run_module

# The DSM suite's fixtures (dsm_ca, make_dsm, dsm), reused as they are: loaded from its conftest.
_spec = importlib.util.spec_from_file_location(
    "ankinas_dsm_fixtures", Path(__file__).parents[1] / "dsm" / "conftest.py"
)
_dsm_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_dsm_fixtures)
dsm_ca, make_dsm, dsm = _dsm_fixtures.dsm_ca, _dsm_fixtures.make_dsm, _dsm_fixtures.dsm


def share(dsm, name, volume="/volume1"):
    """A shared folder made through the DSM API (dsm_shared_folder); its directory on this machine."""
    result = run_module("dsm_shared_folder", dsm.connection(name=name, volume=volume))
    assert not result.failed, result.get("msg")
    return dsm.home / "volumes" / volume.strip("/") / name


@pytest.fixture
def nas(dsm):
    """The simulated DSM with the shares docker (holding anki-server/ with a file) and backups."""
    data = share(dsm, "docker") / "anki-server"
    (data / "alice").mkdir(parents=True)
    (data / "alice" / "collection.anki2").write_bytes(b"collection of alice")
    share(dsm, "backups")
    dsm.reset_counters()
    return dsm
