"""What becomes of the collections when data_folder_path changes (filter anki_sync_data_dir_change)."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.ankinas.synology.plugins.filter.anki_sync_adoption import anki_sync_data_dir_change

OLD, NEW = "/volume1/docker/anki-server", "/volume1/docker/anki-moved"
PLAN = {"data_dir_from": OLD}


def test_collections_left_behind_are_refused_by_default_counting_them():
    answer = anki_sync_data_dir_change(PLAN, ["bob", "alice"], [], data_dir=NEW)
    assert answer["action"] == ""
    assert answer["refuse"].startswith(
        f"data_folder_path changes from {OLD} to {NEW}, but the 2 collections of the running server "
        f"(alice, bob) are in {OLD} and {NEW} has none"
    )
    assert "anki_sync_server_data_dir_change: move" in answer["refuse"] and "start_empty" in answer["refuse"]


def test_move_and_start_empty_say_what_they_do():
    move = anki_sync_data_dir_change(PLAN, ["alice"], [], "move", NEW)
    assert (move["action"], move["refuse"], move["users"]) == ("move", "", ["alice"])
    assert move["summary"] == f"Moved 1 collection (alice) from {OLD} to {NEW}"
    empty = anki_sync_data_dir_change(PLAN, ["alice"], [], "start_empty", NEW)
    assert empty["action"] == "start_empty" and f"stay in {OLD}" in empty["summary"]


def test_nothing_to_decide_when_the_directory_did_not_change_or_holds_nothing():
    assert anki_sync_data_dir_change({"data_dir_from": ""}, ["alice"], [], data_dir=NEW)["action"] == ""
    assert anki_sync_data_dir_change(PLAN, [], [], data_dir=NEW)["refuse"] == ""


def test_collections_on_both_sides_are_never_moved_over_each_other():
    assert anki_sync_data_dir_change(PLAN, ["alice"], ["bob"], "refuse", NEW)["refuse"] == ""
    refused = anki_sync_data_dir_change(PLAN, ["alice"], ["bob"], "move", NEW)["refuse"]
    assert "a move would mix or overwrite them" in refused


def test_an_unknown_choice_names_the_variable():
    with pytest.raises(AnsibleFilterError, match="anki_sync_server_data_dir_change must be one of"):
        anki_sync_data_dir_change(PLAN, ["alice"], [], "copy", NEW)
