"""Fixtures of the backup suite: the DSM suite's simulated DSM, with the shared folders a backup needs."""

import pytest
from hyper_backup_helpers import share


@pytest.fixture
def dsm_with_shares(dsm):
    """The simulated DSM with the shares docker (holding anki-server/ with a file) and backups."""
    data = share(dsm, "docker") / "anki-server"
    (data / "alice").mkdir(parents=True)
    (data / "alice" / "collection.anki2").write_bytes(b"collection of alice")
    share(dsm, "backups")
    dsm.reset_counters()
    return dsm
