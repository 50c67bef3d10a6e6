"""/_sim/...: the control API of the tests (state, counters, reset, faults, configuration, environments).
A real Portainer has none of it; these routes are neither counted nor hit by faults."""

from flask import Response

from simnas.portainer.registry import APIError, route

#: what POST /_sim/config may change at run time (the personality)
CONFIGURABLE = ("auth_ban", "auth_limit", "auth_window", "missing_route_status", "version")


@route("/_sim/state", "GET", authenticated=False)
def state(call):
    data = call.sim.store.data
    users = [{k: v for k, v in u.items() if k != "password_hash"} for u in data["users"]]
    return {"users": users, "endpoints": data["endpoints"], "stacks": data["stacks"], "files": data["files"]}


@route("/_sim/counters", "GET", authenticated=False)
def counters(call):
    with call.sim.lock:
        return call.sim.counters.as_dict()


@route("/_sim/reset", "POST", authenticated=False)
def reset(call):
    """Forget counters, faults and the rate limiter's memory (not the stacks)."""
    call.sim.reset()
    return {"ok": True}


@route("/_sim/faults", "POST", authenticated=False)
def add_fault(call):
    """{"method", "path", "status", "times"=1, "message"?, "down"?}: the next `times` matching calls fail; with
    "down": n, Portainer goes down at that call: it and the next n API calls fail with that status, whatever
    they are."""
    fault = call.request.get_json()
    fault.setdefault("times", 1)
    call.sim.faults.append(fault)
    return fault


@route("/_sim/config", "POST", authenticated=False)
def configure(call):
    """Change the personality at run time: version, missing_route_status, auth_limit, auth_window, auth_ban."""
    changes = call.request.get_json()
    unknown = set(changes) - set(CONFIGURABLE)
    if unknown:
        raise APIError(400, "Unknown settings", ", ".join(sorted(unknown)))
    for key, value in changes.items():
        setattr(call.sim.config, key, value)
    return {key: getattr(call.sim.config, key) for key in CONFIGURABLE}


@route("/_sim/endpoints", "POST", authenticated=False)
def add_endpoint(call):
    body = call.request.get_json()
    return call.sim.store.add_endpoint(body["Name"], body.get("URL", call.sim.config.docker_url), body.get("Type", 1))


@route("/_sim/endpoints/<int:endpoint_id>", "DELETE", authenticated=False)
def remove_endpoint(call, endpoint_id):
    store = call.sim.store
    with store.lock:
        store.data["endpoints"] = [e for e in store.data["endpoints"] if e["Id"] != endpoint_id]
        store.save()
    return Response(status=204)
