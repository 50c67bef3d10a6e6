# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Notes as code: what anki_notes does, as an Anki client of the user's sync server.

PRIVATE to the collection: it can change at any time.

The module keeps a client collection per server and user in the controller's cache (mode 0700) and
speaks the sync protocol through the official client library (PyPI anki). Data safety rules:
- a run begins with a normal sync; an empty or unknown cache is filled with a full download (the
  server's copy), never the other way round: the module never uploads a whole collection, except to
  carry a note-type change the user allowed with allow_schema_change;
- when the server asks for a full sync, the run fails before sending anything, unless full_sync=download;
- managed notes carry a tag (managed_tag); notes without it are never changed or removed;
- a run that fails after changing the cache drops the cache: the next run downloads again.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import traceback
import unicodedata

from ansible.module_utils.basic import missing_required_lib
from ansible_collections.ankinas.synology.plugins.module_utils._wait import WaitTimeout, wait_until

try:
    from anki.collection import (
        AddNoteRequest,
        Collection,
        ImportAnkiPackageOptions,
        ImportAnkiPackageRequest,
        SearchNode,
    )
    from anki.errors import NetworkError, SyncError, SyncErrorKind
except ImportError:
    ANKI_IMPORT_ERROR = traceback.format_exc()
else:
    ANKI_IMPORT_ERROR = None

COLLECTION_FILE = "collection.anki2"
MARKER_FILE = "synced.json"
MEDIA_SYNC_TIMEOUT = 600
SCHEMA_CONSEQUENCE = (
    "changing the fields or card templates of an existing note type changes the collection's schema: every "
    "device of this user would then have to choose a full upload or a full download at its next sync, and "
    "the side not chosen loses what it did not sync yet"
)


class NotesError(Exception):
    """A failure whose message is safe to show (it never carries the password)."""


# --- input ------------------------------------------------------------------------------------------
def nfc(value):
    """Anki stores note text NFC-normalised; comparing the same form keeps reruns idempotent."""
    return unicodedata.normalize("NFC", value)


def validate(params):
    """Checks that need no server; raises NotesError naming the option and the fix."""
    url = params["url"]
    if not url.startswith(("http://", "https://")):
        raise NotesError(f"url must be an http:// or https:// URL of the sync server, got {url!r}")
    if url.startswith("https://") and not params["validate_certs"]:
        raise NotesError(
            "validate_certs=false is not possible: the Anki client library always verifies TLS certificates. "
            "Set ca_path to the CA that signed the server's certificate, or use the http:// URL of the NAS's "
            "local port"
        )
    if params["ca_path"] and not os.path.isfile(params["ca_path"]):
        raise NotesError(f"ca_path {params['ca_path']!r} is not a readable file")
    for tag in [params["managed_tag"]] + [tag for note in params["notes"] for tag in note["tags"] or []]:
        if not tag or any(char.isspace() for char in tag):
            raise NotesError(f"tags: {tag!r} is not a valid Anki tag (tags are single words; use :: for a hierarchy)")
    if params["apkg"]:
        if not os.path.isfile(params["apkg"]):
            raise NotesError(f"apkg {params['apkg']!r} is not a readable file")
        return
    spec = params["note_type"]
    if params["state"] == "present" and not params["deck"] and params["notes"]:
        raise NotesError("deck is required with state=present: name the deck new notes go to (e.g. French::Vocabulary)")
    fields = spec.get("fields")
    if fields:
        if len(set(fields)) != len(fields):
            raise NotesError(f"note_type.fields of {spec['name']!r} names a field twice: {fields}")
        if not spec.get("templates"):
            raise NotesError(f"note_type.templates is required with note_type.fields ({spec['name']!r})")
        if params["key_field"] and params["key_field"] not in fields:
            raise NotesError(f"key_field {params['key_field']!r} is not one of note_type.fields {fields}")
        for note in params["notes"]:
            unknown = sorted(set(note["fields"] or {}) - set(fields))
            if unknown:
                raise NotesError(f"notes: fields {unknown} are not in note_type.fields {fields}")
    for path in params["media"]:
        if not os.path.isfile(path):
            raise NotesError(f"media file {path!r} does not exist on the controller")
    names = [os.path.basename(path) for path in params["media"]]
    if len(set(names)) != len(names):
        raise NotesError(f"media: two files share a name ({names}); media sync keys files by name")


# --- the cache ----------------------------------------------------------------------------------------
def default_cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "ankinas.synology", "anki_notes")


