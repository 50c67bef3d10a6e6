"""The simulated NAS renders its reverse-proxy rules into a real nginx: what clients see through it."""

import json

import pytest
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMAPIError, DSMClient
from harness.runner import run_module
from proxy_helpers import FQDN, curl, rule_args, served_common_name

pytestmark = pytest.mark.simulator


def test_rule_options_reach_the_wire(proxy_dsm_with_nginx, backend):
    proxy_dsm = proxy_dsm_with_nginx
    headers = [{"name": "X-Test", "value": 'quoted "value"'}, {"name": "X-Client", "value": "$remote_addr"}]
    assert not proxy_dsm.run(**rule_args(destination_port=backend, custom_headers=headers, certificate=FQDN)).failed
    status, answer, body = curl(proxy_dsm, "/echo", extra=["--http2"])
    assert status.startswith("HTTP/2 200"), (status, body)
    assert answer["strict-transport-security"] == "max-age=15768000"
    seen = json.loads(body)["headers"]
    assert seen["x-test"] == 'quoted "value"' and seen["x-client"] == "127.0.0.1"
    assert seen["x-forwarded-proto"] == "https" and seen["host"] == f"{FQDN}:{proxy_dsm.https_port}"
    # DSM's WebSocket preset passes an HTTP/1.1 upgrade request on.
    body = curl(proxy_dsm, "/echo", extra=["--http1.1", "-H", "Upgrade: websocket", "-H", "Connection: Upgrade"]).body
    seen = json.loads(body)["headers"]
    assert seen["upgrade"] == "websocket" and seen["connection"] == "upgrade"

    # Each change reloads nginx: HSTS and the WebSocket headers go away; HTTP/2 follows DSM's global switch only.
    assert proxy_dsm.run(
        **rule_args(destination_port=backend, hsts=False, http2=False, websocket=False, certificate=FQDN)
    )["changed"]
    assert curl(proxy_dsm, "/echo", extra=["--http2"]).status.startswith("HTTP/2 200")
    switched = run_module("dsm_http2", proxy_dsm.connection(enabled=False))
    assert switched["changed"] and switched["http2"] == {"enabled": False}, switched.get("msg")
    status, answer = curl(proxy_dsm, "/echo", extra=["--http2"])[:2]
    assert status.startswith("HTTP/1.1 200"), status
    assert "strict-transport-security" not in answer
    body = curl(proxy_dsm, "/echo", extra=["--http1.1", "-H", "Upgrade: websocket", "-H", "Connection: Upgrade"]).body
    assert "upgrade" not in json.loads(body)["headers"]


def test_large_sync_bodies_pass(proxy_dsm_with_nginx, backend, tmp_path):
    # A full Anki upload is one request with the whole collection: no client_max_body_size at the proxy.
    proxy_dsm_with_nginx.run(**rule_args(destination_port=backend, certificate=FQDN))
    payload = tmp_path / "collection.bin"
    payload.write_bytes(b"\0" * (24 << 20))
    reply = curl(proxy_dsm_with_nginx, "/sync/upload", extra=["--data-binary", f"@{payload}"])
    assert reply.status.startswith("HTTP/2 200"), (reply.status, reply.body[:200])
    assert json.loads(reply.body)["body"] == 24 << 20


def test_timeouts_are_applied(proxy_dsm_with_nginx, backend):
    proxy_dsm_with_nginx.run(**rule_args(destination_port=backend, proxy_read_timeout=1, certificate=FQDN))
    status = curl(proxy_dsm_with_nginx, "/slow").status
    assert status.startswith("HTTP/2 504"), status
    assert "proxy_read_timeout 1s;" in proxy_dsm_with_nginx.nginx.conf.read_text()


def test_frontend_port_is_remapped_and_unbound_rules_serve_the_default_certificate(proxy_dsm_with_nginx, backend):
    proxy_dsm = proxy_dsm_with_nginx
    proxy_dsm.run(**rule_args(destination_port=backend, source_host="plain.nas.test"))
    rule = proxy_dsm.rules()[0]
    assert rule["frontend"]["port"] == 443  # DSM keeps the rule's port; only the listener moves
    assert f"listen 127.0.0.1:{proxy_dsm.https_port} ssl" in proxy_dsm.nginx.conf.read_text()
    # DSM's default certificate does not name the host.
    refused = curl(proxy_dsm, "/", host="plain.nas.test")
    assert refused.status is None and "plain.nas.test" in refused.body
    assert served_common_name(proxy_dsm, "plain.nas.test", verify=False) == "synology"
    assert curl(proxy_dsm, "/", host="plain.nas.test", extra=["--insecure"]).status.startswith("HTTP/2 200")


def test_deleted_rule_is_gone_from_nginx(proxy_dsm_with_nginx, backend):
    proxy_dsm_with_nginx.run(**rule_args(destination_port=backend, certificate=FQDN))
    assert curl(proxy_dsm_with_nginx)[0].startswith("HTTP/2 200")
    proxy_dsm_with_nginx.run(description="Anki sync server", state="absent")
    assert FQDN not in proxy_dsm_with_nginx.nginx.conf.read_text()
    assert curl(proxy_dsm_with_nginx)[0] is None  # no server on the port any more


def test_web_dsm_set_takes_the_eight_fields_dsmctl_sends(proxy_dsm):
    client = DSMClient(**proxy_dsm.client_options())
    listed = client.call("SYNO.Core.Web.DSM", "get", version=1)
    assert "enable_https" not in client.call("SYNO.Core.Web.DSM", "get", version=2)  # v2 leaves it out
    with pytest.raises(DSMAPIError) as refused:
        client.call("SYNO.Core.Web.DSM", "set", {"enable_spdy": False}, version=1, write=True)
    assert refused.value.code == 114
    fields = ("http_port", "https_port", "enable_https", "enable_https_redirect", "enable_hsts", "enable_custom_domain")
    params = dict({key: listed[key] for key in fields}, fqdn="", enable_spdy=False)

    # DSM restarts its web server after the change and its answer is lost: a re-read tells that it landed.
    def landed():
        return client.call("SYNO.Core.Web.DSM", "get", version=1)["enable_spdy"] is False

    client.call("SYNO.Core.Web.DSM", "set", params, version=1, write=True, confirm=landed)
    client.close()
    assert proxy_dsm.state()["state"]["web_dsm"]["enable_spdy"] is False
