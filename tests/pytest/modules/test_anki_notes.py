"""ankinas.synology.anki_notes: a real client library, the real sync server, through the HTTPS reverse proxy.

"Devices" are separate client collections (harness.anki_client) synced through the same proxy. What nginx saw
during a module run tells what the module sent: a run that changes nothing makes only the login
(POST /sync/hostKey) and the status request (POST /sync/meta).
"""

import os

import pytest
from anki.collection import Collection, ExportAnkiPackageOptions
from harness import anki_client
from notes_helpers import collection_content

pytestmark = pytest.mark.docker

NOTE_TYPE = {
    "name": "Vocabulary (ankinas)",
    "fields": ["Word", "Translation", "Audio"],
    "templates": [{"name": "Recognition", "front": "{{Word}} {{Audio}}", "back": "{{FrontSide}}<hr>{{Translation}}"}],
}
READ_ONLY = ["POST /sync/hostKey", "POST /sync/meta"]


def rows(count, prefix="mot"):
    return [{"fields": {"Word": f"{prefix} {i}", "Translation": f"word {i}"}, "tags": ["vocab"]} for i in range(count)]


def vocabulary(server, user, notes, **options):
    return server.args(user, **{"deck": "Languages::French", "note_type": NOTE_TYPE, "notes": notes, **options})


def device_notes(path):
    return set(anki_client.collection_notes(path))


def device_add(path, note_type, fields):
    col = Collection(path)
    try:
        note = col.new_note(col.models.by_name(note_type))
        for name, value in fields.items():
            note[name] = value
        col.add_note(note, col.decks.id("Default"))
    finally:
        col.close()


def test_module_and_device_share_a_collection(proxied_sync_server, tmp_path):
    server = proxied_sync_server
    user = server.new_user()
    own = [("device front 1", "device back 1"), ("device front 2", "device back 2")]
    device = server.device(tmp_path / "device", user, own)
    audio = tmp_path / "mot-0.mp3"
    audio.write_bytes(b"ID3 not really audio " + os.urandom(16))
    notes = rows(500)
    notes[0]["fields"]["Audio"] = "[sound:mot-0.mp3]"
    args = vocabulary(server, user, notes, media=[str(audio)])

    added, sent = server.run(args)
    assert not added.failed, added.get("msg")
    assert (added["added"], added["updated"], added["removed"], added["unchanged"]) == (500, 0, 0, 0)
    assert added["note_type"] == "create" and added["deck_created"] and added["media_uploaded"] == ["mot-0.mp3"]
    assert added["first_sync"] == "full download (new cache)"
    assert "POST /sync/upload" not in sent  # the server's collection (the device's notes) was never overwritten
    assert oct(os.stat(added["cache"]).st_mode & 0o777) == "0o700"

    # Rerun: nothing to do, nothing sent (the login and the status request only).
    rerun, sent = server.run(args)
    assert not rerun.failed and not rerun["changed"], rerun
    assert (rerun["added"], rerun["updated"], rerun["unchanged"]) == (0, 0, 500)
    assert [line for line in sent if line.startswith("POST /sync/")] == READ_ONLY, sent

    # Check mode with one changed row: predicts, sends nothing.
    notes[7]["fields"]["Translation"] = "word seven"
    predicted, sent = server.run(args, check=True, diff=True)
    assert predicted["changed"] and (predicted["updated"], predicted["unchanged"]) == (1, 499), predicted
    assert predicted["diff"]["before"]["notes"]["mot 7"]["fields"]["Translation"] == "word 7"
    assert predicted["diff"]["after"]["notes"]["mot 7"]["fields"]["Translation"] == "word seven"
    assert server.passwords[user] not in predicted.stdout
    assert [line for line in sent if line.startswith("POST /sync/")] == READ_ONLY, sent

    # The device's next sync is a normal one; it holds its own notes, the 500 (none changed by the check
    # run), and the audio file.
    assert server.device_sync(device, user, media=True) in ("normal", "no changes")
    held = device_notes(device)
    assert set(own) <= held and len(held) == 502
    assert ("mot 0", "word 0", "[sound:mot-0.mp3]") in held and ("mot 7", "word 7", "") in held
    assert (tmp_path / "device" / "collection.media" / "mot-0.mp3").read_bytes() == audio.read_bytes()

    # The change for real: exactly that note changes on the device.
    updated, _sent = server.run(args)
    assert (updated["updated"], updated["added"], updated["unchanged"]) == (1, 0, 499), updated
    server.device_sync(device, user)
    after = device_notes(device)
    assert held - after == {("mot 7", "word 7", "")} and after - held == {("mot 7", "word seven", "")}

    # A note added on the device (same note type, keys the module lists) is never touched.
    device_add(device, NOTE_TYPE["name"], {"Word": "mot 3", "Translation": "the device's own"})
    device_add(device, NOTE_TYPE["name"], {"Word": "chez moi", "Translation": "at home"})
    server.device_sync(device, user)
    mine = [*notes, {"fields": {"Word": "chez moi", "Translation": "changed by the module?"}}]
    kept, _sent = server.run(vocabulary(server, user, mine, media=[str(audio)]))
    assert not kept.failed and kept["skipped"] == ["chez moi"] and not kept["changed"], kept

    # state=absent removes exactly the listed managed note; the device's notes stay.
    removed, _sent = server.run(
        vocabulary(server, user, [{"fields": {"Word": "mot 3"}}, {"fields": {"Word": "chez moi"}}], state="absent")
    )
    assert (removed["removed"], removed["skipped"]) == (1, ["chez moi"]), removed
    server.device_sync(device, user)
    final = device_notes(device)
    assert after - final == {("mot 3", "word 3", "")}
    assert {("mot 3", "the device's own", ""), ("chez moi", "at home", "")} <= final
    assert len(final) == 503


