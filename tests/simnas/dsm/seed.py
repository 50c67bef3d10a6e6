"""What a user made by hand in DSM's web UI, put in the simulated DSM's state as DSM stores and lists it.

For tests that start from a NAS set up by hand (the setup guide's NAS): its shared folder and its reverse-proxy rule
must not be made through the modules under test, whose idea of DSM would then meet only itself. POST /_sim/seed:

    {"shares": [{"name": "docker", "vol_path": "/volume1", "desc": "Docker"}],
     "reverse_proxy": [{"entry": {...the rule as SYNO.Core.AppPortal.ReverseProxy list shows it...},
                        "certificate": "anki.nas.test"}]}

- a shared folder as Control Panel > Shared Folder > Create makes it: ACL mode, its folder mode 000 (dsm-webapi.md
  §5.4, §7.5), the recycle bin on (the wizard's default);
- a rule as Login Portal > Advanced > Reverse Proxy > Create stores it: the listed shape of dsm-webapi.md §2.1 (the
  pmilano1 DSM 7 capture; phoeluga's and go-synology's ProxyEntry), given whole by the test, with a UUID and `_key`
  of DSM's making (the UI does not send them); an HTTPS rule is listed under the default certificate at once (§7.1)
  and, with "certificate" (a CN), moved under that certificate, as Security > Certificate > Settings does.
The same checks as the API's apply (a rule DSM would refuse is refused: 400 with the DSM code).
"""

import copy
import uuid

from simnas.dsm.apis import certificate, reverse_proxy
from simnas.dsm.registry import DSMError

SHARE_DEFAULTS = {
    "desc": "",
    "is_usb_share": False,
    "hidden": False,
    "encryption": 0,
    "enable_recycle_bin": True,
    "recycle_bin_admin_only": True,
    "enable_share_cow": False,
    "enable_share_compress": False,
    "share_quota": 0,
    "is_aclmode": True,
}


def _share(sim, spec):
    volume = sim.volume_dir(spec.get("vol_path"))
    if volume is None or not spec.get("name"):
        raise DSMError(3304)
    shares = sim.state.data.setdefault("shares", {})
    if spec["name"] in shares:
        raise DSMError(3301)
    (volume / spec["name"]).mkdir(exist_ok=True)
    (volume / spec["name"]).chmod(0o000)
    shares[spec["name"]] = dict(SHARE_DEFAULTS, **spec, uuid=str(uuid.uuid4()))


def _rule(sim, spec):
    entry = copy.deepcopy(spec["entry"])
    store = reverse_proxy.rules(sim.state.data)
    reverse_proxy._check_entry(entry, [record["entry"] for record in store.values()])
    rule_id = str(uuid.uuid4())
    entry["UUID"], entry["_key"] = rule_id, rule_id
    order = max((record["order"] for record in store.values()), default=0) + 1
    store[rule_id] = {"entry": entry, "order": order}
    if entry["frontend"]["protocol"] != 1:
        return
    certificate.list_new_rule(sim, rule_id, entry["frontend"]["fqdn"])
    wanted = spec.get("certificate")
    if not wanted:
        return
    records = certificate.certificates(sim)
    target = next((record for record in records if _common_name(record) == wanted), None)
    if target is None:
        raise DSMError(120)
    default = next(record for record in records if record["is_default"])
    descriptor = next(item for item in default["services"] if item.get("service") == rule_id)
    default["services"].remove(descriptor)
    target["services"].append(descriptor)


def _common_name(record):
    return certificate._shown_common_name(record)


def seed(sim, payload):
    """Apply payload (see the module docstring) to sim's state, render nginx and save; DSMError when DSM refuses."""
    with sim.lock:
        saved = copy.deepcopy(sim.state.data)
        try:
            for spec in payload.get("shares", []):
                _share(sim, spec)
            for spec in payload.get("reverse_proxy", []):
                _rule(sim, spec)
            reverse_proxy.render(sim)
        except Exception:
            sim.state.data.clear()
            sim.state.data.update(saved)
            raise
        sim.state.save()
        return {
            "shares": sorted(sim.state.data.get("shares", {})),
            "reverse_proxy": reverse_proxy.listed(sim.state.data),
        }
