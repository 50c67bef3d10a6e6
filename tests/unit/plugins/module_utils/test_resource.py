# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shared converge flow (run_resource_module) with a tiny in-memory Resource.

The Resource here is a module as a module author writes one; the flow under test is the collection's
own. Only Ansible's side (exit_json / fail_json) is stood in for.
"""

import pytest
from ansible_collections.ankinas.synology.plugins.module_utils._resource import (
    MASK,
    Resource,
    ResourceError,
    run_resource_module,
)


class ModuleExit(Exception):
    def __init__(self, failed, result):
        super().__init__(result.get("msg", ""))
        self.failed = failed
        self.result = result


class AnsibleSide:
    """What run_resource_module uses of AnsibleModule: params, check mode, diff mode and the exits."""

    def __init__(self, params, check_mode=False, diff=False):
        self.params = params
        self.check_mode = check_mode
        self._diff = diff

    def exit_json(self, **result):
        raise ModuleExit(False, result)

    def fail_json(self, **result):
        raise ModuleExit(True, result)


class Widget(Resource):
    """A remote object kept in a dict; `store` is the API's state, `writes` what the flow asked of it."""

    result_key = "widget"
    compared_keys = ("size", "token")

    def __init__(self, module, store, applies_writes=True):
        super().__init__(module)
        self.store = store
        self.applies_writes = applies_writes
        self.reads = 0
        self.writes = []
        self.reported = []
        self.closed = 0

    def validate(self):
        if self.params.get("size", 0) < 0:
            raise ResourceError("size must be 0 or more; give a positive size")

    def read(self):
        self.reads += 1
        obj = self.store.get(self.params["name"])
        return dict(obj) if obj else None

    def desired(self, current):
        return {"name": self.params["name"], "size": self.params["size"], "token": self.params["token"]}

    def create(self, desired):
        self.writes.append("create")
        if self.applies_writes:
            self.store[desired["name"]] = dict(desired, colour="grey")  # a field the API adds

    def update(self, current, desired):
        self.writes.append("update")
        self.store[desired["name"]] = dict(current, **desired)

    def delete(self, current):
        self.writes.append("delete")
        del self.store[current["name"]]

    def masked(self, obj):
        return dict(obj, token=MASK)

    def report(self, result):
        self.reported.append(result)

    def close(self):
        self.closed += 1


def converge(store, check_mode=False, diff=False, applies_writes=True, **params):
    params = {"name": "w1", "size": 2, "token": "t0ps3cret", "state": "present", **params}
    widget = Widget(AnsibleSide(params, check_mode, diff), store, applies_writes)
    with pytest.raises(ModuleExit) as exited:
        run_resource_module(widget)
    return exited.value, widget


def test_create_writes_once_and_returns_the_object_read_back():
    store = {}
    exited, widget = converge(store, diff=True)
    assert not exited.failed
    result = exited.result
    assert result["changed"] is True and result["operation"] == "create"
    assert widget.writes == ["create"]
    assert result["widget"] == {"name": "w1", "size": 2, "token": MASK, "colour": "grey"}
    assert result["diff"] == {"before": {}, "after": result["widget"]}
    assert widget.reported == [result] and widget.closed == 1


def test_an_equal_object_is_left_alone():
    store = {"w1": {"name": "w1", "size": 2, "token": "t0ps3cret", "colour": "grey"}}
    exited, widget = converge(store)
    assert exited.result["changed"] is False
    assert "operation" not in exited.result and "changed_keys" not in exited.result
    assert widget.writes == []


def test_an_update_names_the_differing_keys_and_keeps_unmanaged_fields():
    store = {"w1": {"name": "w1", "size": 1, "token": "t0ps3cret", "colour": "red"}}
    exited, widget = converge(store, diff=True, size=5)
    result = exited.result
    assert (result["changed"], result["operation"], result["changed_keys"]) == (True, "update", ["size"])
    assert widget.writes == ["update"]
    assert store["w1"] == {"name": "w1", "size": 5, "token": "t0ps3cret", "colour": "red"}
    assert result["diff"]["before"]["size"] == 1 and result["diff"]["after"]["size"] == 5


def test_check_mode_predicts_without_writing():
    store = {"w1": {"name": "w1", "size": 1, "token": "t0ps3cret", "colour": "red"}}
    exited, widget = converge(store, check_mode=True, size=5)
    assert exited.result["changed"] is True and exited.result["operation"] == "update"
    assert exited.result["widget"] == {"name": "w1", "size": 5, "token": MASK, "colour": "red"}
    assert widget.writes == [] and store["w1"]["size"] == 1

    exited, widget = converge({}, check_mode=True)
    assert exited.result["operation"] == "create" and widget.writes == []


def test_absent_deletes_an_existing_object_and_is_quiet_about_a_missing_one():
    store = {"w1": {"name": "w1", "size": 2, "token": "t0ps3cret"}}
    exited, widget = converge(store, state="absent", diff=True)
    assert exited.result["changed"] is True and exited.result["operation"] == "delete"
    assert widget.writes == ["delete"] and store == {}
    assert exited.result["diff"]["after"] == {} and exited.result["diff"]["before"]["token"] == MASK

    exited, widget = converge(store, state="absent")
    assert exited.result["changed"] is False and widget.writes == []

    store = {"w1": {"name": "w1"}}
    exited, widget = converge(store, state="absent", check_mode=True)
    assert exited.result["changed"] is True and widget.writes == [] and "w1" in store


def test_a_write_the_api_accepted_but_did_not_apply_fails_clearly():
    exited, widget = converge({}, applies_writes=False)
    assert exited.failed
    assert exited.result["msg"] == (
        "the widget was written but is not there when read back; the API accepted the create without applying it"
    )
    assert widget.reported == [] and widget.closed == 1


def test_bad_input_fails_before_any_call_with_the_validation_message():
    exited, widget = converge({}, size=-1)
    assert exited.failed and exited.result["msg"] == "size must be 0 or more; give a positive size"
    assert widget.reads == 0 and widget.writes == []


def test_secrets_never_reach_the_result():
    exited, _widget = converge({}, diff=True)
    assert "t0ps3cret" not in repr(exited.result)


class RunNowWidget(Widget):
    """A widget whose report() acts on the object after the converge (as a run-now does) and fails."""

    def report(self, result):
        super().report(result)
        result["run"] = {"started": True}
        raise ResourceError("the run of w1 ended with result 'error'")


def test_a_failing_report_fails_with_the_result_so_far_and_still_closes():
    widget = RunNowWidget(AnsibleSide({"name": "w1", "size": 2, "token": "t0ps3cret", "state": "present"}), {})
    with pytest.raises(ModuleExit) as exited:
        run_resource_module(widget)
    assert exited.value.failed and exited.value.result["msg"] == "the run of w1 ended with result 'error'"
    assert exited.value.result["operation"] == "create" and exited.value.result["run"] == {"started": True}
    assert widget.writes == ["create"] and widget.closed == 1
