"""Compose stacks (type 2, standalone), deployed FOR REAL on the local Docker Engine (simnas.portainer.dockerhost):
list, read, file, create (the 2.19+ route and the older POST /api/stacks?type=2&method=string), update,
delete, start and stop, with Portainer's rules: the normalised name is unique per environment and against
any compose project of the Engine (409), a failed deploy leaves nothing behind, a failed update rolls the
file back, and delete takes endpointId as optional (an orphaned stack)."""

import contextlib
import json
import re
import time

from flask import Response

from simnas.portainer.dockerhost import DeployError
from simnas.portainer.registry import APIError, not_found, route
from simnas.portainer.resources.endpoints import endpoint_or_404

RESOURCE_CONTROL_STACK = 6
ACTIVE, INACTIVE = 1, 2


def normalize_stack_name(name):
    return re.sub(r"[^-_a-z0-9]", "", name.lower())


def _stack_or_404(sim, stack_id):
    stack = sim.store.stack(stack_id)
    if stack is None:
        raise not_found("Unable to find a stack with the specified identifier inside the database")
    return stack


def _env_pairs(env):
    pairs = []
    for pair in env or []:
        pair = {key.lower(): value for key, value in pair.items()}
        pairs.append({"name": str(pair.get("name", "")), "value": str(pair.get("value", ""))})
    return pairs


@route("/api/stacks", "GET")
def stacks(call):
    found = call.sim.store.data["stacks"]
    filters = call.args.get("filters")
    if filters:
        try:
            wanted = json.loads(filters)
        except ValueError:
            raise APIError(400, "Invalid query parameter: filters", "Invalid JSON") from None
        if wanted.get("EndpointID"):
            found = [s for s in found if s["EndpointId"] == wanted["EndpointID"]]
    return found


@route("/api/stacks/<int:stack_id>", "GET")
def stack(call, stack_id):
    return _stack_or_404(call.sim, stack_id)


@route("/api/stacks/<int:stack_id>/file", "GET")
def stack_file(call, stack_id):
    _stack_or_404(call.sim, stack_id)
    return {"StackFileContent": call.sim.store.stack_file(stack_id)}


@route("/api/stacks", "POST")
def create_stack_old_route(call):
    # POST /api/stacks?type=2&method=string: the only create route before 2.19, deprecated after.
    if call.int_query("type") != 2 or call.args.get("method") != "string":
        raise APIError(400, "Invalid query parameter: method", "The simulator supports type=2&method=string only")
    return _create_stack(call)


@route("/api/stacks/create/standalone/string", "POST", since=(2, 19))
def create_stack(call):
    return _create_stack(call)


def _create_stack(call):
    sim = call.sim
    endpoint_id = call.int_query("endpointId")
    endpoint_or_404(sim, endpoint_id)
    payload = call.payload()
    name = normalize_stack_name(payload.get("name") or "")
    content = payload.get("stackfilecontent") or ""
    if not name:
        raise APIError(400, "Invalid request payload", "Invalid stack name")
    if not content:
        raise APIError(400, "Invalid request payload", "Invalid stack file content")
    env = _env_pairs(payload.get("env"))
    with sim.store.lock:
        taken = any(
            s["EndpointId"] == endpoint_id and normalize_stack_name(s["Name"]) == name for s in sim.store.data["stacks"]
        )
        if taken or sim.docker.project_in_use(name):
            message = f"A stack with the normalized name '{name}' already exists"
            raise APIError(409, message, message)
        stack_id = sim.store.next_id("stack")
        sim.store.save()
        try:
            sim.docker.write_files(stack_id, content, env)
            sim.docker.up(stack_id, name)
        except DeployError as exc:
            # Portainer removes what a failed deploy left behind, and the stack record with it.
            with contextlib.suppress(DeployError):
                sim.docker.down(stack_id, name)
            sim.docker.remove_files(stack_id)
            raise APIError(500, str(exc), str(exc)) from None
        created = {
            "Id": stack_id,
            "Name": name,
            "Type": 2,
            "EndpointId": endpoint_id,
            "SwarmId": "",
            "EntryPoint": "docker-compose.yml",
            "Env": env,
            "ResourceControl": {
                "Id": stack_id,
                "ResourceId": f"{endpoint_id}_{name}",
                "Type": RESOURCE_CONTROL_STACK,
                "AdministratorsOnly": True,
                "Public": False,
                "UserAccesses": [],
                "TeamAccesses": [],
            },
            "Status": ACTIVE,
            "ProjectPath": str(sim.docker.project_dir(stack_id)),
            "CreationDate": int(time.time()),
            "CreatedBy": call.user["Username"],
            "UpdateDate": 0,
            "UpdatedBy": "",
            "AdditionalFiles": None,
            "AutoUpdate": None,
            "Option": None,
            "GitConfig": None,
            "FromAppTemplate": bool(payload.get("fromapptemplate")),
            "Namespace": "",
        }
        sim.store.put_stack(created, content)
    return created


