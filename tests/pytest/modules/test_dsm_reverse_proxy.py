"""ankinas.synology.dsm_reverse_proxy against the simulated DSM, over HTTPS, as Ansible runs it."""

import pytest
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMClient
from harness.runner import run_module
from proxy_helpers import FQDN, rule_args, served_common_name

RP = "SYNO.Core.AppPortal.ReverseProxy"
BIND = "SYNO.Core.Certificate.Service.set"


def only_rule(proxy_dsm):
    rules = proxy_dsm.rules()
    assert len(rules) == 1, rules
    return rules[0]


def bound_certificates(proxy_dsm):
    """Rule UUID -> descriptions of the certificates DSM lists it under ("(default)" for DSM's default)."""
    found = {}
    for cert in proxy_dsm.state()["state"]["certificates"]:
        for service in cert["services"]:
            if service["subscriber"] == "ReverseProxy":
                found.setdefault(service["service"], []).append(cert["desc"] or "(default)")
    return found


def test_create_lists_the_rule_as_dsm_does(proxy_dsm):
    result = proxy_dsm.run(**rule_args())
    assert result["changed"] and result["operation"] == "create", result
    rule = only_rule(proxy_dsm)
    assert result["rule"]["UUID"] == rule["UUID"] and result["rule"]["_key"] == rule["_key"]
    assert rule["description"] == "Anki sync server"
    assert rule["frontend"] == {
        "fqdn": FQDN,
        "port": 443,
        "protocol": 1,
        "https": {"hsts": True},  # no per-rule http2: DSM 7 follows its global switch
        "acl": None,
    }
    assert rule["backend"] == {"fqdn": "localhost", "port": 27701, "protocol": 0}
    assert rule["customize_headers"] == [
        {"name": "Upgrade", "value": "$http_upgrade"},
        {"name": "Connection", "value": "$connection_upgrade"},
    ]
    assert [rule[key] for key in ("proxy_connect_timeout", "proxy_read_timeout", "proxy_send_timeout")] == [60] * 3
    assert rule["proxy_http_version"] == 1 and rule["proxy_intercept_errors"] is False
    assert proxy_dsm.writes() == {f"{RP}.create": 1}
    assert bound_certificates(proxy_dsm) == {rule["UUID"]: ["(default)"]}  # as DSM lists a new rule
    assert not result.get("warnings"), result["warnings"]
    # Secrets stay out of the output.
    assert proxy_dsm.password not in result.stdout + result.stderr


def test_rerun_makes_no_write(proxy_dsm):
    proxy_dsm.run(**rule_args(custom_headers=[{"name": "X-Forwarded-Host", "value": "$host"}]))
    proxy_dsm.reset_counters()
    result = proxy_dsm.run(**rule_args(custom_headers=[{"name": "x-forwarded-host", "value": "$host"}]))
    assert not result["changed"], result
    assert proxy_dsm.writes() == {}
    reads = proxy_dsm.counters()["reads"]
    assert {name: count for name, count in reads.items() if name.startswith(RP)} == {f"{RP}.list": 1}


def test_update_keeps_uuid_key_and_unmanaged_fields(proxy_dsm):
    created = proxy_dsm.run(**rule_args())["rule"]
    # Someone sets an access-control profile in DSM's UI, and DSM has a field the module does not know.
    with proxy_dsm.sim.lock:
        entry = proxy_dsm.sim.state.data["reverse_proxy"][created["UUID"]]["entry"]
        entry["frontend"]["acl"] = "9a1c-acl-profile"
        entry["proxy_intercept_errors"] = True
        entry["future_field"] = {"kept": True}
    proxy_dsm.reset_counters()
    result = proxy_dsm.run(**rule_args(destination_port=27702, hsts=False, proxy_read_timeout=600))
    assert result["changed"] and result["operation"] == "update"
    assert sorted(result["changed_keys"]) == ["destination_port", "hsts", "proxy_read_timeout"]
    rule = only_rule(proxy_dsm)
    assert rule["UUID"] == created["UUID"] and rule["_key"] == created["_key"]
    assert rule["backend"]["port"] == 27702 and rule["frontend"]["https"]["hsts"] is False
    assert rule["proxy_read_timeout"] == 600
    assert rule["frontend"]["acl"] == "9a1c-acl-profile"
    assert rule["proxy_intercept_errors"] is True and rule["future_field"] == {"kept": True}
    assert result["rule"] == rule
    assert proxy_dsm.writes() == {f"{RP}.update": 1}


