"""Helpers of several module test files (a module of its own: every suite has a conftest, so `import conftest` is
ambiguous)."""

from harness.runner import run_module

#: the sync server's image as the projects of the Container Manager tests name it
IMAGE = "jeankhawand/anki-sync-server:25.07"

#: a custom DDNS provider of the simulated DSM (dsm_ddns, dsm_ddns_info)
CUSTOM = {"duckdns": "https://www.duckdns.org/update?domains=__HOSTNAME__&token=__PASSWORD__&ip=__MYIP__"}


def shared_folder(dsm, check=False, diff=True, **args):
    args.setdefault("name", "docker")
    return run_module("dsm_shared_folder", dsm.connection(**args), check=check, diff=diff)


def writes(dsm):
    return dsm.counters()["writes"]


def compose(name, port, secret, image=IMAGE, extra_env=""):
    """A Container Manager project's compose: the sync server with one user (secret: its SYNC_USER1), published
    on the loopback; extra_env: more environment lines, indented as the others."""
    return f"""services:
  {name}:
    image: {image}
    container_name: {name}
    stop_signal: SIGINT
    ports:
      - "127.0.0.1:{port}:8080"
    volumes:
      - /volume1/docker/{name}-data:/anki_data
    environment:
      SYNC_USER1: "{secret}"
{extra_env}"""