@route("/api/stacks/<int:stack_id>", "PUT")
def update_stack(call, stack_id):
    sim = call.sim
    endpoint_or_404(sim, call.int_query("endpointId"))
    payload = call.payload()
    content = payload.get("stackfilecontent") or ""
    if not content:
        raise APIError(400, "Invalid request payload", "Invalid stack file content")
    env = _env_pairs(payload.get("env"))
    with sim.store.lock:
        updated = dict(_stack_or_404(sim, stack_id))
        old_content, old_env = sim.store.stack_file(stack_id), updated["Env"]
        try:
            sim.docker.write_files(stack_id, content, env)
            sim.docker.up(stack_id, updated["Name"], pull=bool(payload.get("pullimage")))
        except DeployError as exc:
            # Portainer rolls the file back when the new one does not deploy.
            sim.docker.write_files(stack_id, old_content, old_env)
            raise APIError(500, str(exc), str(exc)) from None
        updated.update({"Env": env, "UpdateDate": int(time.time()), "UpdatedBy": call.user["Username"]})
        updated["Status"] = ACTIVE
        sim.store.put_stack(updated, content)
    return updated


@route("/api/stacks/<int:stack_id>", "DELETE")
def delete_stack(call, stack_id):
    sim = call.sim
    # Portainer parses endpointId as optional; without it the stack counts as orphaned and the
    # handler looks up environment 0.
    endpoint_id = call.int_query("endpointId", optional=True) or 0
    with sim.store.lock:
        deleted = _stack_or_404(sim, stack_id)
        if sim.store.endpoint(endpoint_id) is None:
            raise not_found("Unable to find the endpoint associated to the stack inside the database")
        try:
            sim.docker.down(stack_id, deleted["Name"])
        except DeployError as exc:
            raise APIError(500, "Unable to remove stack", str(exc)) from None
        sim.docker.remove_files(stack_id)
        sim.store.remove_stack(stack_id)
    return Response(status=204)


@route("/api/stacks/<int:stack_id>/start", "POST")
def start_stack(call, stack_id):
    return _switch(call, stack_id, ACTIVE)


@route("/api/stacks/<int:stack_id>/stop", "POST")
def stop_stack(call, stack_id):
    return _switch(call, stack_id, INACTIVE)


def _switch(call, stack_id, wanted):
    """Start (ACTIVE) or stop (INACTIVE) a stack: compose up or down, then its new Status."""
    sim = call.sim
    endpoint_or_404(sim, call.int_query("endpointId"))
    verb = "start" if wanted == ACTIVE else "stop"
    with sim.store.lock:
        switched = dict(_stack_or_404(sim, stack_id))
        # As in Portainer, the label check runs first and does not exclude the stack's own containers.
        if wanted == ACTIVE and sim.docker.project_in_use(switched["Name"]):
            raise APIError(409, f"A stack with the name '{switched['Name']}' is already running")
        if switched["Status"] == wanted:
            raise APIError(400, "Stack is already " + ("active" if wanted == ACTIVE else "inactive"))
        try:
            (sim.docker.up if wanted == ACTIVE else sim.docker.down)(stack_id, switched["Name"])
        except DeployError as exc:
            raise APIError(500, f"Unable to {verb} stack", str(exc)) from None
        switched["Status"] = wanted
        sim.store.put_stack(switched, sim.store.stack_file(stack_id))
    return switched
