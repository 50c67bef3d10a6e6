"""The Docker API proxy of an environment, /api/endpoints/<id>/docker/<path> (reads only: the collection
inspects containers through it); an environment on another Engine is unreachable (502)."""

from flask import Response

from simnas.portainer.registry import APIError, route
from simnas.portainer.resources.endpoints import endpoint_or_404


@route("/api/endpoints/<int:endpoint_id>/docker/<path:docker_path>", "GET")
def docker_proxy(call, endpoint_id, docker_path):
    endpoint = endpoint_or_404(call.sim, endpoint_id)
    if endpoint["URL"] != call.sim.config.docker_url:
        raise APIError(502, "Unable to proxy the request via the Docker API", "The environment is unreachable")
    status, body, content_type = call.sim.docker.proxy_get(docker_path, call.request.query_string.decode())
    return Response(body, status, content_type=content_type)