def test_full_sync_required_changes_nothing(proxied_sync_server, tmp_path):
    server = proxied_sync_server
    user = server.new_user()
    first, _sent = server.run(vocabulary(server, user, rows(3)))
    assert first["added"] == 3, first
    # A device replaces the server's collection (a schema change it then uploads whole).
    device = server.device(tmp_path / "device", user)
    col = Collection(device)
    try:
        basic = col.models.by_name("Basic")
        col.models.add_field(basic, col.models.new_field("Extra"))
        col.models.update_dict(basic)
    finally:
        col.close()
    device_add(device, "Basic", {"Front": "from the device"})
    assert server.device_sync(device, user) == "full upload"

    before = collection_content(server.raw_download(user), tmp_path)
    refused, sent = server.run(vocabulary(server, user, rows(4)))
    assert refused.failed and "asks for a full sync" in refused["msg"] and "full_sync=download" in refused["msg"]
    assert [line for line in sent if line.startswith("POST /sync/")] == READ_ONLY, sent
    after = collection_content(server.raw_download(user), tmp_path)
    assert after[0] == before[0] + 1  # only the second download's own count
    assert after[1] == before[1]  # every row
    assert after[2] == before[2]  # byte for byte, once the download's own count is set aside

    # Opting in takes the server's copy first; the device's note stays.
    taken, _sent = server.run(vocabulary(server, user, rows(4), full_sync="download"))
    assert not taken.failed and taken["first_sync"] == "full download (full_sync=download)", taken
    assert (taken["added"], taken["unchanged"]) == (1, 3)
    server.device_sync(device, user)
    assert ("from the device", "", "") in device_notes(device)


def test_note_type_schema_change_needs_opt_in(proxied_sync_server, tmp_path):
    server = proxied_sync_server
    user = server.new_user()
    server.run(vocabulary(server, user, rows(2)))
    wider = dict(NOTE_TYPE, fields=[*NOTE_TYPE["fields"], "Example"])
    refused, sent = server.run(vocabulary(server, user, rows(2), note_type=wider))
    assert refused.failed and "allow_schema_change" in refused["msg"] and "every device" in refused["msg"]
    assert [line for line in sent if line.startswith("POST /sync/")] == READ_ONLY, sent
    # The cache was not changed either: a rerun without the change has nothing to do.
    same, sent = server.run(vocabulary(server, user, rows(2)))
    assert not same["changed"] and [line for line in sent if line.startswith("POST /sync/")] == READ_ONLY


