# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DSM errors: the message names the API, the method, the code and its meaning, and never a secret."""

import json

import pytest
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import (
    DSMAPIError,
    DSMClient,
    _NoAnswer,
    busy_codes_of,
    error_meaning,
)
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_hyper_backup import ERRORS as BACKUP_ERRORS


@pytest.mark.parametrize(
    ("api", "code", "meaning"),
    [
        ("SYNO.API.Auth", 400, "No such account or incorrect password"),
        ("SYNO.API.Auth", 407, "Blocked IP source (auto-block)"),
        ("SYNO.API.Auth", 105, "The logged in session does not have permission"),
        # an API family's own table wins over the common one for the numbers it reuses
        ("SYNO.Core.Share", 402, "No such shared folder"),
        ("SYNO.FileStation.CreateFolder", 408, "No such file or directory"),
        ("SYNO.Core.System", 402, "unknown error code"),
        ("SYNO.Core.Share", 119, "Invalid session (SID not found)"),
        ("SYNO.Core.ShareX", 3301, "unknown error code"),  # a prefix, not a family
        ("SYNO.Core.Share", None, "no error code"),
    ],
)
def test_error_meaning_looks_in_the_most_specific_table_first(api, code, meaning):
    assert error_meaning(api, code) == meaning


def test_the_codes_met_without_a_meaning_are_named():
    # 3328 on any API (DSM's get_lock_failed); Hyper Backup's 4405 and 3332 with its table
    assert "busy" in error_meaning("SYNO.Core.AppPortal.ReverseProxy", 3328)
    assert error_meaning("SYNO.Core.Share", 3328) == "Another shared folder operation is in progress"
    assert "already exists" in error_meaning("SYNO.Backup.Task", 4405, BACKUP_ERRORS)
    assert "backing up" in error_meaning("SYNO.Backup.Task", 3332, BACKUP_ERRORS)


@pytest.mark.parametrize(
    ("api", "codes"),
    [
        ("SYNO.Core.Share", (3328,)),
        ("SYNO.Core.AppPortal.ReverseProxy", (3328,)),
        ("SYNO.Core.TaskScheduler.Root", (3328,)),
        ("SYNO.Backup.Task", (3328, 3332)),
        ("SYNO.Backup.TaskX", (3328,)),  # a prefix, not a family
    ],
)
def test_busy_codes_are_retried_on_every_write_that_dsm_can_refuse_as_busy(api, codes):
    assert busy_codes_of(api) == codes


def test_the_message_names_api_method_code_meaning_and_hint():
    error = DSMAPIError("SYNO.Core.Share", "create", 3301, hint="choose another name")
    assert str(error) == (
        "SYNO.Core.Share create failed: DSM error 3301 (A shared folder with this name already exists); "
        "choose another name"
    )
    assert (error.api, error.method, error.code) == ("SYNO.Core.Share", "create", 3301)
    without_code = DSMAPIError("SYNO.DSM.Info", "getinfo", meaning="no answer")
    assert str(without_code) == "SYNO.DSM.Info getinfo failed: no answer"


@pytest.fixture
def client():
    return DSMClient("https://nas.example:5001/", "admin", "pa55word")


def envelope(client, api, method, body, write=False):
    return client._envelope(api, method, body if isinstance(body, bytes) else json.dumps(body).encode(), write)


def test_a_success_envelope_gives_its_data(client):
    assert envelope(client, "SYNO.DSM.Info", "getinfo", {"success": True, "data": {"model": "DS920+"}}) == {
        "model": "DS920+"
    }
    assert envelope(client, "SYNO.Core.Share", "set", {"success": True}) == {}


def test_a_refusal_becomes_an_error_with_the_item_codes(client):
    body = {"success": False, "error": {"code": 1100, "errors": [{"code": 418, "path": "/docker/a:b"}]}}
    with pytest.raises(DSMAPIError) as refused:
        envelope(client, "SYNO.FileStation.CreateFolder", "create", body, write=True)
    assert str(refused.value) == (
        "SYNO.FileStation.CreateFolder create failed: DSM error 1100 (Failed to create a folder); "
        "item errors: 418 at /docker/a:b"
    )


def test_a_login_refusal_never_shows_its_details(client):
    # a 2FA refusal carries a challenge token in error.errors
    body = {"success": False, "error": {"code": 403, "errors": {"token": "challenge-token-xyz", "types": []}}}
    with pytest.raises(DSMAPIError) as refused:
        envelope(client, "SYNO.API.Auth", "login", body)
    assert str(refused.value) == "SYNO.API.Auth login failed: DSM error 403 (2-factor authentication code required)"


def test_answers_that_are_no_envelope(client):
    assert envelope(client, "SYNO.Backup.Task", "create", b"", write=True) == {}
    with pytest.raises(_NoAnswer) as empty:
        envelope(client, "SYNO.Backup.Task", "list", b"")
    assert (empty.value.reason, empty.value.landed) == ("DSM answered an empty body", False)
    with pytest.raises(_NoAnswer) as html:
        envelope(client, "SYNO.Core.Share", "create", b"<html><body>502 Bad Gateway</body></html>", write=True)
    assert (html.value.reason, html.value.landed) == ("DSM answered with an HTML page instead of JSON", True)
    with pytest.raises(DSMAPIError) as other:
        envelope(client, "SYNO.Core.Share", "list", [1, 2])
    assert str(other.value) == "SYNO.Core.Share list failed: DSM answered JSON that is not a DSM envelope"
