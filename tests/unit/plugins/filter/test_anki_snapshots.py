# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter anki_snapshots: one problem per collection without a snapshot, and per snapshot too old."""

from ansible_collections.ankinas.synology.plugins.filter.anki_snapshots import anki_snapshots

DATA = "/volume1/docker/anki-server"
NOW = 1_800_000_000.0


def files(**users):
    """find's files: each user's collection, and a snapshot `hours` old (None: none)."""
    found = []
    for user, hours in users.items():
        found.append({"path": f"{DATA}/{user}/collection.anki2", "mtime": NOW})
        if hours is not None:
            found.append({"path": f"{DATA}/{user}/collection.snapshot.anki2", "mtime": NOW - hours * 3600})
    return found


def test_every_collection_with_a_recent_snapshot_is_healthy():
    assert anki_snapshots(files(alice=1, bob=2.25), NOW, 48) == {
        "collections": 2,
        "snapshots": 2,
        "oldest_hours": 2.2,
        "problems": [],
    }


def test_one_problem_per_collection_without_a_snapshot_and_per_old_snapshot():
    report = anki_snapshots(files(a=1, b=None, c=3, d=None, e=50, f=2, g=1, h=1), NOW, 48)
    assert (report["collections"], report["snapshots"], report["oldest_hours"]) == (8, 6, 50.0)
    assert report["problems"] == [
        f"no snapshot of the collection of b ({DATA}/b/collection.anki2)",
        f"no snapshot of the collection of d ({DATA}/d/collection.anki2)",
        f"the snapshot of the collection of e is 50.0 h old ({DATA}/e/collection.snapshot.anki2)",
    ]


def test_no_collection_no_problem():
    assert anki_snapshots([], NOW, 48) == {"collections": 0, "snapshots": 0, "oldest_hours": None, "problems": []}
