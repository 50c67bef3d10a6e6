# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment:
    # The connection options of every Portainer module (plugins/module_utils/_portainer_module.py).
    DOCUMENTATION = r"""
options:
  portainer_url:
    description:
      - Base URL of Portainer, for example V(https://nas.local:9443). Do not include C(/api).
      - If not set, the value of the environment variable E(PORTAINER_URL) is used.
    type: str
    required: true
  portainer_api_key:
    description:
      - A Portainer access token (C(ptr_...), Portainer 2.11 or later), sent as header C(X-API-Key).
      - If not set, the value of the environment variable E(PORTAINER_API_KEY) is used.
      - Mutually exclusive with O(portainer_username); one of the two is required.
    type: str
  portainer_username:
    description:
      - User to log in as with O(portainer_password) when no API key is used.
      - The module logs in once per task with C(POST /api/auth) and never retries a refused login, because
        Portainer locks a client out for an hour after repeated attempts.
      - If not set, the value of the environment variable E(PORTAINER_USERNAME) is used.
    type: str
  portainer_password:
    description:
      - Password of O(portainer_username).
      - If not set, the value of the environment variable E(PORTAINER_PASSWORD) is used.
    type: str
  portainer_validate_certs:
    description:
      - Whether to verify Portainer's TLS certificate. Prefer O(portainer_ca_path) to switching this off.
      - If not set, the value of the environment variable E(PORTAINER_VALIDATE_CERTS) is used.
    type: bool
    default: true
    aliases: [validate_certs]
  portainer_ca_path:
    description:
      - PEM file of the certificate authority that signed Portainer's certificate (for example the NAS's own CA).
      - If not set, the value of the environment variable E(PORTAINER_CA_PATH) is used.
    type: path
  portainer_timeout:
    description:
      - Timeout in seconds of each HTTP request to Portainer.
      - Portainer deploys a stack before it answers the create or update request, so this must cover pulling
        the images.
      - If not set, the value of the environment variable E(PORTAINER_TIMEOUT) is used.
    type: int
    default: 30
attributes:
  action_group:
    description: Use C(group/ankinas.synology.portainer) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - ankinas.synology.portainer
notes:
  - Reads are retried a few times on connection errors and on HTTP 502, 503 and 504; writes are sent once.
"""
