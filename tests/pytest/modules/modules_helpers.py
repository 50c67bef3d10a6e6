"""Helpers of several module test files (a module of its own: every suite has a conftest, so `import conftest` is
ambiguous)."""

from harness.runner import run_module

#: a custom DDNS provider of the simulated DSM (dsm_ddns, dsm_ddns_info)
CUSTOM = {"duckdns": "https://www.duckdns.org/update?domains=__HOSTNAME__&token=__PASSWORD__&ip=__MYIP__"}


def shared_folder(dsm, check=False, diff=True, **args):
    args.setdefault("name", "docker")
    return run_module("dsm_shared_folder", dsm.connection(**args), check=check, diff=diff)


def writes(dsm):
    return dsm.counters()["writes"]
