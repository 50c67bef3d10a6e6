"""The reverse_proxy role: argument specs, validation before any call, one login, idempotent rerun."""

from pathlib import Path

import pytest
import yaml
from conftest import FQDN
from simnas.runner import run_playbook

ROLE = Path(__file__).parents[3] / "roles" / "reverse_proxy"
PLAYBOOK = Path(__file__).parent / "playbooks" / "reverse_proxy_role.yml"


def play(nas, **extra):
    extra_vars = {"dsm_url": nas.url, "dsm_username": "admin", "dsm_password": nas.password}
    extra_vars.update(extra)
    return run_playbook(PLAYBOOK, extra_vars, env={"DSM_CA_PATH": nas.ca_path})


def test_defaults_and_argument_specs_have_the_same_keys():
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    specs = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    assert set(defaults) == set(specs)
    assert all(key.startswith("reverse_proxy_") for key in defaults)
    for key, value in defaults.items():
        assert specs[key]["default"] == value, key


@pytest.mark.unverified_contract(
    reason="per-rule frontend.https.http2: no DSM 7 capture lists it (dsm-webapi.md §2.5, §7.2)"
)
def test_role_applies_the_guide_rule_once(nas):
    process = play(nas, reverse_proxy_source_host=FQDN, reverse_proxy_certificate=FQDN)
    output = process.stdout + process.stderr
    assert process.returncode == 0, output[-3000:]
    rule = nas.rules()[0]
    assert rule["description"] == "Anki sync server"
    assert (rule["frontend"]["fqdn"], rule["frontend"]["port"], rule["frontend"]["protocol"]) == (FQDN, 443, 1)
    assert rule["frontend"]["https"] == {"hsts": True, "http2": True}
    assert (rule["backend"]["fqdn"], rule["backend"]["port"], rule["backend"]["protocol"]) == ("localhost", 27701, 0)
    assert [h["name"] for h in rule["customize_headers"]] == ["Upgrade", "Connection"]
    counters = nas.counters()
    assert counters["logins_succeeded"] == 1 and counters["logouts"] == 1
    assert nas.password not in output

    nas.reset_counters()
    again = play(nas, reverse_proxy_source_host=FQDN, reverse_proxy_certificate=FQDN)
    assert again.returncode == 0, (again.stdout + again.stderr)[-3000:]
    assert nas.counters()["writes"] == {}


def test_validation_fails_before_any_call(nas):
    process = play(nas, validate_only=True, reverse_proxy_destination_port=70000)
    assert process.returncode != 0
    assert "reverse_proxy_destination_port (70000)" in process.stdout
    process = play(nas, validate_only=True, reverse_proxy_custom_headers=[{"name": "Bad Header", "value": "x"}])
    assert process.returncode != 0 and "'Bad Header' is not a valid header" in process.stdout
    assert nas.counters()["logins_attempted"] == 0 and nas.counters()["reads"] == {}
