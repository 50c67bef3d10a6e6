"""playbooks/notes.yml, the vocabulary file as a deck (anki_notes and the vocabulary_notes filter), against the real
sync server through the simulated NAS's HTTPS reverse proxy (proxied_sync_server, tests/pytest/conftest.py); a
real client reads the deck back."""

import pytest
import yaml
from harness import anki_client
from harness.runner import ROOT, play_recap, run_playbook

pytestmark = pytest.mark.docker

PLAYBOOK = ROOT / "playbooks" / "notes.yml"


def test_notes_playbook_makes_a_deck_from_the_vocabulary_file(proxied_sync_server, tmp_path):
    server = proxied_sync_server
    user = server.new_user()
    extra = {
        "notes_hosts": "localhost",
        "notes_user": user,
        "notes_password": server.passwords[user],
        "notes_url": server.endpoint,
        "notes_ca_path": server.ca_path,
        "notes_cache_dir": str(server.cache_root),
    }
    played = run_playbook(PLAYBOOK, extra, env=server.proxy_env())
    assert played.returncode == 0, played.stdout[-3000:]
    assert server.passwords[user] not in played.stdout
    assert play_recap(played)["changed"] == 1
    device = server.device(tmp_path / "device", user, media=True)
    words = yaml.safe_load(PLAYBOOK.with_name("files").joinpath("vocabulary.yml").read_text())
    held = {fields[0]: fields for fields in anki_client.collection_notes(device)}
    assert set(held) == {row["word"] for row in words}
    assert held["le chat"][1:] == ("the cat", "Le chat dort sur le canapé.", "[sound:le-chat.wav]")
    assert (tmp_path / "device" / "collection.media" / "le-chat.wav").is_file()
    again = run_playbook(PLAYBOOK, extra, env=server.proxy_env())
    assert play_recap(again)["changed"] == 0, again.stdout[-3000:]
