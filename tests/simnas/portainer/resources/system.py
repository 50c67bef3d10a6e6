"""The version and status routes: /api/system/status (2.17+), the older /api/status, /api/system/version,
and /api/users/admin/check (204 once an administrator exists)."""

from flask import Response

from simnas.portainer.registry import route

INSTANCE_ID = "simnas-portainer"


@route("/api/system/status", "GET", authenticated=False, since=(2, 17))
def system_status(call):
    return {"Version": call.sim.config.version, "InstanceID": INSTANCE_ID}


@route("/api/status", "GET", authenticated=False)
def status(call):
    return {"Version": call.sim.config.version, "InstanceID": INSTANCE_ID}


@route("/api/system/version", "GET")
def system_version(call):
    return {"ServerVersion": call.sim.config.version, "ServerEdition": "CE", "DatabaseVersion": "simulated"}


@route("/api/users/admin/check", "GET", authenticated=False)
def admin_check(call):
    return Response(status=204)
