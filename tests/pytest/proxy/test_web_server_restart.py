"""DSM restarts its web server after a certificate bind, a certificate import and the HTTP/2 switch: the write's own
answer is lost and DSM answers nothing for up to about a minute (okkes/munniv2, live DSM 7.3; batonogov's 90 s
settle). Each module reads the state back through a 20 s restart and ends converged, the write sent exactly once.

The three NASes restart side by side (one thread each), so the test costs one restart, not three.
"""

import concurrent.futures

from harness.runner import run_module
from proxy_helpers import rule_args

RESTART_SECONDS = 20
RP = "SYNO.Core.AppPortal.ReverseProxy"
BIND = "SYNO.Core.Certificate.Service.set"
IMPORT = "SYNO.Core.Certificate.import"
WEB_SET = "SYNO.Core.Web.DSM.set"
HOST = "anki.example.test"


def bind(nas):
    result = nas.run(**rule_args(certificate="anki.nas.test"))
    return result, {f"{RP}.create": 1, BIND: 1}, lambda: nas.run(**rule_args(certificate="anki.nas.test"))


def import_certificate(nas):
    cert, key = nas.ca.leaf("restart-import", HOST)
    args = {"source": "import", "common_name": HOST, "certificate": cert.read_text(), "private_key": key.read_text()}
    result = run_module("dsm_certificate", nas.connection(**args))
    return result, {IMPORT: 1}, lambda: run_module("dsm_certificate", nas.connection(**args))


def http2(nas):
    result = run_module("dsm_http2", nas.connection(enabled=True))
    return result, {WEB_SET: 1}, lambda: run_module("dsm_http2", nas.connection(enabled=True))


def test_a_lost_answer_during_a_20s_web_server_restart_ends_converged_with_one_write(make_proxy_dsm, tmp_path):
    steps = (bind, import_certificate, http2)
    nases = [
        make_proxy_dsm(
            http2=False,
            behaviours={"httpd_restart_seconds": RESTART_SECONDS},
            state_path=tmp_path / step.__name__ / "dsm-state.json",  # a NAS each
            volumes_root=tmp_path / step.__name__ / "volumes",
        )
        for step in steps
    ]
    with concurrent.futures.ThreadPoolExecutor(len(steps)) as pool:
        outcomes = list(pool.map(lambda step, nas: step(nas), steps, nases))

    for step, nas, (result, writes, rerun) in zip(steps, nases, outcomes, strict=True):
        assert not result.failed and result["changed"], (step.__name__, result.get("msg"))
        assert nas.writes() == writes, step.__name__  # never sent a second time
        counters = nas.counters()
        assert counters["lost_answers"] == 1 and counters["dropped_connections"] > 0, step.__name__
        nas.reset_counters()
        again = rerun()
        assert not again.failed and not again["changed"] and nas.writes() == {}, (step.__name__, again.get("msg"))

    state = [nas.state()["state"] for nas in nases]
    (rule,) = state[0]["reverse_proxy"].values()
    anki = next(cert for cert in state[0]["certificates"] if cert["desc"] == "Anki")
    assert [service["service"] for service in anki["services"]] == [rule["entry"]["UUID"]]
    assert [cert["desc"] for cert in state[1]["certificates"]].count(HOST) == 1
    assert state[2]["web_dsm"]["enable_spdy"] is True


def test_restart_timeout_is_checked_before_any_call(proxy_dsm):
    letsencrypt = {"common_name": HOST, "email": "a@b.c"}
    for module, args in (("dsm_http2", {"enabled": True}), ("dsm_certificate", letsencrypt)):
        result = run_module(module, proxy_dsm.connection(restart_timeout=0, **args))
        assert result.failed and result["msg"] == "restart_timeout must be a positive number of seconds"
    assert proxy_dsm.counters()["logins_attempted"] == 0
