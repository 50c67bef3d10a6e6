"""ankinas.synology.portainer_stack against the simulated Portainer, which deploys on the real Docker Engine."""

import pytest
from harness.containers import run_container

pytestmark = pytest.mark.docker

MODULE = "portainer_stack"
MASK = "********"
# Values no other output could contain, so finding one in the output is a leak.
SECRET = "s3cret-value-7f3a91"
OTHER_SECRET = "s3cret-value-c4e802"


def compose(label="one"):
    return (
        "services:\n"
        "  app:\n"
        "    image: ankinas/debian:bookworm\n"
        "    command: sleep infinity\n"
        "    init: true\n"  # stops at once on `down`
        "    labels:\n"
        f"      org.ankinas.test: {label}\n"
        "    environment:\n"
        "      GREETING: ${GREETING}\n"
        "    env_file: stack.env\n"
    )


def project_containers(docker_client, name, all=False):
    return docker_client.containers.list(all=all, filters={"label": f"com.docker.compose.project={name}"})


def container_env(container):
    container.reload()
    return dict(item.split("=", 1) for item in container.attrs["Config"]["Env"])


@pytest.fixture
def present(connection, stack_name):
    """Module arguments of a stack with one secret env value."""
    return dict(connection, name=stack_name, compose=compose(), env={"GREETING": SECRET})


def writes(portainer_sim):
    return portainer_sim.counters()["writes"]


def test_create_runs_the_containers_and_a_rerun_writes_nothing(
    portainer_sim, run_module, present, stack_name, docker_client
):
    result = run_module(MODULE, present)

    assert result["changed"] is True, result
    assert result["operation"] == "create"
    stack = result["stack"]
    assert stack["name"] == stack_name
    assert stack["endpoint"] == "local"
    assert stack["status"] == 1
    assert stack["compose"] == compose()
    assert stack["env"] == {"GREETING": MASK}
    assert SECRET not in result.stdout
    assert portainer_sim.counters()["calls"]["POST /api/stacks/create/standalone/string"] == 1

    containers = project_containers(docker_client, stack_name)
    assert [c.status for c in containers] == ["running"]
    env = container_env(containers[0])
    assert env["GREETING"] == SECRET  # through ${GREETING} and through env_file: stack.env

    portainer_sim.reset()
    again = run_module(MODULE, present, diff=True)
    assert again["changed"] is False, again
    assert "operation" not in again
    assert again["stack"]["id"] == stack["id"]
    assert again["diff"]["before"] == again["diff"]["after"]
    counters = portainer_sim.counters()
    assert counters["writes"] == 0
    assert counters["auth_attempts"] == 0  # API key: no login
    assert SECRET not in again.stdout


def test_update_on_compose_change(portainer_sim, run_module, present, stack_name, docker_client):
    run_module(MODULE, present)
    portainer_sim.reset()

    result = run_module(MODULE, dict(present, compose=compose(label="two")), diff=True)

    assert result["changed"] is True, result
    assert result["operation"] == "update"
    assert result["changed_keys"] == ["compose"]
    assert "changed_env" not in result
    assert result["diff"]["before"]["compose"] == compose()
    assert result["diff"]["after"]["compose"] == compose(label="two")
    assert portainer_sim.counters()["calls"]["PUT /api/stacks/<int:stack_id>"] == 1
    containers = project_containers(docker_client, stack_name)
    assert [c.labels["org.ankinas.test"] for c in containers] == ["two"]

    portainer_sim.reset()
    again = run_module(MODULE, dict(present, compose=compose(label="two")))
    assert again["changed"] is False
    assert writes(portainer_sim) == 0