class Cache:
    """The client collection of one server and user: <cache_dir>/<sha256(url, user)>/, mode 0700, locked."""

    def __init__(self, root, url, user):
        digest = hashlib.sha256(f"{url}\n{user}".encode()).hexdigest()[:20]
        self.directory = os.path.join(root or default_cache_dir(), digest)
        self.identity = {"url": url, "user": user}
        self._lock = None

    def __enter__(self):
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        os.chmod(self.directory, 0o700)
        self._lock = open(os.path.join(self.directory, "lock"), "w")
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        self._lock.close()

    @property
    def collection(self):
        return os.path.join(self.directory, COLLECTION_FILE)

    @property
    def media_dir(self):
        return os.path.join(self.directory, "collection.media")

    def is_synced(self):
        """True when the cache holds a collection this server gave (a download or a completed sync)."""
        try:
            with open(os.path.join(self.directory, MARKER_FILE)) as handle:
                return json.load(handle) == self.identity and os.path.exists(self.collection)
        except (OSError, ValueError):
            return False

    def mark_synced(self):
        with open(os.path.join(self.directory, MARKER_FILE), "w") as handle:
            json.dump(self.identity, handle)

    def drop(self):
        """Forget the collection (never the server's data): the next run downloads it again."""
        for name in os.listdir(self.directory):
            if name == "lock":
                continue
            path = os.path.join(self.directory, name)
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)


# --- the sync server ------------------------------------------------------------------------------------
class Session:
    """One open client collection and its login to the server."""

    def __init__(self, path, params):
        self.params = params
        self.col = Collection(path)
        self.auth = None

    def close(self):
        if self.col is not None:
            self.col.close()
            self.col = None

    def _fail(self, action, exc):
        url = self.params["url"]
        if isinstance(exc, SyncError) and exc.kind == SyncErrorKind.AUTH:
            return NotesError(
                f"the Anki sync server at {url} refused the login of user {self.params['user']!r}: wrong user name "
                "or password. Nothing was changed (the module tries once, so a wrong password is not repeated)"
            )
        if isinstance(exc, NetworkError):
            return NotesError(
                f"{action} failed: the Anki sync server at {url} could not be reached ({exc}). A certificate the "
                "client does not trust shows up as 'error sending request': set ca_path to the CA of the server's "
                "certificate"
            )
        return NotesError(f"{action} failed at {url}: {exc}")

    def login(self):
        try:
            self.auth = self.col.sync_login(self.params["user"], self.params["password"], self.params["url"])
        except Exception as exc:
            raise self._fail("the login", exc) from None

    def status(self):
        """What the server asks for, from its meta answer only (nothing is sent): no/normal/full."""
        try:
            required = self.col.sync_status(self.auth).required
        except Exception as exc:
            raise self._fail("the sync status request", exc) from None
        return {0: "no changes", 1: "normal", 2: "full"}[required]

    def sync(self):
        """A normal sync; returns 'done' or 'full' (the server asks for a full sync: nothing was sent)."""
        try:
            out = self.col.sync_collection(self.auth, sync_media=False)
        except Exception as exc:
            raise self._fail("the sync", exc) from None
        return "done" if out.required in (out.NO_CHANGES, out.NORMAL_SYNC) else "full"

    def full_transfer(self, upload):
        self.col.close_for_full_sync()
        try:
            self.col.full_upload_or_download(auth=self.auth, server_usn=None, upload=upload)
        except Exception as exc:
            raise self._fail("the full " + ("upload" if upload else "download"), exc) from None
        finally:
            self.col.reopen(after_full_sync=True)

    def sync_media(self):
        try:
            self.col.sync_media(self.auth)
            try:
                wait_until(
                    lambda: self.col.media_sync_status().active,
                    lambda active: not active,
                    MEDIA_SYNC_TIMEOUT,
                    f"the media sync did not finish within {MEDIA_SYNC_TIMEOUT} s",
                    interval=0.1,
                )
            except WaitTimeout as exc:
                self.col.abort_media_sync()
                raise NotesError(str(exc)) from None
        except NotesError:
            raise
        except Exception as exc:
            raise self._fail("the media sync", exc) from None


