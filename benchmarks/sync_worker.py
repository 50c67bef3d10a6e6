"""One Anki client in its own process (the Rust client reads SSL_CERT_FILE and HTTPS_PROXY from its
environment). Prints one JSON line with the timings.

    python -m benchmarks.sync_worker upload   ENDPOINT USER PASSWORD COLLECTION_DIR
    python -m benchmarks.sync_worker download ENDPOINT USER PASSWORD COLLECTION_DIR
    python -m benchmarks.sync_worker roundtrip ENDPOINT USER PASSWORD WORK_DIR NOTES
    python -m benchmarks.sync_worker sync     ENDPOINT USER PASSWORD COLLECTION_DIR

upload: a full upload of COLLECTION_DIR/collection.anki2 (the server must ask for one); download: a fresh,
empty client in COLLECTION_DIR does a full download. "transfer" is the full upload/download call alone
(client compression, the request, the server's work); "sync" adds the login and the sync negotiation.
roundtrip (the many-users case): prints "ready" and waits for a line on stdin, then login + full upload of
a small collection, then a fresh client's login + full download; "sync" is the whole of it.
sync: a device's normal sync of COLLECTION_DIR/collection.anki2 (no full sync expected); "sync" is the whole
of it, "required" what the server asked for.
"""

import json
import os
import sys
import time

from anki.collection import Collection
from harness import anki_client


def _full_sync(path, user, password, endpoint, upload):
    timings = {}
    started = time.monotonic()
    col = Collection(str(path))
    try:
        auth = col.sync_login(user, password, endpoint)
        timings["login"] = time.monotonic() - started
        out = col.sync_collection(auth, sync_media=False)
        expected = (out.FULL_UPLOAD, out.FULL_SYNC) if upload else (out.FULL_DOWNLOAD, out.FULL_SYNC)
        if out.required not in expected:
            raise SystemExit(f"the server did not ask for a full {'upload' if upload else 'download'}: {out.required}")
        col.close_for_full_sync()
        transfer_started = time.monotonic()
        col.full_upload_or_download(auth=auth, server_usn=None, upload=upload)
        timings["transfer"] = time.monotonic() - transfer_started
        col.reopen(after_full_sync=True)
        timings["notes"] = col.note_count()
    finally:
        col.close()
    timings["sync"] = time.monotonic() - started
    timings["bytes"] = os.path.getsize(path)
    return timings


def _normal_sync(path, user, password, endpoint):
    started = time.monotonic()
    col = Collection(str(path))
    try:
        auth = col.sync_login(user, password, endpoint)
        login = time.monotonic() - started
        out = col.sync_collection(auth, sync_media=False)
        required = {out.NO_CHANGES: "no changes", out.NORMAL_SYNC: "normal"}.get(out.required)
        if required is None:
            raise SystemExit(f"the server asked this device for a full sync ({out.required})")
        notes = col.note_count()
    finally:
        col.close()
    return {"login": login, "sync": time.monotonic() - started, "required": required, "notes": notes}


def main(argv):
    action, endpoint, user, password, directory = argv[:5]
    path = os.path.join(directory, anki_client.COLLECTION_FILE)
    if action == "upload":
        result = _full_sync(path, user, password, endpoint, upload=True)
    elif action == "download":
        anki_client.make_collection(directory, [])
        result = _full_sync(path, user, password, endpoint, upload=False)
    elif action == "sync":
        result = _normal_sync(path, user, password, endpoint)
    elif action == "roundtrip":
        notes = anki_client.generate_notes(int(argv[5]), user)
        anki_client.make_collection(os.path.join(directory, "up"), notes)
        anki_client.make_collection(os.path.join(directory, "down"), [])
        print("ready", flush=True)
        sys.stdin.readline()  # every client starts at the same moment
        started = time.monotonic()
        up = _full_sync(os.path.join(directory, "up", anki_client.COLLECTION_FILE), user, password, endpoint, True)
        down = _full_sync(os.path.join(directory, "down", anki_client.COLLECTION_FILE), user, password, endpoint, False)
        result = {"sync": time.monotonic() - started, "upload": up["sync"], "download": down["sync"]}
        result["logins"] = [up["login"], down["login"]]
        result["ok"] = down["notes"] == len(notes)
    else:
        raise SystemExit(__doc__)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
