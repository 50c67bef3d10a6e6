"""The table of simulated Portainer routes: each resource module registers its handlers here.

A later issue adds a route by dropping a module into simnas/portainer/resources/ whose handlers carry
@route(); simnas.portainer.resources imports every module of the package. A handler takes a Call and
returns a Flask Response, or data that is answered as JSON with status 200; it raises APIError to fail.
"""

import re
from dataclasses import dataclass

from flask import Response


class APIError(Exception):
    """A Portainer failure: the status and the body {"message": ..., "details": ...} of its httperror."""

    def __init__(self, status, message, details=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or message


def not_found(message):
    """Portainer's 404 for an identifier its database does not hold."""
    return APIError(404, message, "Object not found inside the database")


@dataclass
class Route:
    rule: str
    method: str
    handler: object
    #: behind Portainer's bouncer (JWT or X-API-Key), checked before the handler reads anything, as its
    #: middleware does (portainer/portainer api/http/handler/stacks/handler.go: bouncer.AuthenticatedAccess)
    authenticated: bool = True
    #: (major, minor) of the first Portainer version that has the route; older personalities answer as
    #: their router does for an unknown route
    since: tuple | None = None


ROUTES = {}


def route(rule, method, authenticated=True, since=None):
    """Register the decorated function(call, **url_args) for `method rule`."""

    def register(handler):
        ROUTES[(method, rule)] = Route(rule, method, handler, authenticated, since)
        return handler

    return register


def version_tuple(text):
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def missing_route(status):
    """What gorilla/mux (404) or a proxy in front of it (405) answers for a route the version lacks."""
    text = "404 page not found\n" if status == 404 else "Method Not Allowed\n"
    return Response(text, status, mimetype="text/plain")


class Call:
    """What a handler sees of one request."""

    def __init__(self, sim, request, user=None):
        self.sim = sim
        self.request = request
        self.args = request.args
        #: the authenticated user (None on the public routes)
        self.user = user

    def payload(self):
        body = self.request.get_json(force=True, silent=True)  # Portainer ignores the Content-Type
        if not isinstance(body, dict):
            raise APIError(400, "Invalid request payload", "Invalid JSON body")
        # Go's encoding/json matches keys case-insensitively.
        return {key.lower(): value for key, value in body.items()}

    def int_query(self, name, optional=False):
        raw = self.args.get(name)
        if raw is None or raw == "":
            if optional:
                return None
            raise APIError(400, f"Invalid query parameter: {name}", f"Missing query parameter: {name}")
        try:
            return int(raw)
        except ValueError:
            raise APIError(400, f"Invalid query parameter: {name}", "Invalid number") from None
