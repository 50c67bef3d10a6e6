# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter anki_snapshots: each user's collection and the age of its consistent snapshot, for status.yml."""

import posixpath

COLLECTION = "collection.anki2"
SNAPSHOT = "collection.snapshot.anki2"


def anki_snapshots(files, now, max_age_hours):
    """{collections, snapshots, oldest_hours, problems} from ansible.builtin.find's files (path, mtime).

    now: the NAS's clock as seconds since the epoch (mtimes are epoch seconds, so no time zone enters). One problem
    per collection without a snapshot, and one per snapshot older than max_age_hours.
    """
    collections, snapshots = [], {}
    for item in files or []:
        path = str(item.get("path") or "")
        folder, name = posixpath.split(path)
        if name == COLLECTION:
            collections.append(folder)
        elif name == SNAPSHOT:
            snapshots[folder] = float(item.get("mtime") or 0)
    problems, ages = [], []
    for folder in sorted(collections):
        user = posixpath.basename(folder)
        if folder not in snapshots:
            problems.append(f"no snapshot of the collection of {user} ({folder}/{COLLECTION})")
            continue
        hours = round((float(now) - snapshots[folder]) / 3600, 1)
        ages.append(hours)
        if hours > float(max_age_hours):
            problems.append(f"the snapshot of the collection of {user} is {hours} h old ({folder}/{SNAPSHOT})")
    return {
        "collections": len(collections),
        "snapshots": len(ages),
        "oldest_hours": max(ages) if ages else None,
        "problems": problems,
    }


class FilterModule:
    def filters(self):
        return {"anki_snapshots": anki_snapshots}
