"""What the roles' defaults must produce, written down here independently of the roles' own files."""

from simnas.supervisor import DEMO_DSM_PASSWORD, DEMO_PORTAINER_API_KEY

#: the sync server container's environment by default: hashed passwords, 512 MiB per sync, data owned by 1000:1000
DEFAULT_CONTAINER_ENV = {"PASSWORDS_HASHED": "1", "MAX_SYNC_PAYLOAD_MEGS": "512", "PUID": "1000", "PGID": "1000"}


def container_env(container):
    """A docker container's environment as a dict."""
    return dict(item.split("=", 1) for item in container.attrs["Config"]["Env"])


#: every secret of inventories/demo: none may appear in any output, log or diff of a run with it
DEMO_SECRETS = (
    DEMO_DSM_PASSWORD,
    DEMO_PORTAINER_API_KEY,
    "alice-demo-password",
    "bob-demo-password",
)
