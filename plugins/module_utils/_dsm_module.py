# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every DSM module shares: the connection options, the client built from them, the clean-up.

PRIVATE to the collection: it can change at any time.

- dsm_argument_spec(): the connection options (documented in the doc fragment ankinas.synology.dsm);
- DSMResource: a Resource (see _resource.py) with a DSM client, logged out in close() only when it
  logged in itself (a session passed in with dsm_session stays open for the next task);
- run_read_module(): the same for read-only modules (info modules): gather facts, log out, exit;
- run_session_module(): the module dsm_session (a session logged in, or the play's logged out);
- read_until() and confirm_after_restart(): reads that ride out DSM's web-server restart after a certificate or
  web-service change (no answer for up to about a minute; the write's own answer may be lost).
"""

import contextlib
import traceback
from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule, env_fallback
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMClient, DSMNoAnswerError
from ansible_collections.ankinas.synology.plugins.module_utils._resource import Resource, ResourceError
from ansible_collections.ankinas.synology.plugins.module_utils._wait import WaitTimeout, wait_until

SESSION_OPTIONS = dict(
    url=dict(type="str"),
    account=dict(type="str"),
    sid=dict(type="str", required=True, no_log=True),
    synotoken=dict(type="str", required=True, no_log=True),
    # Not secret: a whole-dict no_log would mask every value of the API cache ("1", "entry.cgi")
    # wherever it appears in the output.
    api_info=dict(type="dict", required=True),
    dsm_major=dict(type="int"),
    device_id=dict(type="str", no_log=True),
    validate_certs=dict(type="bool"),
    ca_path=dict(type="str"),
)


def dsm_argument_spec(**module_options):
    """The connection options of every DSM module, plus the module's own options."""
    spec = dict(
        dsm_url=dict(type="str", required=True, fallback=(env_fallback, ["DSM_URL"])),
        dsm_username=dict(type="str", required=True, fallback=(env_fallback, ["DSM_USERNAME"])),
        dsm_password=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["DSM_PASSWORD"])),
        dsm_otp_code=dict(type="str", no_log=True, fallback=(env_fallback, ["DSM_OTP_CODE"])),
        dsm_device_id=dict(type="str", no_log=True, fallback=(env_fallback, ["DSM_DEVICE_ID"])),
        dsm_device_name=dict(type="str", default="ankinas"),
        validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["DSM_VALIDATE_CERTS"])),
        dsm_ca_path=dict(type="path", fallback=(env_fallback, ["DSM_CA_PATH"])),
        dsm_timeout=dict(type="int", default=30),
        dsm_session=dict(type="dict", no_log=False, options=SESSION_OPTIONS),
    )
    spec.update(module_options)
    return spec


def dsm_module(argument_spec=None, **kwargs):
    """An AnsibleModule with the DSM connection options; every DSM module supports check mode."""
    kwargs.setdefault("supports_check_mode", True)
    return AnsibleModule(argument_spec=dsm_argument_spec(**(argument_spec or {})), **kwargs)


def validate_connection(params):
    """Check the connection options before the first request; the messages name the option."""
    parts = urlsplit(params["dsm_url"])
    # The URL itself stays out of the messages: it may carry user:password@.
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ResourceError("dsm_url must be an http:// or https:// URL such as https://nas.lan:5001")
    if parts.path.rstrip("/") or parts.query or parts.fragment:
        raise ResourceError(
            "dsm_url must be the base URL of DSM without a path (no /webapi), like https://nas.lan:5001"
        )
    if params["dsm_timeout"] <= 0:
        raise ResourceError("dsm_timeout must be a positive number of seconds")
    if params.get("restart_timeout") is not None and params["restart_timeout"] <= 0:
        raise ResourceError("restart_timeout must be a positive number of seconds")


