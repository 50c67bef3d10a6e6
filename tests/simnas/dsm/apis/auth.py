"""SYNO.API.Info (discovery) and SYNO.API.Auth (login, logout, 2FA, device tokens, auto-block)."""

import secrets

import pyotp

from simnas.dsm.registry import DSMError, declare_api, method

declare_api(
    "SYNO.API.Info",
    dsm7=(1, 1),
    dsm6=(1, 1),
    paths={"dsm7": ["entry.cgi", "query.cgi"], "dsm6": ["query.cgi"]},
    json_format=("dsm7",),
    admin_only=False,
)
# DSM 7 advertises entry.cgi and still answers on auth.cgi; DSM 6 answers on auth.cgi only (102 elsewhere).
declare_api(
    "SYNO.API.Auth",
    dsm7=(1, 7),
    dsm6=(1, 6),
    paths={"dsm7": ["entry.cgi", "auth.cgi"], "dsm6": ["auth.cgi"]},
    json_format=(),
    admin_only=False,
)

#: session names DSM 7.3 accepts; any other answers 402
KNOWN_SESSION_NAMES = {"webui", "FileStation", "DownloadStation", "SurveillanceStation"}


@method("SYNO.API.Info", "query", session=False)
def info_query(ctx):
    wanted = str(ctx.params.get("query", "ALL"))
    found = ctx.sim.apis()
    if wanted.lower() == "all":
        return found
    names = {name.strip() for name in wanted.split(",")}
    return {name: entry for name, entry in found.items() if name in names}


def _refuse(ctx, code):
    """A failed login: counts toward the auto-block of the caller's address."""
    sim = ctx.sim
    sim.count("logins_failed")
    sim.failed_logins[ctx.remote_addr] += 1
    if sim.failed_logins[ctx.remote_addr] >= sim.autoblock_attempts:
        sim.blocked.add(ctx.remote_addr)
    raise DSMError(code)


def _otp_ok(ctx, account, user, code):
    if user.get("otp_code") is not None:
        return code == str(user["otp_code"])
    if (account, code) in ctx.sim.used_otp_codes:
        return False  # DSM accepts each code once
    ok = pyotp.TOTP(user["otp_secret"]).verify(code, valid_window=1)
    if ok:
        ctx.sim.used_otp_codes.add((account, code))
    return ok


@method("SYNO.API.Auth", "login", session=False)
def login(ctx):
    sim, params = ctx.sim, ctx.params
    sim.count("logins_attempted")
    sim.count("login_versions", str(ctx.version))
    if ctx.version < 3:
        raise DSMError(103)  # login exists from v3 on
    if ctx.remote_addr in sim.blocked:
        raise DSMError(407)
    if "session" in params and params["session"] not in KNOWN_SESSION_NAMES and ctx.personality == "dsm7":
        raise DSMError(402)
    account = params.get("account", "")
    user = sim.users.get(account)
    if user is None or params.get("passwd") != user["password"]:
        _refuse(ctx, 400)

    issued = None
    if user.get("otp_secret") or user.get("otp_code") is not None:
        tokens = ctx.state.setdefault("device_tokens", {})
        device_id = params.get("device_id")
        known = tokens.get(device_id) if device_id else None
        if known and known["account"] == account and params.get("device_name"):
            pass  # a trusted device skips the code
        elif params.get("otp_code"):
            if not _otp_ok(ctx, account, user, params["otp_code"]):
                _refuse(ctx, 404)
            if params.get("enable_device_token") == "yes":
                if not params.get("device_name"):
                    raise DSMError(114)
                issued = secrets.token_urlsafe(32)
                tokens[issued] = {"account": account, "device_name": params["device_name"]}
                sim.state.save()
        else:
            raise DSMError(403, {"token": secrets.token_urlsafe(16), "types": [{"type": "otp"}]})

    sim.failed_logins.pop(ctx.remote_addr, None)
    session = sim.new_session(account)
    session["name"] = params.get("session")  # logout must name it again (dsm-webapi.md §1.2, §1.3)
    sim.count("logins_succeeded")
    data = {"account": account, "is_portal_port": False, "ik_message": ""}
    if params.get("format", "cookie") == "sid":
        data["sid"] = session["sid"]
    else:
        ctx.cookies["id"] = session["sid"]
    data["synotoken"] = session["token"] if params.get("enable_syno_token") == "yes" else "--------"
    # Auth v7 names the device token device_id (empty when none was issued); v6 names it did.
    if ctx.version >= 7:
        data["device_id"] = issued or ""
    elif issued:
        data["did"] = issued
    return data


@method("SYNO.API.Auth", "logout")
def logout(ctx):
    if ctx.params.get("session") == ctx.session.get("name"):
        ctx.sim.sessions.pop(ctx.session["sid"], None)
    ctx.sim.count("logouts")
    return None
