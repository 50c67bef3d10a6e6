"""The simulated DSM refuses what real DSM refuses (issue 20): raw requests, no module involved.

Each refusal cites its public evidence in simnas/dsm/app.py's docstring (or the API module's).
"""

import pytest
import requests

pytestmark = pytest.mark.simulator

SHARE = "SYNO.Core.Share"
RULES = "SYNO.Core.AppPortal.ReverseProxy"


class Raw:
    """A session of raw Web API calls (the transport as the DSM client sends it)."""

    def __init__(self, dsm, account="admin", password=None, session_name=None):
        self.dsm = dsm
        form = {"api": "SYNO.API.Auth", "version": 7, "method": "login", "account": account, "format": "sid"}
        form.update(passwd=password or dsm.password, enable_syno_token="yes")
        if session_name:
            form["session"] = session_name
        data = self._send("POST", "entry.cgi", form, authenticated=False)
        assert data["success"], data
        self.sid, self.token = data["data"]["sid"], data["data"]["synotoken"]

    def _send(self, verb, cgi, form, authenticated=True):
        query, headers = {}, {}
        if authenticated:
            query = {"_sid": self.sid, "SynoToken": self.token}
            headers = {"X-SYNO-TOKEN": self.token, "Cookie": f"id={self.sid}"}
        url = f"{self.dsm.url}/webapi/{cgi}"
        if verb == "GET":
            answer = requests.get(url, params={**query, **form}, headers=headers, verify=self.dsm.ca_path, timeout=10)
        else:
            answer = requests.post(url, params=query, data=form, headers=headers, verify=self.dsm.ca_path, timeout=10)
        return answer.json()

    def call(self, api, method, verb="POST", **params):
        return self._send(verb, "entry.cgi", {"api": api, "version": 1, "method": method, **params})


def share_form(name='"docker"'):
    return {"name": name, "shareinfo": '{"name":"docker","vol_path":"/volume1","desc":""}'}


def error(answer):
    assert answer["success"] is False, answer
    return answer["error"]["code"]


def test_a_write_over_get_answers_105_and_changes_nothing(dsm):
    raw = Raw(dsm)
    assert error(raw.call(SHARE, "create", verb="GET", **share_form())) == 105
    assert dsm.state()["state"].get("shares", {}) == {}
    assert raw.call(SHARE, "list", verb="GET")["success"]  # reads over GET are fine
    assert raw.call(SHARE, "create", **share_form())["success"]


def test_an_account_that_is_not_an_administrator_gets_105_from_admin_apis(make_dsm):
    dsm = make_dsm(users={"admin": "admin-pw", "bob": {"password": "bob-pw", "admin": False}})
    bob = Raw(dsm, "bob", "bob-pw")
    assert error(bob.call(SHARE, "create", **share_form())) == 105
    assert error(bob.call(SHARE, "list")) == 105
    assert error(bob.call(RULES, "list")) == 105
    assert bob._send("POST", "entry.cgi", {"api": "SYNO.DSM.Info", "version": 2, "method": "getinfo"})["success"]
    assert dsm.state()["state"].get("shares", {}) == {}


def test_share_names_must_be_quoted_json_strings(dsm):
    raw = Raw(dsm)
    assert error(raw.call(SHARE, "create", **share_form(name="docker"))) == 403
    assert error(raw.call(SHARE, "get", name="docker")) == 403
    assert dsm.state()["state"].get("shares", {}) == {}
    assert raw.call(SHARE, "create", **share_form())["success"]


def test_new_shared_folders_are_acl_mode_with_posix_mode_000(dsm):
    raw = Raw(dsm)
    assert raw.call(SHARE, "create", **share_form())["success"]
    folder = dsm.home / "volumes" / "volume1" / "docker"
    assert folder.stat().st_mode & 0o7777 == 0
    listed = raw.call(SHARE, "get", name='"docker"', additional='["is_aclmode"]')
    assert listed["data"]["is_aclmode"] is True


def test_logout_with_another_session_name_leaves_the_session_open(dsm):
    raw = Raw(dsm, session_name="webui")
    assert raw._send("POST", "entry.cgi", {"api": "SYNO.API.Auth", "version": 7, "method": "logout"})["success"]
    assert dsm.state()["sessions"] == 1
    assert raw.call(SHARE, "list")["success"]
    logout = {"api": "SYNO.API.Auth", "version": 7, "method": "logout", "session": "webui"}
    assert raw._send("POST", "entry.cgi", logout)["success"]
    assert dsm.state()["sessions"] == 0


def test_delete_of_an_unknown_rule_uuid_is_refused_and_deletes_nothing(dsm):
    raw = Raw(dsm)
    entry = (
        '{"description":"x","frontend":{"fqdn":"a.test","port":443,"protocol":1},'
        '"backend":{"fqdn":"localhost","port":8080,"protocol":0}}'
    )
    assert raw.call(RULES, "create", entry=entry)["success"]
    known = raw.call(RULES, "list")["data"]["entries"][0]["UUID"]
    unknown = "00000000-0000-0000-0000-000000000000"
    assert error(raw.call(RULES, "delete", uuids=f'["{known}","{unknown}"]')) == 120
    assert len(raw.call(RULES, "list")["data"]["entries"]) == 1
    assert raw.call(RULES, "delete", uuids=f'["{known}"]')["success"]


def test_busy_fault_refuses_share_writes_before_acting(dsm):
    raw = Raw(dsm)
    dsm.faults(busy={"count": 1, "api": SHARE, "code": 3328})
    assert raw.call(SHARE, "list")["success"]  # reads are not refused
    assert error(raw.call(SHARE, "create", **share_form())) == 3328
    assert dsm.state()["state"].get("shares", {}) == {}
    assert raw.call(SHARE, "create", **share_form())["success"]


def test_a_remote_backup_password_in_the_clear_over_http_is_not_used(dsm):
    raw = Raw(dsm)
    raw.dsm = type("HTTP", (), {"url": dsm.http_url, "ca_path": None})()
    assert raw.call(
        SHARE,
        "create",
        **share_form(name='"backups"') | {"shareinfo": '{"name":"backups","vol_path":"/volume1","desc":""}'},
    )["success"]
    destination = {
        "target_type": '"image"',
        "transfer_type": '"image_remote"',
        "dest": '"127.0.0.1"',
        "port": "6281",
        "account": '"admin"',
        "pwd": f'"{dsm.password}"',
        "share": '"backups"',
    }
    over_http = raw.call("SYNO.Backup.Target", "get_candidate_dir", **destination)
    assert error(over_http) == 120  # as without a password
    raw.dsm = dsm
    assert raw.call("SYNO.Backup.Target", "get_candidate_dir", **destination)["success"]
