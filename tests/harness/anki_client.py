"""A real Anki client (the PyPI `anki` package) for tests, the demo and benchmarks.

make_collection() writes a local collection with notes, sync() brings it in line with a sync server (full
upload or download when the server asks for one), download_notes() reads what a server holds for a user
through a fresh client, host_key_login() is the raw login request of the sync protocol, without `anki`.

Endpoints are base URLs and must end with "/" (e.g. "http://127.0.0.1:8080/"): the client joins "sync/..."
to them. A wrong password raises anki.errors.SyncError with kind SyncErrorKind.AUTH; an unreachable server
raises anki.errors.NetworkError.
"""

import contextlib
import json
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import zstandard
from anki.collection import Collection
from simnas.waiting import wait_until

PROTOCOL_VERSION = 11
COLLECTION_FILE = "collection.anki2"


def generate_notes(count, prefix="note"):
    """count (front, back) pairs, distinct per prefix."""
    return [(f"{prefix} {i} front", f"{prefix} {i} back") for i in range(count)]


def make_collection(directory, notes):
    """A new collection in directory holding notes ((front, back) pairs, note type Basic); its path."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, COLLECTION_FILE)
    col = Collection(path)
    try:
        basic = col.models.by_name("Basic")
        deck_id = col.decks.id("Default")
        for front, back in notes:
            note = col.new_note(basic)
            note["Front"], note["Back"] = front, back
            col.add_note(note, deck_id)
    finally:
        col.close()
    return path


def _check_endpoint(endpoint):
    if not endpoint.endswith("/"):
        raise ValueError(f"endpoint {endpoint!r} must end with '/' (the client joins 'sync/...' to it)")


def sync(collection_path, user, password, endpoint, *, media=False, upload_on_conflict=True):
    """Log in and sync the collection at collection_path; returns what was done.

    The result is "no changes", "normal", "full upload" or "full download". When both sides changed
    in a way that needs a full sync, upload_on_conflict decides the direction. With media=True the
    media folder is synced too (and waited for).
    """
    _check_endpoint(endpoint)
    col = Collection(collection_path)
    try:
        auth = col.sync_login(user, password, endpoint)
        out = col.sync_collection(auth, sync_media=media)
        done = {out.NO_CHANGES: "no changes", out.NORMAL_SYNC: "normal"}.get(out.required)
        if done is None:
            upload = out.required == out.FULL_UPLOAD or (out.required == out.FULL_SYNC and upload_on_conflict)
            server_usn = out.server_media_usn if media else None
            col.close_for_full_sync()
            try:
                col.full_upload_or_download(auth=auth, server_usn=server_usn, upload=upload)
            finally:
                # The backend holds the collection again, also after a failed transfer: take it back so
                # that close() below releases the file.
                col.reopen(after_full_sync=True)
            done = "full upload" if upload else "full download"
        if media:  # media_sync_status() raises when the media sync failed
            wait_until(lambda: not col.media_sync_status().active, 120, "the media sync to finish")
        return done
    finally:
        col.close()


def collection_notes(collection_path):
    """The notes of a local collection as a sorted list of field tuples."""
    col = Collection(collection_path)
    try:
        return sorted(tuple(col.get_note(nid).fields) for nid in col.find_notes(""))
    finally:
        col.close()


def download_notes(user, password, endpoint):
    """What the server holds for user, read by a fresh, empty client: a sorted list of field tuples."""
    with tempfile.TemporaryDirectory(prefix="ankinas-client-") as directory:
        path = make_collection(directory, [])
        sync(path, user, password, endpoint)
        return collection_notes(path)


def _protocol_post(endpoint, method, payload, host_key="", timeout=60):
    """POST sync/<method> as a client does (protocol v11, zstd body): (HTTP status, decompressed answer)."""
    _check_endpoint(endpoint)
    if not endpoint.startswith(("http://", "https://")):
        raise ValueError(f"endpoint {endpoint!r} must be an http:// or https:// URL")
    header = {"v": PROTOCOL_VERSION, "k": host_key, "c": "ankinas-probe", "s": "ankinas-probe"}
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        f"{endpoint}sync/{method}",
        data=zstandard.ZstdCompressor().compress(payload),
        method="POST",
        headers={"anki-sync": json.dumps(header)},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    with contextlib.suppress(zstandard.ZstdError):
        body = zstandard.ZstdDecompressor().decompressobj().decompress(body)
    return status, body


def upload_collection_file(endpoint, user, password, collection_path):
    """A full upload of the file collection_path as user, without the client library: (status, answer text).

    The client library turns some refusals into a generic NetworkError (when the server answers while it
    is still sending); this shows the server's own answer, e.g. "collection exceeds size limit".
    """
    status, answer = _protocol_post(endpoint, "hostKey", json.dumps({"u": user, "p": password}).encode())
    assert status == 200, f"login of {user} answered HTTP {status}"
    host_key = json.loads(answer)["key"]
    status, answer = _protocol_post(endpoint, "upload", Path(collection_path).read_bytes(), host_key)
    return status, answer.decode(errors="replace")


def host_key_login(endpoint, user, password, timeout=60):
    """POST sync/hostKey as a client does: True if the server accepts the login.

    403 (wrong user or password) gives False; any other answer raises urllib.error.HTTPError/URLError.
    """
    credentials = json.dumps({"u": user, "p": password}).encode()
    status, answer = _protocol_post(endpoint, "hostKey", credentials, timeout=timeout)
    if status == 403:
        return False
    if status != 200:
        raise urllib.error.HTTPError(f"{endpoint}sync/hostKey", status, answer[:200].decode(errors="replace"), {}, None)
    return bool(json.loads(answer).get("key"))
