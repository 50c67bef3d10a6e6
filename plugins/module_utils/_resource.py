# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The read -> compare -> write -> re-read flow that every resource module of this collection shares.

PRIVATE to the collection: it can change at any time.

A module declares a Resource subclass (how to read, build, compare, create, update and delete one
remote object, and which fields are secret) and calls run_resource_module(). The flow here owns
check mode, diff mode, the "changed" verdict and the returned object, so every module behaves alike.
"""

import contextlib
import traceback

MASK = "********"


class ResourceError(Exception):
    """An error whose message is safe to show: it never carries request bodies or secrets."""


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

    def finish(self, result):
        """Last hook before exit: release sessions, add extra return values."""


def run_resource_module(resource):
    """Run the shared flow for one Resource and exit the module."""
    module = resource.module
    try:
        result = _converge(resource)
    except ResourceError as exc:
        _finish_quietly(resource, {})
        module.fail_json(msg=str(exc), exception=traceback.format_exc())
    resource.finish(result)
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
                    f"the {resource.result_key} was written but is not there when read back; the API accepted "
                    f"the {operation} without applying it"
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


def _finish_quietly(resource, result):
    # The original error is the one worth reporting.
    with contextlib.suppress(Exception):
        resource.finish(result)
