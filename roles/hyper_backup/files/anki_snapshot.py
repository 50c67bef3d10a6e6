# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Consistent snapshots of the Anki sync server's SQLite files, and the restore that uses them.

The sync server keeps every user's collection.anki2 and media.db open in WAL mode. A file copy
taken while it writes (what a backup program does) can hold a main file and a -wal file from
different moments: a torn database. SQLite's online backup API copies a database as one
transaction, so its copy is consistent whatever the server does meanwhile.

  anki_snapshot.py snapshot DATA_DIR [--container NAME]
      stops the sync server's container (it holds every collection with an exclusive lock, so
      nothing else can read one while it runs), then for every user folder:
      collection.anki2 -> collection.snapshot.anki2 and media.db -> media.snapshot.db
      (rollback-journal mode, one self-contained file each),
      written next to the live file under a temporary name, checked, then renamed into place;
      then starts the container again (also when the snapshot failed).
  anki_snapshot.py restore --from COPY --to DATA_DIR [--owner UID:GID] [--force]
      copies a restored copy of DATA_DIR back and, in every user folder, puts the snapshot in
      place of the live database (whose copy may be torn), dropping the stale -wal/-shm files.
  anki_snapshot.py check DATA_DIR
      PRAGMA integrity_check on every collection and media database.

Only the Python standard library; every command prints one JSON object and exits non-zero on
failure. Run as root, it gives each snapshot (and any -wal/-shm file SQLite leaves) to the owner of
the live file, so the server can always open what it finds.
"""

import argparse
import contextlib
import json
import os
import pathlib
import shutil
import sqlite3
import subprocess
import sys
import time

DATABASES = (("collection.anki2", "collection.snapshot.anki2"), ("media.db", "media.snapshot.db"))
SIDE_FILES = ("-wal", "-shm", "-journal")


class SnapshotError(Exception):
    pass


def give_back(live, paths):
    """Give files made next to live (snapshot, -wal/-shm SQLite may leave) to live's owner, when root."""
    if os.geteuid() != 0:
        return
    info = os.stat(live)
    for path in paths:
        if os.path.exists(path):
            os.chown(path, info.st_uid, info.st_gid)


def unicase(left, right):
    """Anki's case-insensitive collation (the unicase crate), which its schema names in indexes."""
    left, right = left.casefold(), right.casefold()
    return (left > right) - (left < right)


def connect(path, **options):
    connection = sqlite3.connect(path, **options)
    connection.create_collation("unicase", unicase)
    return connection


def integrity(path):
    """SQLite's quick_check (structure, page and record sanity) of a database, read-only."""
    uri = pathlib.Path(os.path.abspath(path)).as_uri() + "?mode=ro"
    connection = connect(uri, uri=True, timeout=30)
    try:
        return connection.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        connection.close()


def snapshot_one(live, snapshot):
    tmp = snapshot + ".tmp"
    for leftover in (tmp, *(tmp + side for side in SIDE_FILES)):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(leftover)
    try:
        source = connect(live, timeout=60)
        try:
            target = connect(tmp)
            try:
                # One step: the whole database inside one read transaction, consistent by design.
                source.backup(target)
                target.execute("PRAGMA journal_mode=DELETE")
                target.commit()
            finally:
                target.close()
        finally:
            source.close()
        result = integrity(tmp)
        if result != "ok":
            raise SnapshotError(f"the snapshot of {live} failed its integrity check: {result}")
        os.chmod(tmp, os.stat(live).st_mode & 0o777)
        give_back(live, [tmp])
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, snapshot)
    finally:
        for leftover in (tmp, *(tmp + side for side in SIDE_FILES)):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover)
        # Run as root, SQLite may have made the live file's -wal/-shm: the server must be able to open them.
        give_back(live, [live + side for side in SIDE_FILES])
    return os.path.getsize(snapshot)


def user_dirs(data_dir):
    if not os.path.isdir(data_dir):
        raise SnapshotError(f"{data_dir} is not a directory")
    for name in sorted(os.listdir(data_dir)):
        path = os.path.join(data_dir, name)
        if os.path.isdir(path) and not os.path.islink(path):
            yield name, path


