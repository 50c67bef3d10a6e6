"""The planning logic of anki_notes on a local collection (no server): what a run would change, and refusals."""

import anki.collection as anki_collection  # tests/unit/requirements.txt: never skipped for want of it
import pytest
from ansible_collections.ankinas.synology.plugins.module_utils import _anki_notes as notes

NOTE_TYPE = {
    "name": "Words",
    "fields": ["Word", "Meaning"],
    "templates": [{"name": "Card", "front": "{{Word}}", "back": "{{Meaning}}"}],
    "css": None,
}


def params(**overrides):
    base = {
        "url": "http://127.0.0.1:1/",
        "user": "alice",
        "password": "secret",
        "ca_path": None,
        "validate_certs": True,
        "cache_dir": None,
        "state": "present",
        "deck": "Lang::French",
        "note_type": NOTE_TYPE,
        "key_field": None,
        "notes": [],
        "media": [],
        "apkg": None,
        "managed_tag": "ankinas::managed",
        "full_sync": "fail",
        "allow_schema_change": False,
    }
    base.update(overrides)
    return base


def item(word, meaning="", tags=None, note_id=None):
    return {"fields": {"Word": word, "Meaning": meaning} if meaning else {"Word": word}, "tags": tags, "id": note_id}


@pytest.fixture
def col(tmp_path):
    collection = anki_collection.Collection(str(tmp_path / "collection.anki2"))
    yield collection
    collection.close()


def apply(col, tmp_path, **overrides):
    wanted = params(**overrides)
    plan = notes.plan_notes(col, wanted, str(tmp_path))
    notes.apply_plan(col, wanted, plan)
    return plan


def add_unmanaged(col, word, meaning):
    note = col.new_note(col.models.by_name("Words"))
    note["Word"], note["Meaning"] = word, meaning
    col.add_note(note, col.decks.id("Default"))
    return note.id


def test_first_plan_creates_everything(col, tmp_path):
    plan = notes.plan_notes(col, params(notes=[item("chat", "cat", ["animals"])]), str(tmp_path))
    assert plan.note_type_action == "create" and plan.deck_created
    assert [key for key, _fields, _tags in plan.add] == ["chat"]
    assert plan.after["chat"]["tags"] == ["animals", "ankinas::managed"]


def test_applied_plan_is_idempotent_and_updates_one_note(col, tmp_path):
    apply(col, tmp_path, notes=[item("chat", "cat"), item("chien", "dog")])
    again = notes.plan_notes(col, params(notes=[item("chat", "cat"), item("chien", "dog")]), str(tmp_path))
    assert not again.changed and again.unchanged == 2
    changed = notes.plan_notes(col, params(notes=[item("chat", "a cat"), item("chien", "dog")]), str(tmp_path))
    assert [note["Word"] for note, _fields, _tags in changed.update] == ["chat"] and changed.unchanged == 1
    assert changed.before["chat"]["fields"]["Meaning"] == "cat"
    assert changed.after["chat"]["fields"]["Meaning"] == "a cat"


def test_unmanaged_note_is_never_touched(col, tmp_path):
    apply(col, tmp_path, notes=[item("chat", "cat")])
    add_unmanaged(col, "maison", "mine")
    plan = notes.plan_notes(col, params(notes=[item("maison", "house")]), str(tmp_path))
    assert plan.skipped == ["maison"] and not plan.update and not plan.add
    gone = notes.plan_notes(col, params(notes=[item("maison")], state="absent"), str(tmp_path))
    assert gone.skipped == ["maison"] and not gone.remove


def test_explicit_id_must_be_a_managed_note(col, tmp_path):
    apply(col, tmp_path, notes=[item("chat", "cat")])
    mine = col.find_notes("tag:ankinas::managed")[0]
    plan = notes.plan_notes(col, params(notes=[item("ignored", "kitty", note_id=mine)]), str(tmp_path))
    assert [note.id for note, _fields, _tags in plan.update] == [mine]
    other = add_unmanaged(col, "maison", "house")
    with pytest.raises(notes.NotesError, match=f"no note with id {other}"):
        notes.plan_notes(col, params(notes=[item("maison", note_id=other)]), str(tmp_path))