# --- what to change -------------------------------------------------------------------------------------
def note_type_plan(col, params):
    """(notetype dict or None, what to do: 'create' | 'update' | None, schema change description or None)."""
    spec = params["note_type"]
    current = col.models.by_name(spec["name"])
    fields = spec.get("fields")
    if current is None:
        if params["state"] == "absent":
            return None, None, None
        if not fields:
            raise NotesError(
                f"note type {spec['name']!r} does not exist in {params['user']}'s collection: give "
                "note_type.fields and note_type.templates to create it, or name an existing note type"
            )
        return None, "create", None
    if not fields:
        return current, None, None
    schema = []
    current_fields = [field["name"] for field in current["flds"]]
    if current_fields != fields:
        schema.append(f"fields {current_fields} -> {fields}")
    current_templates = [template["name"] for template in current["tmpls"]]
    wanted_templates = [template["name"] for template in spec["templates"]]
    if current_templates != wanted_templates:
        schema.append(f"card templates {current_templates} -> {wanted_templates}")
    if schema:
        return current, "update", "; ".join(schema)
    texts_differ = any(
        (template["qfmt"], template["afmt"]) != (wanted["front"], wanted["back"])
        for template, wanted in zip(current["tmpls"], spec["templates"], strict=True)
    )
    css_differs = spec.get("css") is not None and current["css"] != spec["css"]
    return current, ("update" if texts_differ or css_differs else None), None


def key_field_of(params, notetype):
    fields = params["note_type"].get("fields") or [field["name"] for field in notetype["flds"]]
    key = params["key_field"] or fields[0]
    if key not in fields:
        raise NotesError(f"key_field {key!r} is not a field of note type {params['note_type']['name']!r}: {fields}")
    return key


def read_notes(col, name, key_field, managed_tag):
    """(managed: key -> note, unmanaged keys): the notes of note type name, split by the managed tag."""
    managed, unmanaged = {}, set()
    tag = managed_tag.lower()
    for nid in col.find_notes(col.build_search_string(SearchNode(note=name))):
        note = col.get_note(nid)
        key = note[key_field]
        if tag in (t.lower() for t in note.tags):
            if key in managed:
                raise NotesError(
                    f"two managed notes of note type {name!r} have {key_field}={key!r} (ids {managed[key].id} and "
                    f"{nid}); delete one of them in Anki, then rerun"
                )
            managed[key] = note
        else:
            unmanaged.add(key)
    return managed, unmanaged


def view(note, fields):
    """The managed part of a note, as the diff shows it."""
    return {"fields": {name: note[name] for name in fields}, "tags": sorted(note.tags)}


class Plan:
    def __init__(self):
        self.note_type_action = None
        self.schema_change = None
        self.deck_created = False
        self.add = []  # (key, fields, tags)
        self.update = []  # (note, fields, tags)
        self.remove = []  # notes
        self.unchanged = 0
        self.skipped = []  # keys of notes the module did not create
        self.media = []  # paths to upload
        self.before = {}
        self.after = {}

    @property
    def changed(self):
        return bool(self.note_type_action or self.deck_created or self.add or self.update or self.remove or self.media)


