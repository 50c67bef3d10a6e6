"""The filters anki_sync_deployed (each method's one read as one view) and anki_sync_encode (the rendered users in
each method's shape): what a method writes reads back as the same view, so a rerun renders the same environment."""

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.ankinas.synology.plugins.filter.anki_sync_deployed import anki_sync_deployed, anki_sync_encode
from ansible_collections.ankinas.synology.plugins.filter.anki_sync_env import (
    anki_sync_env,
    anki_sync_masked,
    anki_sync_users_diff,
)

ITERATIONS = 1000
SERVICE = "anki-sync-server"
DATA = "/volume1/docker/anki-server"
USERS = [{"name": "alice", "password": "correct horse"}, {"name": "bob", "password": "pa$$word ${x}"}]


def compose(environment):
    """The role's compose (templates/compose.yml.j2) with environment as the service's."""
    return {
        "services": {
            SERVICE: {
                "image": "jeankhawand/anki-sync-server:25.07",
                "container_name": SERVICE,
                "ports": ["127.0.0.1:27701:8080"],
                "volumes": [f"{DATA}:/anki_data"],
                "environment": dict({"PUID": "1000", "PGID": "1000"}, **environment),
            }
        }
    }


def docker_read(env):
    """What nas_container_info (name) returns for a container run with env, as docker inspect shows it."""
    return {
        "exists": True,
        "container": {
            "Name": f"/{SERVICE}",
            "Config": {"Image": "jeankhawand/anki-sync-server:25.07", "Env": [f"{k}={v}" for k, v in env.items()]},
            "HostConfig": {
                "PortBindings": {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "27701"}]},
                "Binds": [f"{DATA}:/anki_data"],
            },
            "Mounts": [{"Type": "bind", "Source": DATA, "Destination": "/anki_data"}],
            "State": {"Running": True},
        },
    }


def portainer_read(stack_env, hashed=True):
    """What portainer_stack_info (reveal_env) returns for a stack written with stack_env."""
    placeholders = {key: "${" + key + "}" for key in stack_env}
    in_compose = dict(placeholders, **({"PASSWORDS_HASHED": "1"} if hashed else {}))
    return {"exists": True, "stack": {"compose": yaml.safe_dump(compose(in_compose)), "env": stack_env}}


def project_read(environment, containers=1):
    """What dsm_container_project_info returns for a project written with environment in its content."""
    content = yaml.safe_dump(compose(environment))
    return {"exists": True, "project": {"content": content, "containers": [{}] * containers, "share_path": "/docker"}}


@pytest.fixture(scope="module")
def env():
    return anki_sync_env(USERS, iterations=ITERATIONS)


def written_and_read(env, method):
    encoded = anki_sync_encode(env, method)
    if method == "docker":
        return anki_sync_deployed(docker_read(encoded), "docker")
    if method == "portainer":
        return anki_sync_deployed(portainer_read(encoded), "portainer", service=SERVICE)
    return anki_sync_deployed(project_read(encoded), "container_manager", service=SERVICE)


@pytest.mark.parametrize("method", ["docker", "portainer", "container_manager"])
def test_what_a_method_writes_reads_back_as_one_view(env, method):
    view = written_and_read(env, method)
    assert view["exists"] and view["method"] == method and view["hashed"]
    assert list(view["users"]) == ["alice", "bob"]
    assert view["users"] == {
        value.split(":", 1)[0]: value.split(":", 1)[1]
        for k, v in env.items()
        if k != "PASSWORDS_HASHED"
        for value in [v]
    }
    assert (view["image"], view["port"], view["data_dir"]) == ("jeankhawand/anki-sync-server:25.07", "27701", DATA)


@pytest.mark.parametrize("method", ["docker", "portainer", "container_manager"])
def test_a_rerun_renders_the_same_environment_from_the_view(env, method):
    view = written_and_read(env, method)
    assert anki_sync_env(USERS, deployed=view, iterations=ITERATIONS) == env
    assert anki_sync_users_diff(env, view) == {"added": [], "removed": [], "new_password": []}


def test_the_users_diff_names_users_only(env):
    view = written_and_read(env, "portainer")
    changed = [{"name": "alice", "password": "new"}, {"name": "carol", "password": "c"}]
    wanted = anki_sync_env(changed, deployed=view, iterations=ITERATIONS)
    assert anki_sync_users_diff(wanted, view) == {"added": ["carol"], "removed": ["bob"], "new_password": ["alice"]}


