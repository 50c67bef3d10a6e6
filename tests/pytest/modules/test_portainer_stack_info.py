"""ankinas.synology.portainer_stack_info against the simulated Portainer: a stack made through Portainer's own API
(not through portainer_stack), read back as it is, its environment masked unless asked for, nothing written."""

import pytest

pytestmark = pytest.mark.docker

MODULE = "portainer_stack_info"
MASK = "********"
SECRET = "s3cret-info-5d0c27"  # no other output could contain it
COMPOSE = (
    "services:\n"
    "  app:\n"
    "    image: ankinas/debian:bookworm\n"
    "    command: sleep infinity\n"
    "    init: true\n"
    "    environment:\n"
    "      GREETING: ${GREETING}\n"
)


@pytest.fixture
def made_by_hand(portainer_sim, stack_name):
    """A stack created with Portainer's API, as a user's script (or Portainer's UI) makes one; its id."""
    created = portainer_sim.api(
        "POST",
        "/api/stacks/create/standalone/string",
        params={"endpointId": 1},
        json={"Name": stack_name, "StackFileContent": COMPOSE, "Env": [{"name": "GREETING", "value": SECRET}]},
    )
    assert created.status_code == 200, created.text
    portainer_sim.reset()  # count this test's calls only
    return created.json()["Id"]


def test_reads_a_stack_as_portainer_stores_it_masked_and_writes_nothing(
    portainer_sim, run_module, connection, stack_name, made_by_hand
):
    # A mixed-case name finds the stack as Portainer normalises names.
    result = run_module(MODULE, dict(connection, name=stack_name.upper()))
    assert not result.failed, result.get("msg")
    assert result["changed"] is False and result["exists"] is True
    stack = result["stack"]
    assert (stack["id"], stack["name"], stack["endpoint"], stack["status"]) == (made_by_hand, stack_name, "local", 1)
    assert stack["compose"] == COMPOSE
    assert stack["env"] == {"GREETING": MASK}
    assert SECRET not in result.stdout + result.stderr

    revealed = run_module(MODULE, dict(connection, name=stack_name, reveal_env=True))
    assert revealed["stack"]["env"] == {"GREETING": SECRET}  # for a no_log task that reuses the values

    # Stopped through Portainer: read as stopped (status 2), as status.yml reports it.
    stopped = portainer_sim.api("POST", f"/api/stacks/{made_by_hand}/stop", params={"endpointId": 1})
    assert stopped.status_code == 200, stopped.text
    assert run_module(MODULE, dict(connection, name=stack_name))["stack"]["status"] == 2

    counters = portainer_sim.counters()
    assert counters["writes"] == 1  # the stop above, nothing of the module's


def test_a_missing_stack_is_reported_absent_and_an_unknown_environment_fails(portainer_sim, run_module, connection):
    missing = run_module(MODULE, dict(connection, name="no-such-stack"))
    assert not missing.failed, missing.get("msg")
    assert (missing["changed"], missing["exists"], missing["stack"]) == (False, False, {})

    unknown = run_module(MODULE, dict(connection, name="no-such-stack", endpoint="no-such-environment"))
    assert unknown.failed and "no-such-environment" in unknown["msg"], unknown.get("msg")
    assert portainer_sim.counters()["writes"] == 0


def test_a_certificate_not_trusted_fails_at_once_naming_the_ca_option(
    portainer_sim, run_module, connection, stack_name
):
    # Without portainer_ca_path the system's CAs do not know the simulator's test CA: retrying cannot help.
    untrusted = {key: value for key, value in connection.items() if key != "portainer_ca_path"}
    result = run_module(MODULE, dict(untrusted, name=stack_name))
    assert result.get("failed"), result
    assert "TLS failed" in result["msg"] and "CERTIFICATE_VERIFY_FAILED" in result["msg"], result["msg"]
    assert "portainer_ca_path" in result["msg"] and "cannot reach" not in result["msg"], result["msg"]
