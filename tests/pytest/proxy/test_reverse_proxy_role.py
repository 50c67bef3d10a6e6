"""The reverse_proxy role: argument specs, validation before any call, one login, idempotent rerun."""

from pathlib import Path

import yaml
from harness.runner import run_playbook
from proxy_helpers import curl, served_common_name

ROLE = Path(__file__).parents[3] / "roles" / "reverse_proxy"
PLAYBOOK = Path(__file__).parent / "playbooks" / "reverse_proxy_role.yml"


def play(proxy_dsm, check=False, **extra):
    extra_vars = {"dsm_url": proxy_dsm.url, "dsm_username": "admin", "dsm_password": proxy_dsm.password}
    extra_vars.update(extra)
    return run_playbook(PLAYBOOK, extra_vars, env={"DSM_CA_PATH": proxy_dsm.ca_path}, check=check)


def test_defaults_and_argument_specs_have_the_same_keys():
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    specs = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    assert set(defaults) == set(specs)
    assert all(key.startswith("reverse_proxy_") for key in defaults)
    for key, value in defaults.items():
        assert specs[key]["default"] == value, key


def test_role_applies_the_guide_rule_with_http2_and_lets_encrypt_once(make_proxy_dsm, backend):
    # A fresh NAS: HTTP/2 off (the role turns DSM's global switch on), no certificate for the host name.
    proxy_dsm = make_proxy_dsm(nginx=True, http2=False)
    host = "anki.example.test"
    role_vars = {
        "reverse_proxy_source_host": host,
        "reverse_proxy_destination_port": backend,
        "reverse_proxy_certificate_issue": "letsencrypt",
        "reverse_proxy_certificate_email": "admin@example.test",
    }
    predicted = play(proxy_dsm, check=True, **role_vars)  # the certificate to be issued does not exist yet
    assert predicted.returncode == 0, (predicted.stdout + predicted.stderr)[-3000:]
    assert proxy_dsm.counters()["writes"] == {} and proxy_dsm.rules() == []
    proxy_dsm.reset_counters()

    process = play(proxy_dsm, **role_vars)
    output = process.stdout + process.stderr
    assert process.returncode == 0, output[-3000:]
    rule = proxy_dsm.rules()[0]
    assert rule["description"] == "Anki Sync Server"
    assert (rule["frontend"]["fqdn"], rule["frontend"]["port"], rule["frontend"]["protocol"]) == (host, 443, 1)
    assert rule["frontend"]["https"] == {"hsts": True}
    assert (rule["backend"]["fqdn"], rule["backend"]["port"], rule["backend"]["protocol"]) == ("localhost", backend, 0)
    assert [h["name"] for h in rule["customize_headers"]] == ["Upgrade", "Connection"]
    state = proxy_dsm.state()["state"]
    assert state["web_dsm"]["enable_spdy"] is True
    issued = [cert for cert in state["certificates"] if cert["desc"] == host]
    assert len(issued) == 1 and issued[0]["renewable"]
    assert issued[0]["services"] == [
        {
            "display_name": host,
            "isPkg": False,
            "multiple_cert": True,
            "owner": "root",
            "service": rule["UUID"],
            "subscriber": "ReverseProxy",
            "user_setable": True,
        }
    ]
    counters = proxy_dsm.counters()
    assert counters["logins_succeeded"] == 1 and counters["logouts"] == 1
    assert counters["writes"] == {
        "SYNO.Core.Web.DSM.set": 1,
        "SYNO.Core.Certificate.LetsEncrypt.create": 1,
        "SYNO.Core.AppPortal.ReverseProxy.create": 1,
        "SYNO.Core.Certificate.Service.set": 1,
    }
    assert proxy_dsm.password not in output
    # A real client: HTTP/2 at the rule's host name, TLS verified against the test CA with the issued certificate.
    answer = curl(proxy_dsm, "/echo", host=host, extra=["--http2"])
    assert answer.status and answer.status.startswith("HTTP/2 200"), answer
    assert served_common_name(proxy_dsm, host) == host

    proxy_dsm.reset_counters()
    again = play(proxy_dsm, **role_vars)
    assert again.returncode == 0, (again.stdout + again.stderr)[-3000:]
    assert proxy_dsm.counters()["writes"] == {}


def test_validation_fails_before_any_call(proxy_dsm):
    process = play(proxy_dsm, validate_only=True, reverse_proxy_destination_port=70000)
    assert process.returncode != 0
    assert "reverse_proxy_destination_port must be a port from 1 to 65535 (got 70000)" in process.stdout
    process = play(proxy_dsm, validate_only=True, reverse_proxy_custom_headers=[{"name": "Bad Header", "value": "x"}])
    assert process.returncode != 0
    assert "reverse_proxy_custom_headers: the header name 'Bad Header' is invalid" in process.stdout
    process = play(proxy_dsm, validate_only=True, reverse_proxy_certificate_issue="letsencrypt")
    assert process.returncode != 0 and "letsencrypt needs reverse_proxy_certificate_email" in process.stdout
    assert proxy_dsm.counters()["logins_attempted"] == 0 and proxy_dsm.counters()["reads"] == {}