def test_update_on_env_change_reaches_the_container_and_stays_masked(
    portainer_sim, run_module, present, stack_name, docker_client
):
    run_module(MODULE, present)
    portainer_sim.reset()
    changed_env = {"GREETING": OTHER_SECRET, "EXTRA": "added-value-5d1e"}

    result = run_module(MODULE, dict(present, env=changed_env), diff=True)

    assert result["changed"] is True, result
    assert result["operation"] == "update"
    assert result["changed_keys"] == ["env"]
    assert result["changed_env"] == ["EXTRA", "GREETING"]
    assert result["diff"]["before"]["env"] == {"GREETING": MASK}
    assert result["diff"]["after"]["env"] == {"EXTRA": MASK, "GREETING": MASK}
    for secret in (SECRET, OTHER_SECRET, "added-value-5d1e"):
        assert secret not in result.stdout
    assert writes(portainer_sim) == 1
    env = container_env(project_containers(docker_client, stack_name)[0])
    assert env["GREETING"] == OTHER_SECRET
    assert env["EXTRA"] == "added-value-5d1e"  # from env_file: stack.env


def test_check_mode_predicts_without_writing(portainer_sim, run_module, present, stack_name, docker_client):
    created = run_module(MODULE, present, check=True, diff=True)
    assert created["changed"] is True
    assert created["operation"] == "create"
    assert created["stack"]["id"] is None
    assert created["diff"]["after"]["env"] == {"GREETING": MASK}
    assert writes(portainer_sim) == 0
    assert portainer_sim.stack_named(stack_name) is None
    assert project_containers(docker_client, stack_name, all=True) == []

    run_module(MODULE, present)
    portainer_sim.reset()
    updated = run_module(MODULE, dict(present, env={"GREETING": OTHER_SECRET}), check=True)
    assert updated["changed"] is True
    assert updated["operation"] == "update"
    assert updated["changed_keys"] == ["env"]
    assert OTHER_SECRET not in updated.stdout
    deleted = run_module(MODULE, dict(present, state="absent"), check=True)
    assert deleted["changed"] is True
    assert deleted["operation"] == "delete"
    assert deleted["stack"] == {}
    assert writes(portainer_sim) == 0
    assert container_env(project_containers(docker_client, stack_name)[0])["GREETING"] == SECRET


def test_absent_twice(portainer_sim, run_module, present, stack_name, docker_client):
    run_module(MODULE, present)
    assert len(project_containers(docker_client, stack_name)) == 1
    absent = {k: v for k, v in present.items() if k not in ("compose", "env")}
    absent["state"] = "absent"

    first = run_module(MODULE, absent)
    assert first["changed"] is True, first
    assert first["operation"] == "delete"
    assert first["stack"] == {}
    assert portainer_sim.stack_named(stack_name) is None
    assert project_containers(docker_client, stack_name, all=True) == []  # stopped and removed

    portainer_sim.reset()
    second = run_module(MODULE, absent)
    assert second["changed"] is False, second
    assert writes(portainer_sim) == 0


def test_password_login_authenticates_once(portainer_sim, run_module, present):
    args = {k: v for k, v in present.items() if k != "portainer_api_key"}
    args.update(portainer_username="admin", portainer_password=portainer_sim.admin_password)

    result = run_module(MODULE, args)

    assert result["changed"] is True, result
    assert portainer_sim.counters()["auth_attempts"] == 1


def test_wrong_credentials_make_one_auth_attempt_and_a_clear_message(portainer_sim, run_module, present, stack_name):
    args = {k: v for k, v in present.items() if k != "portainer_api_key"}
    args.update(portainer_username="admin", portainer_password="not-the-password")

    result = run_module(MODULE, args)

    assert result.get("failed") is True
    assert "refused the credentials of user 'admin'" in result["msg"]
    assert "HTTP 422" in result["msg"]
    assert "not-the-password" not in result.stdout
    counters = portainer_sim.counters()
    assert counters["auth_attempts"] == 1
    assert counters["writes"] == 0
    assert portainer_sim.stack_named(stack_name) is None


