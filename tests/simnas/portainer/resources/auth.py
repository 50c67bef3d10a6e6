"""POST /api/auth and the bouncer: JWT (HS256, 8 h) and API keys (X-API-Key), 422 on bad credentials,
and the rate limiter in front of /api/auth that bans a client address for a long time."""

import base64
import hashlib
import hmac
import json
import time

from simnas.portainer.registry import APIError, route

JWT_LIFETIME = 8 * 3600


def authenticate(sim, request):
    """The user a request authenticates as, or APIError 401 (the bouncer of the authenticated routes)."""
    api_key = request.headers.get("X-API-Key")
    if api_key:
        user = sim.store.user_for_api_key(api_key)
        if user is None:
            raise APIError(401, "Invalid API key", "Unauthorized")
        return user
    authorization = request.headers.get("Authorization", "")
    if authorization.startswith("Bearer "):
        user = _verify_jwt(sim, authorization[7:])
        if user is None:
            raise APIError(401, "Invalid JWT token", "Unauthorized")
        return user
    raise APIError(401, "A valid authorisation token is missing", "Unauthorized")


@route("/api/auth", "POST", authenticated=False)
def auth(call):
    if _rate_limited(call.sim, call.request.remote_addr):
        raise APIError(403, "Access denied", "Access denied")
    payload = call.payload()
    username, password = payload.get("username"), payload.get("password")
    if not username or not password:
        raise APIError(400, "Invalid request payload", "Invalid username or password")
    user = call.sim.store.check_password(username, password)
    if user is None:
        raise APIError(422, "Invalid credentials", "Unauthorized")
    return {"jwt": _make_jwt(call.sim, user)}


def _rate_limited(sim, client):
    """Too many attempts within the window ban the client address for `auth_ban` seconds."""
    config, now = sim.config, time.monotonic()
    with sim.lock:
        if sim.banned_until.get(client, 0) > now:
            return True
        recent = [t for t in sim.auth_attempt_times.get(client, []) if now - t < config.auth_window]
        recent.append(now)
        sim.auth_attempt_times[client] = recent
        if len(recent) > config.auth_limit:
            sim.banned_until[client] = now + config.auth_ban
            return True
    return False


def _make_jwt(sim, user):
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {"id": user["Id"], "username": user["Username"], "role": user["Role"]}
    claims["exp"] = int(time.time()) + JWT_LIFETIME
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    return signing_input + "." + _b64(_sign(sim, signing_input))


def _sign(sim, text):
    return hmac.new(sim.store.data["jwt_secret"].encode(), text.encode(), hashlib.sha256).digest()


def _verify_jwt(sim, token):
    try:
        signing_input, signature = token.rsplit(".", 1)
        if not hmac.compare_digest(_b64(_sign(sim, signing_input)), signature):
            return None
        claims = json.loads(base64.urlsafe_b64decode(signing_input.split(".")[1] + "=="))
    except (ValueError, IndexError):
        return None
    if claims.get("exp", 0) < time.time():
        return None
    return sim.store.user_by_id(claims.get("id"))


def _b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
