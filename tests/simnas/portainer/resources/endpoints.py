"""Environments (endpoints): the list (with ?name= and the X-Total-* headers) and one by id."""

from flask import jsonify

from simnas.portainer.registry import not_found, route


def endpoint_or_404(sim, endpoint_id):
    endpoint = sim.store.endpoint(endpoint_id)
    if endpoint is None:
        raise not_found("Unable to find an environment with the specified identifier inside the database")
    return endpoint


@route("/api/endpoints", "GET")
def endpoints(call):
    every = call.sim.store.data["endpoints"]
    found = [e for e in every if e["Name"] == call.args["name"]] if call.args.get("name") else every
    response = jsonify(found)
    response.headers["X-Total-Count"] = str(len(found))
    response.headers["X-Total-Available"] = str(len(every))
    return response


@route("/api/endpoints/<int:endpoint_id>", "GET")
def endpoint(call, endpoint_id):
    return endpoint_or_404(call.sim, endpoint_id)