def test_wrong_password_one_attempt(proxied_sync_server):
    server = proxied_sync_server
    user = server.new_user()
    refused, sent = server.run(vocabulary(server, user, rows(1), password="not-the-password"))
    assert refused.failed and "refused the login" in refused["msg"] and "wrong user name or password" in refused["msg"]
    assert sent == ["POST /sync/hostKey"]
    assert "not-the-password" not in refused.stdout + refused.stderr


def test_bad_input_fails_before_any_request(proxied_sync_server, tmp_path):
    server = proxied_sync_server
    user = server.new_user()
    mark = server.log_size()
    cases = [
        (dict(validate_certs=False), "validate_certs=false is not possible"),
        (dict(key_field="Nope"), "key_field 'Nope' is not one of"),
        (dict(notes=[{"fields": {"Word": "a", "Colour": "red"}}]), "fields ['Colour'] are not in"),
        (dict(media=[str(tmp_path / "missing.mp3")]), "does not exist on the controller"),
        (dict(notes=[{"fields": {"Word": "a"}, "tags": ["two words"]}]), "not a valid Anki tag"),
    ]
    for options, message in cases:
        result, _sent = server.run(vocabulary(server, user, **{"notes": rows(1), **options}))
        assert result.failed and message in result["msg"], (options, result.get("msg"))
    assert server.requests_since(mark) == []


def test_cache_loss_costs_a_download_only(proxied_sync_server, tmp_path):
    server = proxied_sync_server
    user = server.new_user()
    first, _sent = server.run(vocabulary(server, user, rows(3)))
    for name in os.listdir(first["cache"]):
        if name != "lock":
            path = os.path.join(first["cache"], name)
            if os.path.isfile(path):
                os.unlink(path)
    again, sent = server.run(vocabulary(server, user, rows(3)))
    assert not again["changed"] and again["first_sync"] == "full download (new cache)", again
    assert "POST /sync/upload" not in sent and "POST /sync/download" in sent


def test_schema_change_with_opt_in_is_uploaded(proxied_sync_server):
    server = proxied_sync_server
    user = server.new_user()
    server.run(vocabulary(server, user, rows(2)))
    wider = dict(NOTE_TYPE, fields=[*NOTE_TYPE["fields"], "Example"])
    allowed, sent = server.run(vocabulary(server, user, rows(2), note_type=wider, allow_schema_change=True))
    assert not allowed.failed and allowed["note_type"] == "update", allowed.get("msg")
    assert "POST /sync/upload" in sent  # the one case that uploads, as the option says
    again, sent = server.run(vocabulary(server, user, rows(2), note_type=wider))
    assert not again["changed"] and [line for line in sent if line.startswith("POST /sync/")] == READ_ONLY


def test_apkg_import(proxied_sync_server, tmp_path):
    server = proxied_sync_server
    user = server.new_user()
    package = tmp_path / "deck.apkg"
    (tmp_path / "scratch").mkdir()
    col = Collection(str(tmp_path / "scratch" / "collection.anki2"))
    try:
        for i in range(3):
            note = col.new_note(col.models.by_name("Basic"))
            note["Front"], note["Back"] = f"package {i}", "from an apkg"
            col.add_note(note, col.decks.id("Package"))
        col.export_anki_package(
            out_path=str(package),
            options=ExportAnkiPackageOptions(with_scheduling=False, with_media=False, legacy=False),
            limit=None,
        )
    finally:
        col.close()
    args = server.args(user, apkg=str(package))
    predicted, sent = server.run(args, check=True)
    assert predicted["added"] == 3 and "POST /sync/upload" not in sent, predicted
    imported, _sent = server.run(args)
    assert (imported["added"], imported["unchanged"]) == (3, 0), imported
    rerun, _sent = server.run(args)
    assert not rerun["changed"] and rerun["unchanged"] == 3
    device = server.device(tmp_path / "device", user)
    assert {front for front, _back in anki_client.collection_notes(device)} == {f"package {i}" for i in range(3)}
    removed, _sent = server.run(dict(args, state="absent"))
    assert removed["removed"] == 3, removed
