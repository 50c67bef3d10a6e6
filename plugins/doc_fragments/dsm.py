# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment:
    # The connection options of every DSM module (plugins/module_utils/_dsm_module.py dsm_argument_spec).
    DOCUMENTATION = r"""
options:
  dsm_url:
    description:
      - Base URL of DSM, for example V(https://nas.lan:5001) (HTTPS) or V(http://nas.lan:5000). Without C(/webapi).
      - If not set, the value of the environment variable E(DSM_URL) is used.
      - In the roles and playbooks of this collection it comes from the inventory variable C(dsm_url).
    type: str
    required: true
  dsm_username:
    description:
      - DSM account to log in as. Most DSM settings (shared folders, reverse proxy, certificates) need an administrator.
      - If not set, the value of the environment variable E(DSM_USERNAME) is used.
    type: str
    required: true
  dsm_password:
    description:
      - Password of O(dsm_username).
      - A refused login is never retried, because DSM's auto-block bans the address after a few failed logins.
      - If not set, the value of the environment variable E(DSM_PASSWORD) is used.
    type: str
    required: true
  dsm_otp_code:
    description:
      - Current 2-step verification code, for an account that has it enabled.
      - DSM accepts each code once, so do not set it for several tasks; log in once with M(ankinas.synology.dsm_session)
        instead, or set O(dsm_device_id).
      - If not set, the value of the environment variable E(DSM_OTP_CODE) is used.
    type: str
  dsm_device_id:
    description:
      - A device token that DSM issued at an earlier login with O(dsm_otp_code)
        (M(ankinas.synology.dsm_session) returns it as RV(ankinas.synology.dsm_session#module:session.device_id)).
        With it, DSM skips the 2-step verification code.
      - Sent together with O(dsm_device_name), which must be the name the token was issued for.
      - If not set, the value of the environment variable E(DSM_DEVICE_ID) is used.
    type: str
  dsm_device_name:
    description:
      - The device name DSM records for a device token.
    type: str
    default: ankinas
  validate_certs:
    description:
      - Whether to verify DSM's TLS certificate. Prefer O(dsm_ca_path) to switching this off.
      - If not set, the value of the environment variable E(DSM_VALIDATE_CERTS) is used; in the roles and playbooks
        of this collection the inventory variable C(dsm_validate_certs).
    type: bool
    default: true
  dsm_ca_path:
    description:
      - PEM file of the certificate authority that signed DSM's certificate.
      - If not set, the value of the environment variable E(DSM_CA_PATH) is used.
    type: path
  dsm_timeout:
    description:
      - Timeout in seconds of each HTTP request to DSM.
    type: int
    default: 30
  dsm_session:
    description:
      - A session that M(ankinas.synology.dsm_session) opened (its RV(ankinas.synology.dsm_session#module:session)
        return value). The module then neither logs in nor queries C(SYNO.API.Info); it uses this session and leaves
        it open.
      - Set it for all DSM tasks at once with C(module_defaults) and C(group/ankinas.synology.dsm), for example
        V({{ dsm_login.session | default(omit\) }}), so that a play logs in once per NAS instead of once per task
        (see the examples of M(ankinas.synology.dsm_session)).
      - If DSM has dropped the session (error 106 or 119), the module logs in once with O(dsm_password), finishes,
        and logs that new session out again.
      - Without it, each task logs in and out by itself.
    type: dict
    suboptions:
      url:
        description: The O(dsm_url) the session was opened on; a session of another NAS is refused.
        type: str
      account:
        description: The account the session belongs to; a session of another account is refused.
        type: str
      sid:
        description: Session id.
        type: str
        required: true
      synotoken:
        description: The session's SynoToken (CSRF token).
        type: str
        required: true
      api_info:
        description: The C(SYNO.API.Info) answer cached at login (API name to path and versions).
        type: dict
        required: true
      dsm_major:
        description: DSM major version, V(6) or V(7).
        type: int
      device_id:
        description: A device token issued at the login, if any.
        type: str
      validate_certs:
        description: Whether the session's connection verifies DSM's certificate (for the C(dsm_logout) callback).
        type: bool
      ca_path:
        description: The CA bundle the session's connection verifies with.
        type: str
attributes:
  action_group:
    description: Use C(group/ankinas.synology.dsm) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - ankinas.synology.dsm
notes:
  - The module talks to the DSM Web API from the controller (it does not need Python on the NAS) with C(_sid) and
    C(SynoToken) in the URL query, the C(X-SYNO-TOKEN) header and the C(id) cookie, as DSM 7.3 requires.
  - Reads are retried a few times on connection errors and on HTTP 502, 503 and 504. A write that gets no answer is
    not sent again until a re-read shows it did not land.
  - The password, 2-step verification code, device token, session id and SynoToken never appear in messages,
    diffs or return values (except the session that M(ankinas.synology.dsm_session) returns on purpose).
"""

    # The option of the modules whose writes make DSM restart its web server (_dsm_module.RESTART_TIMEOUT_OPTION).
    RESTART = r"""
options:
  restart_timeout:
    description:
      - Seconds to wait for DSM to answer again after a change that makes it restart its web server (a certificate
        bind or import, a new Let's Encrypt certificate, the HTTP/2 switch). The restart takes up to about a minute on
        a real NAS, and the answer to the change itself may be lost meanwhile; the module then reads the state back
        (it never sends the change again blindly).
    type: int
    default: 90
"""