def client_from_params(params, enable_device_token=False, errors=None):
    """A DSMClient from the connection options; errors: the DSM error tables of the APIs the caller uses."""
    return DSMClient(
        url=params["dsm_url"],
        username=params["dsm_username"],
        password=params["dsm_password"],
        otp_code=params["dsm_otp_code"],
        device_id=params["dsm_device_id"],
        device_name=params["dsm_device_name"],
        validate_certs=params["validate_certs"],
        ca_path=params["dsm_ca_path"],
        timeout=params["dsm_timeout"],
        session=params.get("dsm_session"),
        enable_device_token=enable_device_token,
        errors=errors,
    )


class DSMResource(Resource):
    """A Resource on DSM. Subclasses use self.client and call super().validate() if they refine validate()."""

    #: the DSM error tables of the APIs the resource calls ({API prefix: {code: meaning}}), for its client
    dsm_errors = {}

    def __init__(self, module):
        super().__init__(module)
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = client_from_params(self.params, errors=self.dsm_errors)
        return self._client

    def validate(self):
        validate_connection(self.params)

    def close(self):
        if self._client is not None:
            self._client.close()


#: what a read that waits for a change retries (wait_until's retry_on): no answer at all. DSM restarts its web server
#: after a certificate or web-service change and answers nothing for up to about a minute (okkes/munniv2 DSM_RETRY,
#: batonogov settleCertificate); an answer with a DSM error code is not waited out
RESTARTING = (DSMNoAnswerError,)

#: the default of the modules' restart_timeout: seconds to wait for DSM to answer again after such a change
#: (batonogov/terraform-provider-synology-dsm certificate.go certificateSettleTimeout)
RESTART_TIMEOUT = 90

#: the option of the modules whose writes restart DSM's web server
RESTART_TIMEOUT_OPTION = dict(type="int", default=RESTART_TIMEOUT)


def read_until(read, done, timeout, failure, interval=1.0):
    """read()'s first answer for which done(answer) holds; no answer (DSM restarting its web server) counts as
    "not yet". After timeout seconds: WaitTimeout(failure) (see _wait.wait_until)."""
    return wait_until(read, done, timeout, failure, interval=interval, retry_on=RESTARTING)


def confirm_after_restart(landed, timeout, what):
    """The confirm of a write that restarts DSM's web server, whose own answer may be lost (okkes/munniv2: "the
    answer may not arrive; the list tells"): landed()'s first answer once DSM answers again, within timeout seconds.

    A change that restarts the web server is applied before the restart, so the first answer decides (False: the
    client sends the write once more). When DSM does not answer at all within timeout, the write may have landed: an
    error, never a resend.
    """
    try:
        return read_until(landed, lambda _answer: True, timeout, "")
    except WaitTimeout:
        raise ResourceError(
            f"{what}: DSM did not answer within {timeout}s (restart_timeout) after the change, which restarts its "
            "web server; the change may have been applied: run the task again to read the state"
        ) from None


def run_read_module(module, gather, errors=None):
    """Run a read-only DSM module: gather(client) returns the facts, returned with changed=false.

    errors: the DSM error tables of the APIs gather calls.
    """
    client = None
    try:
        validate_connection(module.params)
        client = client_from_params(module.params, errors=errors)
        facts = gather(client)
        client.close()
    except ResourceError as exc:
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()
        module.fail_json(msg=str(exc), exception=traceback.format_exc())
    module.exit_json(changed=False, **facts)


def run_session_module(module):
    """The module dsm_session: log in (state=present: a new session, returned) or log the play's session out."""
    params = module.params
    result = {"changed": False}
    try:
        validate_connection(params)
        if params["state"] == "present":
            # A new session, even when module_defaults already pass one in.
            client = client_from_params(dict(params, dsm_session=None), enable_device_token=True)
            result["session"] = client.session()
        else:
            client = client_from_params(params)
            # The session is the play's: log it out although this client did not open it.
            client.logout()
    except ResourceError as exc:
        module.fail_json(msg=str(exc), exception=traceback.format_exc())
    module.exit_json(**result)
