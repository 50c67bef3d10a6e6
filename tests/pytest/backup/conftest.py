"""Fixtures of the backup suite: the DSM suite's simulated DSM, with the shared folders a backup needs."""

import importlib.util
from pathlib import Path

import pytest
from hyper_backup_helpers import share

# The DSM suite's fixtures (dsm_ca, make_dsm, dsm), reused as they are: loaded from its conftest.
_spec = importlib.util.spec_from_file_location(
    "ankinas_dsm_fixtures", Path(__file__).parents[1] / "dsm" / "conftest.py"
)
_dsm_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_dsm_fixtures)
dsm_ca, make_dsm, dsm = _dsm_fixtures.dsm_ca, _dsm_fixtures.make_dsm, _dsm_fixtures.dsm


@pytest.fixture
def nas(dsm):
    """The simulated DSM with the shares docker (holding anki-server/ with a file) and backups."""
    data = share(dsm, "docker") / "anki-server"
    (data / "alice").mkdir(parents=True)
    (data / "alice" / "collection.anki2").write_bytes(b"collection of alice")
    share(dsm, "backups")
    dsm.reset_counters()
    return dsm