def test_rate_limited_login_says_so(portainer_sim, run_module, present):
    portainer_sim.configure(auth_limit=0, auth_window=60)
    args = {k: v for k, v in present.items() if k != "portainer_api_key"}
    args.update(portainer_username="admin", portainer_password=portainer_sim.admin_password)

    result = run_module(MODULE, args)

    assert result.get("failed") is True
    assert "HTTP 403: Access denied" in result["msg"]
    assert "rate limiter" in result["msg"]
    assert portainer_sim.counters()["auth_attempts"] == 1


def test_wrong_api_key_is_a_clear_error(portainer_sim, run_module, present):
    result = run_module(MODULE, dict(present, portainer_api_key="ptr_wrong-key-93b1"))

    assert result.get("failed") is True
    assert "HTTP 401" in result["msg"]
    assert "Check portainer_api_key" in result["msg"]
    assert "ptr_wrong-key-93b1" not in result.stdout


def test_connection_from_environment_variables(portainer_sim, run_module, stack_name):
    environ = {
        "PORTAINER_URL": portainer_sim.url,
        "PORTAINER_API_KEY": portainer_sim.api_key,
        "PORTAINER_CA_PATH": portainer_sim.ca_path,
    }

    result = run_module(MODULE, {"name": stack_name, "compose": compose()}, check=True, environ=environ)

    assert result["changed"] is True, result
    assert portainer_sim.api_key not in result.stdout


def test_conflict_with_a_compose_project_portainer_does_not_manage(
    portainer_sim, run_module, present, stack_name, docker_client
):
    # A container of a compose project started outside Portainer holds the name.
    run_container(
        docker_client,
        "ankinas/debian:bookworm",
        "sleep infinity",
        init=True,
        detach=True,
        name=f"{stack_name}-foreign",
        labels={"com.docker.compose.project": stack_name},
    )

    result = run_module(MODULE, present)

    assert result.get("failed") is True
    assert "HTTP 409" in result["msg"]
    assert "already exists" in result["msg"]
    assert f"com.docker.compose.project={stack_name}" in result["msg"]
    assert "Portainer does not manage" in result["msg"]
    assert SECRET not in result.stdout
    assert portainer_sim.stack_named(stack_name) is None


def test_old_portainer_uses_the_old_routes(portainer_sim, run_module, present, stack_name, docker_client):
    portainer_sim.configure(version="2.16.2")  # before /api/system/status (2.17) and the new create route (2.19)

    result = run_module(MODULE, present)

    assert result["changed"] is True, result
    calls = [entry["call"] for entry in portainer_sim.counters()["log"]]
    version_calls = [c for c in calls if c in ("GET /api/system/status", "GET /api/status")]
    assert version_calls == ["GET /api/system/status", "GET /api/status"]
    assert "POST /api/stacks" in calls
    assert "POST /api/stacks/create/standalone/string" not in calls
    assert [c.status for c in project_containers(docker_client, stack_name)] == ["running"]


@pytest.mark.parametrize("missing_route_status", [404, 405])
def test_new_create_route_answering_404_or_405_falls_back(
    portainer_sim, run_module, present, stack_name, missing_route_status
):
    # A Portainer (or a proxy in front of it) that claims 2.19+ and yet lacks the new route.
    portainer_sim.fault("POST", "/api/stacks/create/standalone/string", missing_route_status)

    result = run_module(MODULE, present)

    assert result["changed"] is True, result
    log = [(entry["call"], entry["status"]) for entry in portainer_sim.counters()["log"]]
    assert ("POST /api/stacks/create/standalone/string", missing_route_status) in log
    assert ("POST /api/stacks", 200) in log
    assert portainer_sim.stack_named(stack_name) is not None


def test_reads_are_retried_on_503(portainer_sim, run_module, present):
    portainer_sim.fault("GET", "/api/stacks", 503, times=2)

    result = run_module(MODULE, present)

    assert result["changed"] is True, result
    assert portainer_sim.counters()["calls"]["GET /api/stacks"] >= 3