def test_check_mode_changes_nothing(proxy_dsm):
    predicted = proxy_dsm.run(check=True, **rule_args())
    assert predicted["changed"] and predicted["operation"] == "create"
    assert predicted["rule"]["frontend"]["fqdn"] == FQDN and "UUID" not in predicted["rule"]
    assert proxy_dsm.rules() == [] and proxy_dsm.writes() == {}

    proxy_dsm.run(**rule_args())
    before = only_rule(proxy_dsm)
    proxy_dsm.reset_counters()
    predicted = proxy_dsm.run(check=True, **rule_args(destination_port=8080, certificate="anki.nas.test"))
    assert predicted["changed"] and sorted(predicted["changed_keys"]) == ["certificate", "destination_port"]
    assert predicted["rule"]["backend"]["port"] == 8080 and predicted["rule"]["UUID"] == before["UUID"]
    assert predicted["certificate"]["desc"] == "Anki"
    assert only_rule(proxy_dsm) == before and bound_certificates(proxy_dsm) == {before["UUID"]: ["(default)"]}
    assert proxy_dsm.writes() == {}


def test_diff_shows_before_and_after(proxy_dsm):
    created = proxy_dsm.run(diff=True, **rule_args())
    assert created["diff"]["before"] == {} and created["diff"]["after"]["UUID"] == created["rule"]["UUID"]
    changed = proxy_dsm.run(diff=True, **rule_args(destination_port=27702, certificate="Anki"))
    before, after = changed["diff"]["before"], changed["diff"]["after"]
    assert before["backend"]["port"] == 27701 and after["backend"]["port"] == 27702
    assert before["certificate"]["is_default"] and after["certificate"]["common_name"] == FQDN
    removed = proxy_dsm.run(diff=True, description="Anki sync server", state="absent")
    assert removed["diff"]["before"]["UUID"] == created["rule"]["UUID"] and removed["diff"]["after"] == {}


def test_absent_twice(proxy_dsm):
    uuid = proxy_dsm.run(**rule_args(certificate="anki.nas.test"))["rule"]["UUID"]
    first = proxy_dsm.run(description="Anki sync server", state="absent")
    assert first["changed"] and first["operation"] == "delete" and first["rule"] == {}
    assert not first.get("warnings"), first["warnings"]
    assert proxy_dsm.rules() == []
    # The unbind fell back to the default certificate, where DSM keeps listing the deleted rule.
    assert bound_certificates(proxy_dsm) == {uuid: ["(default)"]}
    proxy_dsm.reset_counters()
    second = proxy_dsm.run(description="Anki sync server", state="absent")
    assert not second.failed and not second["changed"], second
    assert proxy_dsm.writes() == {}


def test_delete_goes_on_when_the_unbind_fails(proxy_dsm):
    proxy_dsm.run(**rule_args(certificate="anki.nas.test"))
    proxy_dsm.reset_counters()
    # An HTML page instead of the answer, before DSM acted: the list shows the unbind did not land, so it is sent once
    # more, and answered so again.
    proxy_dsm.faults(html_error_page={"count": 2, "api": "SYNO.Core.Certificate.Service"})
    result = proxy_dsm.run(description="Anki sync server", state="absent")
    assert not result.failed and result["changed"], result.get("msg")
    assert "unbinding the certificate 'Anki' from the rule failed" in str(result["warnings"])
    assert proxy_dsm.rules() == [] and proxy_dsm.writes() == {f"{RP}.delete": 1}  # a fault's answer counts no write
    assert proxy_dsm.state()["faults"] == {}  # both answers were taken: the unbind was sent twice