def plan_notes(col, params, media_dir):
    """What a run would change in col; raises NotesError before anything changes."""
    plan = Plan()
    notetype, plan.note_type_action, plan.schema_change = note_type_plan(col, params)
    if plan.schema_change and not params["allow_schema_change"]:
        raise NotesError(
            f"note type {params['note_type']['name']!r} would change ({plan.schema_change}); nothing was sent. "
            f"{SCHEMA_CONSEQUENCE[0].upper()}{SCHEMA_CONSEQUENCE[1:]}. Sync every device first, then rerun with "
            "allow_schema_change=true if that is what you want, or keep the note type as it is"
        )
    if params["state"] == "present" and params["deck"]:
        plan.deck_created = col.decks.id_for_name(params["deck"]) is None
    if notetype is None and params["state"] == "absent":
        plan.unchanged = 0
        return plan
    key_field = key_field_of(params, notetype or {"flds": [{"name": f} for f in params["note_type"]["fields"]]})
    if notetype is not None and key_field not in [field["name"] for field in notetype["flds"]]:
        raise NotesError(
            f"key_field {key_field!r} is not a field of note type {params['note_type']['name']!r} as it is now, so "
            "its notes cannot be found again: set key_field to a field it has before and after the change"
        )
    managed, unmanaged = (
        ({}, set())
        if notetype is None
        else read_notes(col, params["note_type"]["name"], key_field, params["managed_tag"])
    )
    by_id = {note.id: note for note in managed.values()}
    seen = set()
    for item in params["notes"]:
        fields = {name: nfc(value) for name, value in (item["fields"] or {}).items()}
        tags = [nfc(tag) for tag in item["tags"] or []]
        if item["id"] is not None:
            note = by_id.get(item["id"])
            if note is None:
                if params["state"] == "absent":
                    plan.unchanged += 1
                    continue
                raise NotesError(
                    f"notes: no note with id {item['id']} was created by this module in note type "
                    f"{params['note_type']['name']!r}; an id names a note the module added earlier (new notes are "
                    f"identified by {key_field!r})"
                )
            key = note[key_field]
        else:
            key = fields.get(key_field)
            if key is None:
                raise NotesError(f"notes: every note needs its key field {key_field!r} (or an id); one has {fields}")
            note = managed.get(key)
        if key in seen:
            raise NotesError(f"notes: {key_field}={key!r} is listed twice")
        seen.add(key)
        if note is None:
            if key in unmanaged:
                plan.skipped.append(key)
            elif params["state"] == "present":
                plan.add.append((key, fields, tags))
                plan.after[key] = {"fields": fields, "tags": sorted([*tags, params["managed_tag"]])}
            else:
                plan.unchanged += 1
            continue
        if params["state"] == "absent":
            plan.remove.append(note)
            plan.before[key] = view(note, [name for name in fields if name in note] or [key_field])
            continue
        unknown = sorted(set(fields) - set(note.keys()))
        if unknown:
            raise NotesError(f"notes: {key_field}={key!r}: fields {unknown} are not in the note type")
        have = {tag.lower() for tag in note.tags}
        missing_tags = [tag for tag in tags if tag.lower() not in have]
        changed_fields = {name: value for name, value in fields.items() if note[name] != value}
        if changed_fields or missing_tags:
            plan.update.append((note, changed_fields, missing_tags))
            plan.before[key] = view(note, list(fields))
            plan.after[key] = {
                "fields": dict(plan.before[key]["fields"], **changed_fields),
                "tags": sorted(note.tags + missing_tags),
            }
        else:
            plan.unchanged += 1
    if params["state"] == "present":
        plan.media = [path for path in params["media"] if not same_file(path, media_dir)]
    return plan