def test_schema_change_refused_unless_allowed(col, tmp_path):
    apply(col, tmp_path, notes=[item("chat", "cat")])
    wider = dict(NOTE_TYPE, fields=["Word", "Meaning", "Example"])
    with pytest.raises(notes.NotesError, match="allow_schema_change=true"):
        notes.plan_notes(col, params(note_type=wider), str(tmp_path))
    plan = notes.plan_notes(col, params(note_type=wider, allow_schema_change=True), str(tmp_path))
    assert plan.note_type_action == "update" and "Example" in plan.schema_change
    # Template text is not a schema change.
    reworded = dict(NOTE_TYPE, templates=[{"name": "Card", "front": "<b>{{Word}}</b>", "back": "{{Meaning}}"}])
    plan = notes.plan_notes(col, params(note_type=reworded), str(tmp_path))
    assert plan.note_type_action == "update" and plan.schema_change is None


def test_duplicate_keys_and_missing_key_are_refused(col, tmp_path):
    with pytest.raises(notes.NotesError, match="listed twice"):
        notes.plan_notes(col, params(notes=[item("chat", "cat"), item("chat", "kitty")]), str(tmp_path))
    with pytest.raises(notes.NotesError, match="needs its key field 'Word'"):
        notes.plan_notes(col, params(notes=[{"fields": {"Meaning": "cat"}, "tags": None, "id": None}]), str(tmp_path))


def test_media_name_taken_by_other_content_is_refused(col, tmp_path):
    media_dir = tmp_path / "media"
    media_dir.mkdir()
    (media_dir / "chat.mp3").write_bytes(b"the server's file")
    ours = tmp_path / "chat.mp3"
    ours.write_bytes(b"our file")
    with pytest.raises(notes.NotesError, match=r"different file named 'chat\.mp3'"):
        notes.plan_notes(col, params(media=[str(ours)]), str(media_dir))
    ours.write_bytes(b"the server's file")
    assert notes.plan_notes(col, params(media=[str(ours)]), str(media_dir)).media == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"url": "anki.example.com"}, "url must be an http:// or https:// URL"),
        ({"url": "https://anki.example.com/", "validate_certs": False}, "validate_certs=false is not possible"),
        ({"key_field": "Nope"}, "key_field 'Nope' is not one of"),
        ({"notes": [item("chat")], "deck": None}, "deck is required"),
        ({"managed_tag": "two words"}, "not a valid Anki tag"),
        ({"note_type": dict(NOTE_TYPE, templates=None)}, "note_type.templates is required"),
    ],
)
def test_validate(overrides, message):
    with pytest.raises(notes.NotesError, match=message):
        notes.validate(params(**overrides))


def test_allowed_schema_change_keeps_the_content_of_fields_that_stay(col, tmp_path):
    apply(col, tmp_path, notes=[item("chat", "cat")])
    reshaped = {
        "name": "Words",
        "fields": ["Example", "Meaning", "Word"],
        "templates": [{"name": "Recall", "front": "{{Meaning}}", "back": "{{Word}}"}],
        "css": ".card {}",
    }
    with pytest.raises(notes.NotesError, match="key_field 'Example' is not a field of note type 'Words' as it is now"):
        notes.plan_notes(col, params(note_type=reshaped, allow_schema_change=True), str(tmp_path))
    apply(col, tmp_path, note_type=reshaped, allow_schema_change=True, key_field="Word", notes=[item("chat", "cat")])
    notetype = col.models.by_name("Words")
    assert [field["name"] for field in notetype["flds"]] == ["Example", "Meaning", "Word"]
    assert [(t["name"], t["qfmt"]) for t in notetype["tmpls"]] == [("Recall", "{{Meaning}}")]
    assert notetype["css"] == ".card {}"
    note = col.get_note(col.find_notes("tag:ankinas::managed")[0])
    assert (note["Word"], note["Meaning"], note["Example"]) == ("chat", "cat", "")
    assert col.schema_changed()