def test_a_hash_moves_with_its_user_from_one_method_to_another(env):
    """A switch keeps the running server's hashes: the found container's view stands in for the new method's."""
    found = written_and_read(env, "container_manager")
    assert anki_sync_encode(anki_sync_env(USERS, deployed=found, iterations=ITERATIONS), "portainer") == (
        anki_sync_encode(env, "portainer")
    )


def test_each_method_encodes_its_own_shape(env):
    assert anki_sync_encode(env, "docker") == env
    portainer = anki_sync_encode(env, "portainer")
    assert "PASSWORDS_HASHED" not in portainer
    assert portainer["SYNC_USER1"] == f"'{env['SYNC_USER1']}'"
    project = anki_sync_encode(env, "container_manager")
    assert project["SYNC_USER1"] == env["SYNC_USER1"].replace("$", "$$") and "$$pbkdf2" in project["SYNC_USER1"]


def test_plain_passwords_keep_every_character_through_each_method():
    env = anki_sync_env(USERS, hashed=False)
    for method in ("docker", "container_manager"):
        assert written_and_read(env, method)["users"] == {"alice": "correct horse", "bob": "pa$$word ${x}"}
    # Portainer's stack.env cannot carry ${ literally to every compose version: refused, naming the entry.
    with pytest.raises(AnsibleFilterError, match=r"anki_sync_server_users\[1\]\.password of user 'bob' contains"):
        anki_sync_encode(env, "portainer")
    simple = anki_sync_env([{"name": "alice", "password": "a b$c"}], hashed=False)
    view = anki_sync_deployed(portainer_read(anki_sync_encode(simple, "portainer"), hashed=False), "portainer")
    assert view["users"] == {"alice": "a b$c"} and not view["hashed"]


@pytest.mark.parametrize(
    ("read", "method"),
    [
        ({"exists": False, "container": None}, "docker"),
        ({"skipped": True}, "docker"),
        ({"failed": True, "msg": "no Docker CLI"}, "docker"),
        ({"exists": False, "stack": {}}, "portainer"),
        ({"exists": False, "project": {}}, "container_manager"),
        (None, "container_manager"),
    ],
)
def test_a_missing_skipped_or_failed_read_is_nothing_deployed(read, method):
    view = anki_sync_deployed(read, method)
    assert not view["exists"] and view["users"] == {} and view["method"] == method


def test_the_view_tells_what_each_method_knows_of_its_containers(env):
    assert written_and_read(env, "docker")["running"] is True
    empty_project = anki_sync_deployed(
        project_read(anki_sync_encode(env, "container_manager"), containers=0), "container_manager"
    )
    assert empty_project["containers"] == 0 and empty_project["running"] is None


def test_long_compose_syntax_and_a_bare_inspect():
    long_syntax = {
        "services": {
            "other": {"image": "x"},
            SERVICE: {
                "image": "anki:1",
                "ports": [{"target": 8080, "published": "28000", "host_ip": "::1"}],
                "volumes": [{"type": "bind", "source": "/volume2/anki", "target": "/anki_data/"}],
                "environment": ["SYNC_USER1=alice:pw", "PASSWORDS_HASHED=0"],
            },
        }
    }
    read = {"exists": True, "project": {"content": yaml.safe_dump(long_syntax), "containers": []}}
    view = anki_sync_deployed(read, "container_manager", service=SERVICE)
    assert (view["image"], view["port"], view["data_dir"], view["users"]) == (
        "anki:1",
        "28000",
        "/volume2/anki",
        {"alice": "pw"},
    )
    bare = docker_read({"SYNC_USER2": "bob:b", "SYNC_USER10": "zed:z", "SYNC_USER1": "amy:a"})["container"]
    assert list(anki_sync_deployed(bare, "docker")["users"]) == ["amy", "bob", "zed"]  # by number, not as text


def test_bad_input_fails_with_a_reason_and_no_secret():
    with pytest.raises(AnsibleFilterError, match="method must be one of"):
        anki_sync_deployed({}, "podman")
    with pytest.raises(AnsibleFilterError, match="method must be one of"):
        anki_sync_encode({}, "podman")
    with pytest.raises(AnsibleFilterError, match="not YAML") as refused:
        anki_sync_deployed(
            {"exists": True, "project": {"content": "services: [SYNC_USER1=al:s3cret"}}, "container_manager"
        )
    assert "s3cret" not in str(refused.value)


def test_the_view_masks_its_own_secrets_in_a_message(env):
    view = written_and_read(env, "docker")
    credential = view["users"]["alice"]
    assert anki_sync_masked(f"failed: {credential}", [], view) == "failed: ********"
