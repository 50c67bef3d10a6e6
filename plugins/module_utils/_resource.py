# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The read -> compare -> write -> re-read flow that every resource module of this collection shares.

PRIVATE to the collection: it can change at any time.

A module declares a Resource subclass (how to read, build, compare, create, update and delete one
remote object, and which fields are secret) and calls run_resource_module(). The flow here owns
check mode, diff mode, the "changed" verdict and the returned object, so every module behaves alike.
After the converge comes report() (extra return values, actions such as a run-now), then close()
(sessions released), which runs whatever happened before it, as community.docker's
`manager.run(); manager.cleanup()` does.
"""

import contextlib
import traceback

MASK = "********"


class ResourceError(Exception):
    """An error whose message is safe to show: it never carries request bodies or secrets."""


class OptionNames:
    """How a check names an option in its message: as the user wrote it. A module's options are named as
    themselves; a role passes {option: its variable}, so one check serves both (the roles' filters)."""

    def __init__(self, names=None):
        self.names = names or {}

    def __call__(self, option):
        return self.names.get(option, option)


class Resource:
    """One remote object, as a module manages it."""

    #: key under which the module returns the object
    result_key = "resource"
    #: keys of the desired object that the module compares with the current one
    compared_keys = ()

    def __init__(self, module):
        self.module = module
        self.params = module.params

    # --- what a module must declare -------------------------------------------------------------
    def read(self):
        """Return the current object, or None when it does not exist."""
        raise NotImplementedError

    def desired(self, current):
        """Return the object as it should be, shaped like read()'s answer (current may be None)."""
        raise NotImplementedError

    def create(self, desired):
        raise NotImplementedError

    def update(self, current, desired):
        raise NotImplementedError

    def delete(self, current):
        raise NotImplementedError

    # --- what a module may refine ---------------------------------------------------------------
    def validate(self):
        """Check the input before any call to the API; raise ResourceError naming the option."""

    def differences(self, current, desired):
        """Names of the compared keys whose values differ."""
        return [key for key in self.compared_keys if current.get(key) != desired.get(key)]

    def predict(self, current, desired):
        """The object as it would be after the write (check mode returns this)."""
        merged = dict(current or {})
        merged.update(desired)
        return merged

    def masked(self, obj):
        """The object as it may be shown (returned, diffed): secrets replaced by MASK."""
        return obj

    def report(self, result):
        """After a successful converge: add return values to result, or act on the object (a run-now).

        A ResourceError here fails the module with the result so far.
        """

    def close(self):
        """Release what the module holds (a session); runs after report() and after any failure."""


def run_resource_module(resource):
    """Run the shared flow for one Resource, close it, and exit the module."""
    module = resource.module
    result = {}
    try:
        result = _converge(resource)
        resource.report(result)
    except ResourceError as exc:
        _close_quietly(resource)
        module.fail_json(msg=str(exc), exception=traceback.format_exc(), **result)
    except BaseException:
        _close_quietly(resource)
        raise
    resource.close()
    module.exit_json(**result)


def _converge(resource):
    module = resource.module
    resource.validate()
    state = module.params.get("state") or "present"
    current = resource.read()
    operation = None
    changed_keys = []
    after = current

    if state == "absent":
        if current is not None:
            operation = "delete"
            if not module.check_mode:
                resource.delete(current)
            after = None
    else:
        desired = resource.desired(current)
        if current is None:
            operation = "create"
        else:
            changed_keys = resource.differences(current, desired)
            if changed_keys:
                operation = "update"
        if operation and module.check_mode:
            after = resource.predict(current, desired)
        elif operation:
            if operation == "create":
                resource.create(desired)
            else:
                resource.update(current, desired)
            after = resource.read()
            if after is None:
                raise ResourceError(
                    f"the {resource.result_key} was written but is not there when read back; "
                    f"the API accepted the {operation} without applying it"
                )

    result = {"changed": operation is not None, resource.result_key: resource.masked(after) if after else {}}
    if operation:
        result["operation"] = operation
    if changed_keys:
        result["changed_keys"] = changed_keys
    if module._diff:
        result["diff"] = {
            "before": resource.masked(current) if current else {},
            "after": resource.masked(after) if after else {},
        }
    return result


def _close_quietly(resource):
    # The original error is the one worth reporting; a failing clean-up must not replace it.
    with contextlib.suppress(Exception):
        resource.close()