def docker(args, *command):
    result = subprocess.run([args.docker, *command], capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        raise SnapshotError(f"{args.docker} {command[0]} failed: {result.stderr.strip()[:300]}")
    return result.stdout.strip()


def cmd_snapshot(args):
    """Snapshot every user's databases; with --container, with the sync server stopped meanwhile.

    The sync server opens each collection with SQLite's exclusive locking mode, so no other process
    can read it while the server runs; stopping the container for the few seconds of the snapshot
    is what makes the snapshot possible at all (and consistent: nothing writes meanwhile).
    """
    made, stopped, started_at = [], False, time.monotonic()
    if args.container:
        stopped = docker(args, "inspect", "-f", "{{.State.Running}}", args.container) == "true"
        if stopped:
            docker(args, "stop", "-t", str(args.stop_timeout), args.container)
    try:
        for user, path in user_dirs(args.data_dir):
            for live_name, snapshot_name in DATABASES:
                live = os.path.join(path, live_name)
                if os.path.isfile(live):
                    size = snapshot_one(live, os.path.join(path, snapshot_name))
                    made.append({"user": user, "file": snapshot_name, "bytes": size})
    finally:
        if stopped:
            docker(args, "start", args.container)
    result = {"changed": bool(made), "snapshots": made}
    if stopped:
        result["container_stopped_seconds"] = round(time.monotonic() - started_at, 1)
    return result


def cmd_check(args):
    checked, bad = [], []
    for user, path in user_dirs(args.data_dir):
        for live_name, _snapshot_name in DATABASES:
            live = os.path.join(path, live_name)
            if os.path.isfile(live):
                result = integrity(live)
                checked.append({"user": user, "file": live_name, "integrity": result})
                if result != "ok":
                    bad.append(f"{user}/{live_name}")
    if bad:
        raise SnapshotError("integrity check failed for {}".format(", ".join(bad)))
    return {"changed": False, "checked": checked}


def cmd_restore(args):
    source, target = args.source, args.target
    if not os.path.isdir(source):
        raise SnapshotError(f"the restored copy {source} is not a directory")
    if os.path.isdir(target) and os.listdir(target) and not args.force:
        raise SnapshotError(f"{target} is not empty; move it away first (or pass --force to overwrite)")
    os.makedirs(target, exist_ok=True)
    shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
    restored = []
    for user, path in user_dirs(target):
        for live_name, snapshot_name in DATABASES:
            live, snapshot = os.path.join(path, live_name), os.path.join(path, snapshot_name)
            used = "none"
            if os.path.isfile(snapshot):
                # The live file's copy may be torn; its -wal and -shm belong to it, not to the snapshot.
                for side in SIDE_FILES:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(live + side)
                shutil.copy2(snapshot, live)
                used = "snapshot"
            elif os.path.isfile(live):
                used = "live copy (no snapshot: may be torn)"
            if used != "none":
                result = integrity(live)
                if result != "ok":
                    raise SnapshotError(f"{user}/{live_name} is damaged after the restore: {result}")
                restored.append({"user": user, "file": live_name, "from": used})
    if args.owner:
        uid, _colon, gid = args.owner.partition(":")
        for root, dirs, files in os.walk(target):
            for name in [*dirs, *files]:
                os.lchown(os.path.join(root, name), int(uid), int(gid or uid))
        os.chown(target, int(uid), int(gid or uid))
    return {"changed": True, "restored": restored}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    snapshot = commands.add_parser("snapshot", help="snapshot every user's databases")
    snapshot.add_argument("data_dir")
    snapshot.add_argument("--container", help="the sync server's container, stopped during the snapshot")
    snapshot.add_argument("--docker", default="docker", help="the docker command (default: docker)")
    snapshot.add_argument("--stop-timeout", type=int, default=30, help="seconds docker stop waits (default 30)")
    snapshot.set_defaults(run=cmd_snapshot)
    check = commands.add_parser("check", help="integrity check of every user's databases")
    check.add_argument("data_dir")
    check.set_defaults(run=cmd_check)
    restore = commands.add_parser("restore", help="restore a copy, snapshots in place of the live files")
    restore.add_argument("--from", dest="source", required=True)
    restore.add_argument("--to", dest="target", required=True)
    restore.add_argument("--owner", help="UID:GID to give every restored file")
    restore.add_argument("--force", action="store_true", help="restore into a non-empty directory")
    restore.set_defaults(run=cmd_restore)
    args = parser.parse_args(argv)
    try:
        result = args.run(args)
    except (SnapshotError, OSError, sqlite3.Error) as exc:
        print(json.dumps({"failed": True, "msg": str(exc)}))
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