def same_file(path, media_dir):
    """True when media_dir holds path's file name with the same content; NotesError when it differs."""
    present = os.path.join(media_dir, os.path.basename(path))
    if not os.path.exists(present):
        return False
    if file_digest(present) == file_digest(path):
        return True
    raise NotesError(
        f"media: the server already holds a different file named {os.path.basename(path)!r}; media sync keys files "
        "by name, so Anki would keep the server's copy. Give the file a name of its own (for example with a hash "
        "of its content in it) and refer to that name in the notes"
    )


def file_digest(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


# --- applying a plan to the local collection -----------------------------------------------------------
def apply_note_type(col, params, action):
    spec = params["note_type"]
    models = col.models
    if action == "create":
        notetype = models.new(spec["name"])
        for name in spec["fields"]:
            models.add_field(notetype, models.new_field(name))
    else:
        notetype = models.by_name(spec["name"])
        rebuild(models, notetype, "flds", spec["fields"])
        rebuild(models, notetype, "tmpls", [template["name"] for template in spec["templates"]])
    if action == "create":
        for wanted in spec["templates"]:
            template = models.new_template(wanted["name"])
            template["qfmt"], template["afmt"] = wanted["front"], wanted["back"]
            models.add_template(notetype, template)
    else:
        for template, wanted in zip(notetype["tmpls"], spec["templates"], strict=True):
            template["qfmt"], template["afmt"] = wanted["front"], wanted["back"]
    if spec.get("css") is not None:
        notetype["css"] = spec["css"]
    if action == "create":
        models.add(notetype)
    else:
        models.update_dict(notetype)


# ModelManager methods that make, add, remove and move a field or a card template
REBUILD = {
    "flds": ("new_field", "add_field", "remove_field", "reposition_field"),
    "tmpls": ("new_template", "add_template", "remove_template", "reposition_template"),
}


def rebuild(models, notetype, kind, names):
    """Makes notetype[kind] the list names: keeps the ones that stay (by name, so note content stays), adds the
    new ones, removes the others, reorders."""
    new, add, remove, reposition = (getattr(models, method) for method in REBUILD[kind])
    present = {item["name"] for item in notetype[kind]}
    for name in names:
        if name not in present:
            add(notetype, new(name))
    for item in [item for item in notetype[kind] if item["name"] not in names]:  # after adding: never none left
        remove(notetype, item)
    for index, name in enumerate(names):
        reposition(notetype, next(item for item in notetype[kind] if item["name"] == name), index)


def apply_plan(col, params, plan):
    if plan.note_type_action:
        apply_note_type(col, params, plan.note_type_action)
    if plan.add:
        notetype = col.models.by_name(params["note_type"]["name"])
        deck_id = col.decks.id(params["deck"], create=True)
        requests = []
        for _key, fields, tags in plan.add:
            note = col.new_note(notetype)
            for name, value in fields.items():
                note[name] = value
            note.tags = [*tags, params["managed_tag"]]
            requests.append(AddNoteRequest(note=note, deck_id=deck_id))
        col.add_notes(requests)
    elif plan.deck_created:
        col.decks.id(params["deck"], create=True)
    if plan.update:
        for note, fields, tags in plan.update:
            for name, value in fields.items():
                note[name] = value
            note.tags = note.tags + tags
        col.update_notes([note for note, _fields, _tags in plan.update])
    if plan.remove:
        col.remove_notes([note.id for note in plan.remove])
    for path in plan.media:
        stored = col.media.add_file(path)
        if stored != os.path.basename(path):  # same_file() ruled this out; a rename would break the notes
            raise NotesError(f"media: Anki stored {path!r} as {stored!r}")


# --- an .apkg -----------------------------------------------------------------------------------------
def package_notes(path):
    """guid -> (note type name, fields) of the notes in an .apkg, read by importing it into a scratch collection."""
    with tempfile.TemporaryDirectory(prefix="ankinas-apkg-") as scratch:
        col = Collection(os.path.join(scratch, COLLECTION_FILE))
        try:
            col.import_anki_package(ImportAnkiPackageRequest(package_path=path, options=ImportAnkiPackageOptions()))
            found = {}
            for nid in col.find_notes(""):
                note = col.get_note(nid)
                found[note.guid] = (note.note_type()["name"], list(note.fields))
            return found
        finally:
            col.close()


def plan_package(col, params, package):
    plan = Plan()
    tag = params["managed_tag"].lower()
    for guid, (notetype, fields) in sorted(package.items()):
        nid = col.db.scalar("select id from notes where guid = ?", guid)
        if nid is None:
            if params["state"] == "present":
                plan.add.append((guid, None, None))
                plan.after[guid] = {"note_type": notetype, "fields": fields}
            else:
                plan.unchanged += 1
            continue
        note = col.get_note(nid)
        if tag not in (t.lower() for t in note.tags):
            plan.skipped.append(guid)
        elif params["state"] == "absent":
            plan.remove.append(note)
            plan.before[guid] = {"note_type": notetype, "fields": list(note.fields)}
        elif list(note.fields) != fields:
            plan.update.append((note, None, None))
            plan.before[guid] = {"note_type": notetype, "fields": list(note.fields)}
            plan.after[guid] = {"note_type": notetype, "fields": fields}
        else:
            plan.unchanged += 1
    if plan.skipped and params["state"] == "present":
        raise NotesError(
            f"apkg: {len(plan.skipped)} notes of the package already exist in {params['user']}'s collection and were "
            "not added by this module (imported by hand?); importing would change them. Nothing was sent"
        )
    return plan


def apply_package(col, params, plan):
    if plan.add or plan.update:
        always = 1  # ImportAnkiPackageUpdateCondition ALWAYS: the plan chose which notes change
        options = ImportAnkiPackageOptions(update_notes=always, update_notetypes=always, with_scheduling=False)
        col.import_anki_package(ImportAnkiPackageRequest(package_path=params["apkg"], options=options))
        nids = [col.db.scalar("select id from notes where guid = ?", guid) for guid, _f, _t in plan.add]
        if nids:
            col.tags.bulk_add(nids, params["managed_tag"])
    if plan.remove:
        col.remove_notes([note.id for note in plan.remove])


# --- a run --------------------------------------------------------------------------------------------
def begin(session, cache, params, check_mode):
    """Brings the local collection in line with the server before anything is planned; returns how."""
    if not cache.is_synced() and not check_mode:
        session.full_transfer(upload=False)  # nothing local to lose: take the server's copy
        cache.mark_synced()
        return "full download (new cache)"
    if check_mode:
        fresh = not cache.is_synced()
        state = "full" if fresh else session.status()
        if state == "no changes":
            return "no changes"
        if state == "full" and not fresh and params["full_sync"] != "download":
            raise full_sync_refused(params)
        session.full_transfer(upload=False)  # into the check-mode copy: the real cache stays as it was
        return "full download (check mode copy)"
    state = session.status()
    if state == "no changes":
        return state
    if state == "normal" and session.sync() == "done":
        return state
    if params["full_sync"] != "download":
        raise full_sync_refused(params)
    session.full_transfer(upload=False)
    cache.mark_synced()
    return "full download (full_sync=download)"


def full_sync_refused(params):
    return NotesError(
        f"the Anki sync server asks for a full sync of {params['user']}'s collection: it was replaced since this "
        "controller's last run (a device uploaded its whole collection, or a note type's fields or templates changed). "
        "Nothing was sent: uploading this controller's copy would overwrite the notes of every device. Rerun with "
        "full_sync=download to take the server's copy first (it replaces only this controller's cache)"
    )


def run(module):
    """The whole run (validate() already passed); returns the module result or raises NotesError."""
    params = module.params
    if params["ca_path"]:
        os.environ["SSL_CERT_FILE"] = params["ca_path"]  # rustls reads it; this process only
    url = params["url"] if params["url"].endswith("/") else params["url"] + "/"
    params = dict(params, url=url)
    with Cache(params["cache_dir"], url, params["user"]) as cache:
        if module.check_mode:
            with tempfile.TemporaryDirectory(prefix="ankinas-notes-check-") as scratch:
                path = os.path.join(scratch, COLLECTION_FILE)
                if cache.is_synced():
                    for suffix in ("", "-wal"):
                        if os.path.exists(cache.collection + suffix):
                            shutil.copyfile(cache.collection + suffix, path + suffix)
                return execute(module, params, cache, Session(path, params))
        if not cache.is_synced():
            cache.drop()  # whatever is there was never confirmed by this server: start from its copy
        return execute(module, params, cache, Session(cache.collection, params))


def execute(module, params, cache, session):
    check = module.check_mode
    touched = False
    try:
        session.login()
        first_sync = begin(session, cache, params, check)
        if (params["media"] or params["apkg"]) and not check:
            session.sync_media()  # the server's files first: a name it already has must not be overwritten
        package = package_notes(params["apkg"]) if params["apkg"] else None
        if package is not None:
            plan = plan_package(session.col, params, package)
        else:
            plan = plan_notes(session.col, params, cache.media_dir)
        result = {
            "changed": plan.changed,
            "added": len(plan.add),
            "updated": len(plan.update),
            "removed": len(plan.remove),
            "unchanged": plan.unchanged,
            "skipped": sorted(plan.skipped),
            "deck_created": plan.deck_created,
            "note_type": plan.note_type_action,
            "media_uploaded": [os.path.basename(path) for path in plan.media],
            "first_sync": first_sync,
            "cache": cache.directory,
        }
        if module._diff:
            result["diff"] = {"before": {"notes": plan.before}, "after": {"notes": plan.after}}
        if plan.skipped:
            module.warn(
                f"left alone (not created by this module, no tag {params['managed_tag']!r}): "
                + ", ".join(map(str, sorted(plan.skipped)[:20]))
            )
        if check or not plan.changed:
            return result
        touched = True
        if package is not None:
            apply_package(session.col, params, plan)
        else:
            apply_plan(session.col, params, plan)
        finish(session, params, plan)
        cache.mark_synced()
        return result
    except Exception:
        if touched:
            session.close()
            cache.drop()  # an unsent change must not be sent later by surprise; the server keeps everything
        raise
    finally:
        session.close()


def finish(session, params, plan):
    """Sends the local changes: a normal sync, or a full upload only for a change the user allowed."""
    schema_changed = session.col.schema_changed()
    if schema_changed and not (params["allow_schema_change"] and plan.schema_change):
        raise NotesError(
            "the change would need a full sync (the collection's schema changed); nothing was sent. "
            + SCHEMA_CONSEQUENCE
        )
    if session.sync() == "full":
        if not schema_changed:
            raise NotesError("the server asks for a full sync after a normal change; nothing was sent")
        # allow_schema_change: this copy holds what the server held a moment ago, plus the change.
        session.full_transfer(upload=True)
    if plan.media or params["apkg"]:  # a package may carry media of its own
        session.sync_media()


def run_module(module):
    """The module anki_notes: validate, run, exit; failures name what failed."""
    try:
        validate(module.params)
        if ANKI_IMPORT_ERROR is not None:
            module.fail_json(msg=missing_required_lib("anki"), exception=ANKI_IMPORT_ERROR)
        module.exit_json(**run(module))
    except NotesError as exc:
        module.fail_json(msg=str(exc))
    except Exception as exc:  # the client library's own errors: name them, keep the traceback for -vvv
        module.fail_json(msg=f"anki_notes failed: {type(exc).__name__}: {exc}", exception=traceback.format_exc())