def test_writes_are_not_retried(portainer_sim, run_module, present, stack_name):
    portainer_sim.fault("POST", "/api/stacks/create/standalone/string", 503)

    result = run_module(MODULE, present)

    assert result.get("failed") is True
    assert "POST /api/stacks/create/standalone/string failed with HTTP 503" in result["msg"]
    assert "re-run the task" in result["msg"]
    assert portainer_sim.counters()["calls"]["POST /api/stacks/create/standalone/string"] == 1
    assert portainer_sim.stack_named(stack_name) is None


def test_wait_for_a_healthcheck(portainer_sim, run_module, connection, stack_name, docker_client):
    healthy = (
        "services:\n"
        "  web:\n"
        "    image: ankinas/debian:bookworm\n"
        "    command: python3 -m http.server 8000\n"
        "    init: true\n"
        "    healthcheck:\n"
        "      test: [CMD, python3, -c, \"import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/')\"]\n"
        "      interval: 1s\n"
        "      retries: 30\n"
    )

    result = run_module(MODULE, dict(connection, name=stack_name, compose=healthy))

    assert result["changed"] is True, result
    container = project_containers(docker_client, stack_name)[0]
    container.reload()
    assert container.attrs["State"]["Health"]["Status"] == "healthy"


def test_a_container_that_exits_fails_the_wait(portainer_sim, run_module, connection, stack_name):
    exits = "services:\n  job:\n    image: ankinas/debian:bookworm\n    command: sh -c 'exit 3'\n"

    result = run_module(MODULE, dict(connection, name=stack_name, compose=exits, wait_timeout=60))

    assert result.get("failed") is True
    assert "is not up" in result["msg"]
    assert "exited (exit code 3)" in result["msg"]


def test_endpoint_by_name_or_id_and_ambiguity(portainer_sim, run_module, present, stack_name):
    local = portainer_sim.api("GET", "/api/endpoints").json()[0]
    extra = portainer_sim.control("POST", "endpoints", {"Name": "second-local", "URL": "unix:///var/run/other.sock"})
    try:
        ambiguous = run_module(MODULE, present)
        assert ambiguous.get("failed") is True
        assert "several local Docker environments" in ambiguous["msg"]
        assert "set the option endpoint" in ambiguous["msg"]

        by_id = run_module(MODULE, dict(present, endpoint=str(local["Id"])), check=True)
        assert by_id["changed"] is True
        assert by_id["stack"]["endpoint"] == "local"
        unknown = run_module(MODULE, dict(present, endpoint="nowhere"))
        assert "no environment named or numbered 'nowhere'" in unknown["msg"]
    finally:
        portainer_sim.control("DELETE", f"endpoints/{extra['Id']}")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"env": {"FLAG": True}}, "env value of FLAG must be a string or a number"),
        ({"compose": ""}, "compose is required"),
        ({"name": "!!!"}, "normalise it to nothing"),
        ({"portainer_url": "nas.local:9443"}, "portainer_url must start with https://"),
    ],
)
def test_input_is_validated_before_any_call(portainer_sim, run_module, present, changes, message):
    result = run_module(MODULE, dict(present, **changes))

    assert result.get("failed") is True
    assert message in result["msg"]
    assert portainer_sim.counters()["calls"] == {}


def test_a_failed_deploy_is_reported_and_leaves_no_stack(portainer_sim, run_module, connection, stack_name):
    broken = 'services:\n  app:\n    image: ankinas/debian:bookworm\n    ports: ["not-a-port"]\n'

    result = run_module(MODULE, dict(connection, name=stack_name, compose=broken))

    assert result.get("failed") is True
    assert "POST /api/stacks/create/standalone/string failed with HTTP 500" in result["msg"]
    assert "Portainer does not manage" not in result["msg"]
    assert "services.app.ports" in result["msg"]  # docker-compose's own words
    assert portainer_sim.stack_named(stack_name) is None