def test_lost_create_answer_makes_no_duplicate(proxy_dsm):
    proxy_dsm.faults(next_create_504_html={"count": 1, "api": RP})
    result = proxy_dsm.run(**rule_args())
    assert not result.failed, result.get("msg")
    assert result["changed"] and result["rule"]["UUID"] == only_rule(proxy_dsm)["UUID"]
    assert proxy_dsm.writes() == {f"{RP}.create": 1}  # confirmed by a re-list, never sent twice
    proxy_dsm.reset_counters()
    rerun = proxy_dsm.run(**rule_args())
    assert not rerun["changed"] and proxy_dsm.writes() == {}
    assert len(proxy_dsm.rules()) == 1


def test_session_expiry_mid_play(proxy_dsm):
    session = run_module("dsm_session", proxy_dsm.connection())["session"]
    first = proxy_dsm.run(dsm_session=session, **rule_args())
    assert first["changed"]
    proxy_dsm.faults(expire_sessions=True)
    logins = proxy_dsm.counters()["logins_succeeded"]
    second = proxy_dsm.run(dsm_session=session, **rule_args(destination_port=27702))
    assert not second.failed, second.get("msg")
    assert second["changed"] and only_rule(proxy_dsm)["backend"]["port"] == 27702
    assert proxy_dsm.counters()["logins_succeeded"] == logins + 1  # exactly one fresh login
    assert len(proxy_dsm.rules()) == 1


def test_certificate_bind_rerun_rebind_and_absent(make_proxy_dsm):
    # DSM restarts its web server after each certificate change. The drop outlasts the client's own read retries
    # (0.5 s + 1 s), so the module's settle loop has to ride it out.
    proxy_dsm = make_proxy_dsm(nginx=True, behaviours={"httpd_restart_seconds": 2})
    created = proxy_dsm.run(**rule_args(certificate="anki.nas.test"))
    assert not created.failed, created.get("msg")
    uuid = created["rule"]["UUID"]
    assert created["certificate"]["desc"] == "Anki"
    # DSM listed the new rule under its default certificate; that entry moved (with its parent's id), not doubled.
    assert bound_certificates(proxy_dsm) == {uuid: ["Anki"]}
    assert proxy_dsm.writes() == {f"{RP}.create": 1, BIND: 1}
    assert served_common_name(proxy_dsm) == FQDN
    assert proxy_dsm.counters()["dropped_connections"] > 0

    proxy_dsm.reset_counters()
    same = proxy_dsm.run(**rule_args(certificate="Anki"))  # the same certificate, by description: no call
    assert not same["changed"] and proxy_dsm.writes() == {}

    rebound = proxy_dsm.run(**rule_args(certificate="*.nas.test"))
    assert rebound["changed"] and rebound["changed_keys"] == ["certificate"]
    assert rebound["certificate"]["common_name"] == "*.nas.test"
    assert bound_certificates(proxy_dsm) == {uuid: ["nas.test wildcard"]}
    assert proxy_dsm.writes() == {BIND: 1}  # the rule itself was not rewritten
    assert served_common_name(proxy_dsm) == "*.nas.test"

    proxy_dsm.reset_counters()
    removed = proxy_dsm.run(description="Anki sync server", state="absent")
    assert removed["changed"] and not removed.get("warnings"), removed.get("msg")
    assert proxy_dsm.rules() == [] and bound_certificates(proxy_dsm) == {uuid: ["(default)"]}
    assert proxy_dsm.writes() == {BIND: 1, f"{RP}.delete": 1}
    assert proxy_dsm.counters()["dropped_connections"] > 0


