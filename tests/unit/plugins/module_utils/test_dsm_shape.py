# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shape language of the DSM contracts: what differs from an expected shape, and a capture without values."""

import json

from ansible_collections.ankinas.synology.plugins.module_utils import _dsm_contracts as table
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_shape import capture, describe, differences, one_of

PROJECTS = {
    "*": {"id": "str", "name": "str", "status": "str", "containerIds?": "list|null", "content?": "str"},
}
SECRETS = ("alice-secret", "SERIAL-0001", "10.0.0.7", "nas.example.org", "anki-sync-server", "docker", "B3C7AA")


def project(**changed):
    entry = {"id": "0b5c", "name": "anki-sync-server", "status": "RUNNING", "containerIds": ["B3C7AA"]}
    entry.update(changed)
    return {"0b5c": entry}


def test_an_answer_with_the_expected_shape_has_no_difference():
    assert differences(PROJECTS, project()) == []
    assert differences(PROJECTS, project(containerIds=None, content="services: {}")) == []
    assert differences(PROJECTS, {}) == []  # no project: nothing inside to check


def test_each_difference_names_the_place_and_the_types_never_the_value():
    found = differences(PROJECTS, {"0b5c": {"id": "0b5c", "name": 7, "status": "alice-secret"}, "1": []})
    assert "answer.*.name is an int, expected str" in found
    assert "answer.* is a list, expected a dict" in found
    assert not any("alice-secret" in text or "0b5c" in text for text in found)
    assert differences(PROJECTS, project(status=None)) == ["answer.*.status is a null, expected str"]
    assert differences(PROJECTS, {"0b5c": {"id": "0b5c", "name": "x"}}) == ["answer.*.status is missing"]
    assert differences({"tasks": [{"id": "int"}], "total": "int"}, {"tasks": [{"id": "1"}]}) == [
        "answer.tasks[].id is a str, expected int",
        "answer.total is missing",
    ]


def test_a_value_outside_one_of_is_shown_only_when_it_is_a_number_or_a_dsm_word():
    shape = {"code": one_of(408), "status": one_of("RUNNING", "STOPPED")}
    assert differences(shape, {"code": 408, "status": "RUNNING"}) == []
    assert differences(shape, {"code": 120, "status": "BUILDING"}) == [
        "answer.code is 120, expected one of 408",
        "answer.status is 'BUILDING', expected one of 'RUNNING', 'STOPPED'",
    ]
    assert differences(shape, {"code": 408, "status": "nas.example.org"}) == [
        "answer.status is a str, expected one of 'RUNNING', 'STOPPED'"
    ]


def test_differences_are_capped():
    shape = {f"k{n}": "int" for n in range(10)}
    found = differences(shape, {})
    assert len(found) == 7 and found[-1] == "and 4 more"


def test_a_capture_keeps_types_and_field_names_and_drops_every_value_and_every_key_that_is_data():
    answer = {
        "shares": [
            {"name": "docker", "vol_path": "/volume1", "desc": "alice-secret", "uuid": "SERIAL-0001"},
            {"name": "backups", "vol_path": "/volume2", "is_usb_share": False},
        ],
        "total": 2,
        "hosts": {"nas.example.org": "10.0.0.7"},  # an undeclared dict: its keys are never looked into
    }
    shape = capture(answer, {"shares": [{"name": "str", "vol_path": "str"}], "total": "int"})
    assert shape == {
        "hosts": "dict",
        "shares": [{"desc?": "str", "is_usb_share?": "bool", "name": "str", "uuid?": "str", "vol_path": "str"}],
        "total": "int",
    }
    projects = capture({"0b5c": {"id": "0b5c", "name": "anki-sync-server", "status": "RUNNING"}}, PROJECTS)
    assert projects == {"*": {"id": "str", "name": "str", "status": "str"}}
    text = json.dumps([shape, projects])
    assert not any(secret in text for secret in SECRETS)


def test_a_capture_keeps_dsm_words_of_a_one_of_only():
    shape = {"files": [{"code": one_of(408), "path": "str"}]}
    assert capture({"files": [{"code": 408, "path": "/docker/x"}]}, shape) == {
        "files": [{"code": {"$value": 408}, "path": "str"}]
    }
    assert capture({"files": [{"code": "/docker/x", "path": "/docker/x"}]}, shape) == {
        "files": [{"code": "str", "path": "str"}]
    }


def test_a_capture_collapses_keys_that_are_not_field_names_and_merges_items_of_other_shapes():
    assert capture({"my share/dir": 1, "ok_key": "v"}, {}) == {"<other keys>": "collapsed", "ok_key": "str"}
    assert capture([{"a": 1}, {"a": "x", "b": True}], [{}]) == [{"a": "int|str", "b?": "bool"}]
    assert capture([], [{"a": "int"}]) == []
    assert capture(["x", 1], ["any"]) == ["str|int"]


def test_describe_lists_the_expected_keys():
    assert describe({"tasks": [{"id": "int", "name?": "str"}], "total": "int"}) == "{tasks: [{id, name?}], total}"
    assert describe(PROJECTS) == "{<key>: {id, name, status, containerIds?, content?}}"


def test_every_contract_of_the_table_has_a_well_formed_shape_and_its_own_answer_shape_holds():
    """A contract's shape is in the language (a capture of an answer built from it matches it again)."""

    def example(shape):
        if isinstance(shape, str):
            return {"str": "x", "int": 1, "float": 1.5, "bool": True, "null": None, "dict": {}, "list": [], "any": 0}[
                shape.split("|")[0]
            ]
        if isinstance(shape, list):
            return [example(shape[0])] if shape else []
        if "$one_of" in shape:
            return shape["$one_of"][0]
        built = {key.rstrip("?"): example(value) for key, value in shape.items() if key != "*"}
        if "*" in shape:
            built["some-id"] = example(shape["*"])
        return built

    for contract in table.CONTRACTS:
        answer = example(contract.shape)
        assert differences(contract.shape, answer) == [], contract.id
        assert describe(contract.shape)