def test_a_rule_listed_twice_is_reported_and_fixed(proxy_dsm_with_nginx):
    proxy_dsm = proxy_dsm_with_nginx
    uuid = proxy_dsm.run(**rule_args())["rule"]["UUID"]
    anki = next(cert["id"] for cert in proxy_dsm.state()["state"]["certificates"] if cert["desc"] == "Anki")
    # What binding a listed rule with old_id "" does on DSM (the module did so before): a second entry.
    client = DSMClient(**proxy_dsm.client_options())
    descriptor = dict(proxy_dsm.state()["state"]["certificates"][0]["services"][-1])
    settings = [{"service": descriptor, "old_id": "", "id": anki}]
    # DSM restarts its web server after it and the answer is lost: the state below tells that it landed.
    client.call(BIND.rpartition(".")[0], "set", {"settings": settings}, write=True, confirm=lambda: True)
    client.close()
    assert bound_certificates(proxy_dsm) == {uuid: ["(default)", "Anki"]}
    assert served_common_name(proxy_dsm, verify=False) == "synology"  # DSM serves one of them, not the one meant

    proxy_dsm.reset_counters()
    fixed = proxy_dsm.run(**rule_args(certificate="Anki"))
    assert fixed["changed"] and fixed["changed_keys"] == ["certificate"]
    assert "under 2 certificates ('synology', 'Anki')" in str(fixed["warnings"])
    assert bound_certificates(proxy_dsm) == {uuid: ["Anki"]}
    assert served_common_name(proxy_dsm) == FQDN
    proxy_dsm.reset_counters()
    assert not proxy_dsm.run(**rule_args(certificate="Anki"))["changed"] and proxy_dsm.writes() == {}


def test_certificate_matched_by_wildcard_and_unknown_lists_the_choices(proxy_dsm):
    covered = proxy_dsm.run(**rule_args(source_host="sync.nas.test", certificate="sync.nas.test"))
    assert covered["certificate"]["common_name"] == "*.nas.test"

    proxy_dsm.reset_counters()
    missing = proxy_dsm.run(**rule_args(description="Other", source_host="x.example.org", certificate="x.example.org"))
    assert missing.failed
    assert "x.example.org" in missing["msg"]
    for name in ("*.nas.test", "anki.nas.test", "synology"):
        assert name in missing["msg"]
    assert proxy_dsm.writes() == {} and len(proxy_dsm.rules()) == 1


def test_certificate_by_common_name_when_dsm_lists_no_sans(proxy_dsm):
    proxy_dsm.sim.certificate_list_san = False  # DSM 7.2/7.3 may list the CN only
    result = proxy_dsm.run(**rule_args(certificate="anki.nas.test"))
    assert result["certificate"]["desc"] == "Anki"


def test_dsm6_no_op_binding_is_never_sent(make_proxy_dsm):
    proxy_dsm = make_proxy_dsm(personality="dsm6")
    proxy_dsm.run(**rule_args(certificate="anki.nas.test"))
    proxy_dsm.reset_counters()
    rerun = proxy_dsm.run(**rule_args(certificate="anki.nas.test"))
    assert not rerun["changed"] and proxy_dsm.writes() == {}
    assert list(bound_certificates(proxy_dsm).values()) == [["Anki"]]


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"destination_port": 70000}, "destination_port must be a port from 1 to 65535"),
        ({"source_port": 0}, "source_port must be a port from 1 to 65535"),
        ({"custom_headers": [{"name": "Bad Header", "value": "x"}]}, "header name 'Bad Header' is invalid"),
        ({"custom_headers": [{"name": "Upgrade", "value": "x"}]}, "websocket=true already sets it"),
        ({"source_host": ""}, "source_host must not be empty"),
        ({"destination_host": "bad_host!"}, "destination_host 'bad_host!' is not a valid host name"),
        ({"proxy_read_timeout": 0}, "proxy_read_timeout must be from 1 to 86400"),
        ({"source_protocol": "http", "certificate": "Anki"}, "certificate needs source_protocol=https"),
    ],
)
def test_bad_input_fails_before_any_call(proxy_dsm, overrides, words):
    result = proxy_dsm.run(**rule_args(**overrides))
    assert result.failed and words in result["msg"], result.get("msg")
    counters = proxy_dsm.counters()
    assert counters["logins_attempted"] == 0 and counters["reads"] == {} and counters["writes"] == {}


def test_the_rule_serving_the_frontend_is_adopted_renamed_and_shown_first_in_check_mode(proxy_dsm):
    by_hand = proxy_dsm.run(**rule_args(description="Anki sync (by hand)", hsts=False, websocket=False))
    uuid = by_hand["rule"]["UUID"]
    proxy_dsm.reset_counters()

    predicted = proxy_dsm.run(
        check=True, diff=True, **rule_args(description="Anki Sync Server", destination_port=27702)
    )
    assert predicted["changed"] and predicted["operation"] == "update", predicted
    assert predicted["adopted"] == {"description": "Anki sync (by hand)", "UUID": uuid}
    assert {"description", "hsts", "custom_headers", "destination_port"} <= set(predicted["changed_keys"])
    assert predicted["diff"]["before"]["description"] == "Anki sync (by hand)"
    assert predicted["diff"]["after"]["description"] == "Anki Sync Server"
    assert "adopted the reverse-proxy rule 'Anki sync (by hand)'" in str(predicted["warnings"])
    assert proxy_dsm.writes() == {} and only_rule(proxy_dsm)["description"] == "Anki sync (by hand)"

    adopted = proxy_dsm.run(**rule_args(description="Anki Sync Server", destination_port=27702))
    assert adopted["changed"] and adopted["adopted"]["UUID"] == uuid, adopted
    rule = only_rule(proxy_dsm)
    assert (rule["UUID"], rule["description"], rule["backend"]["port"]) == (uuid, "Anki Sync Server", 27702)
    assert rule["frontend"]["https"]["hsts"] is True

    again = proxy_dsm.run(**rule_args(description="Anki Sync Server", destination_port=27702))
    assert not again["changed"] and "adopted" not in again, again


def test_duplicate_descriptions_are_not_guessed(proxy_dsm):
    proxy_dsm.run(**rule_args())
    proxy_dsm.run(**rule_args(description="Twin", source_host="twin.nas.test"))
    with proxy_dsm.sim.lock:
        for record in proxy_dsm.sim.state.data["reverse_proxy"].values():
            record["entry"]["description"] = "Anki sync server"
    result = proxy_dsm.run(**rule_args())
    assert result.failed and "2 reverse-proxy rules are named 'Anki sync server'" in result["msg"]


def test_http2_is_no_rule_setting(proxy_dsm):
    created = proxy_dsm.run(**rule_args())
    assert "http2" not in only_rule(proxy_dsm)["frontend"]["https"] and not created.get("warnings")
    proxy_dsm.reset_counters()
    # Set explicitly, DSM 6.2's per-rule key is sent only with another change, and DSM 7 does not list it back.
    again = proxy_dsm.run(**rule_args(http2=False))
    assert not again["changed"] and proxy_dsm.writes() == {} and not again.get("warnings")


def test_dsm_refusal_names_the_api_and_code(proxy_dsm_with_nginx):
    # nginx refuses an unknown variable; the simulated DSM answers 100 and keeps its old rules, as DSM would.
    result = proxy_dsm_with_nginx.run(**rule_args(custom_headers=[{"name": "X-Bad", "value": "$no_such_variable"}]))
    assert result.failed
    assert "SYNO.Core.AppPortal.ReverseProxy create failed: DSM error 100" in result["msg"]
    assert proxy_dsm_with_nginx.rules() == []
    # ... and the 100 came from nginx refusing that variable, not from any other failure of the render
    refusal = proxy_dsm_with_nginx.sim.nginx_error
    assert (
        refusal.startswith("nginx -t refused the configuration:") and 'unknown "no_such_variable" variable' in refusal
    )
