"""dsm_container_project against the simulated Container Manager, deploying for real on the Docker Engine.

The simulated DSM behaves as clients that ran on real DSM saw Container Manager (simnas.dsm.apis.docker_project's
real-DSM behaviours, scaled to seconds by the fixtures): build is `compose up` and pulls inside the request, DSM
drops the connection of a long action and finishes it, build and stop answer 1202 after the work, list carries
no content, a project with an exited one-shot container is WARNING.
"""

import uuid

import pytest
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_client import DSMAPIError, DSMClient
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_container_project import ERRORS, ProjectClient
from harness.runner import run_module
from modules_helpers import IMAGE
from modules_helpers import compose as shared_compose
from simnas.dsm.apis.docker_project import wait_for_jobs
from simnas.server import free_port

pytestmark = pytest.mark.docker
SECRET = "alice:not-a-real-hash-" + uuid.uuid4().hex[:6]
BUILD = "SYNO.Docker.Project.build"


def compose(name, port, secret=SECRET, image=IMAGE):
    return shared_compose(name, port, secret, image)


def with_one_shot(name, port):
    """The server and a one-shot container that exits at once (compose starts it first)."""
    waits = f"    depends_on:\n      - {name}-once\n"
    return compose(name, port) + waits + f'  {name}-once:\n    image: {IMAGE}\n    entrypoint: ["true"]\n'


@pytest.fixture
def new_project(docker_client, anki_server_images):
    """new_project(dsm) -> a project name on that NAS (its shared folder made); removes what the test started."""
    made = []

    def make(dsm):
        name = f"ankinas-test-{uuid.uuid4().hex[:8]}"
        assert not run_module("dsm_shared_folder", dsm.connection(name="docker")).failed
        dsm.reset_counters()
        made.append((dsm, name))
        return name

    yield make
    for dsm, name in made:
        # A build whose answer was dropped goes on after the module gave up: its containers come after it ends.
        assert wait_for_jobs(dsm.sim), "the simulated DSM still works on an action of the test's project"
        for container in docker_client.containers.list(
            all=True, filters={"label": f"com.docker.compose.project={name}"}
        ):
            container.remove(force=True, v=True)
        for network in docker_client.networks.list(names=[f"{name}_default"]):
            network.remove()


@pytest.fixture
def project(dsm, new_project):
    return new_project(dsm)


def converge(dsm, name, check=False, **args):
    args = dict({"name": name, "share_path": f"/docker/{name}", "secret_env": ["SYNC_USER1"]}, **args)
    return run_module("dsm_container_project", dsm.connection(**args), check=check, diff=True)


def project_writes(dsm):
    return {name: count for name, count in dsm.counters()["writes"].items() if name.startswith("SYNO.Docker.")}


def assert_converged_rerun(dsm, name, content, **args):
    """A second run with the same input: nothing to change, not one DSM write."""
    dsm.reset_counters()
    again = converge(dsm, name, content=content, **args)
    assert not again.failed, again.get("msg")
    assert again["changed"] is False and dsm.counters()["writes"] == {}


def test_project_lifecycle(dsm, project, docker_client):
    name, port = project, free_port()
    content = compose(name, port)
    checked = converge(dsm, name, check=True, content=content)
    assert checked["changed"] and checked["operation"] == "create" and dsm.counters()["writes"] == {}

    created = converge(dsm, name, content=content)
    assert not created.failed, created.get("msg")
    assert created["project"]["status"] == "RUNNING" and len(created["project"]["containers"]) == 1
    assert SECRET not in created.stdout + created.stderr
    assert "SYNC_USER1: ********" in created["diff"]["after"]["content"]
    # The fixtures' DSM drops the answer of a build that pulls (as a real one does after a long pull): one build,
    # settled by reading the status; DSM's build started the container, so no start was sent.
    assert project_writes(dsm) == {"SYNO.Docker.Project.create": 1, BUILD: 1}
    assert dsm.counters()["dropped_connections"] == 1
    container = docker_client.containers.get(name)
    assert container.status == "running"
    mounts = {mount["Destination"]: mount["Source"] for mount in container.attrs["Mounts"]}
    assert mounts["/anki_data"] == str(dsm.home / "volumes" / "volume1" / "docker" / f"{name}-data")
    assert (dsm.home / "volumes" / "volume1" / "docker" / name / "compose.yaml").read_text() == content

    # list carries no content: the module reads it with get, so the rerun changes nothing.
    assert_converged_rerun(dsm, name, content)
    assert dsm.counters()["reads"].get("SYNO.Docker.Project.get", 0) >= 1

    changed = compose(name, port, secret="alice:another")
    dsm.reset_counters()
    updated = converge(dsm, name, content=changed)
    assert not updated.failed, updated.get("msg")
    assert updated["operation"] == "update" and updated["changed_keys"] == ["content"]
    assert "SYNC_USER1=alice:another" in docker_client.containers.get(name).attrs["Config"]["Env"]
    # stop and build answered 1202 after the work (or lost their answer, when slower than the fixtures' 2 s): each
    # sent once, settled by reading.
    assert project_writes(dsm) == {"SYNO.Docker.Project.stop": 1, "SYNO.Docker.Project.update": 1, BUILD: 1}
    counters = dsm.counters()
    assert counters["errors"].get("1202", 0) + counters["dropped_connections"] == 2
    assert_converged_rerun(dsm, name, changed)

    # An older Container Manager without the direct actions: the *_stream variants answer plain text.
    dsm.sim.project_direct_actions = False
    stopped = converge(dsm, name, content=changed, state="stopped")
    assert not stopped.failed, stopped.get("msg")
    assert stopped["project"]["status"] == "STOPPED"
    assert "SYNO.Docker.Project.stop_stream" in dsm.counters()["writes"]

    deleted = converge(dsm, name, state="absent")
    assert deleted["changed"] and deleted["project"] == {}
    assert docker_client.containers.list(all=True, filters={"name": name}) == []
    assert (dsm.home / "volumes" / "volume1" / "docker" / name / "compose.yaml").exists()  # the folder is kept


def warnings_of(result):
    """The module's warnings as text (ansible-core 2.19+ returns each as a structured event)."""
    return [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]


def one_of_each(dsm):
    writes = dsm.counters()["writes"]
    assert writes.get(BUILD) == 1, writes
    assert all(count == 1 for count in writes.values()), f"a write was sent again: {writes}"
    assert "SYNO.Docker.Project.start" not in writes  # DSM's build starts the containers


def test_a_build_pulling_three_times_dsm_timeout_is_waited_for(make_dsm, new_project, docker_client):
    # No drop, no 1202: the build answers after 6 s, three times the 2 s dsm_timeout.
    dsm = make_dsm(
        behaviours={"project_build_pull_seconds": 6.0, "project_drop_after_seconds": None, "project_1202_methods": []}
    )
    name = new_project(dsm)
    content = compose(name, free_port())
    created = converge(dsm, name, content=content, dsm_timeout=2, wait_timeout=120)
    assert not created.failed, created.get("msg")
    assert created["project"]["status"] == "RUNNING"
    assert created["unconfirmed"] == []  # the build's answer came: it was waited for, not settled by reading
    assert docker_client.containers.get(name).status == "running"
    one_of_each(dsm)
    assert dsm.counters()["dropped_connections"] == 0
    assert_converged_rerun(dsm, name, content, dsm_timeout=2, wait_timeout=120)


def test_a_dropped_build_answer_is_settled_by_reading_the_status(make_dsm, new_project, docker_client):
    dsm = make_dsm(
        behaviours={"project_build_pull_seconds": 3.0, "project_drop_after_seconds": 1.0, "project_1202_methods": []}
    )
    name = new_project(dsm)
    content = compose(name, free_port())
    created = converge(dsm, name, content=content, wait_timeout=120)
    assert not created.failed, created.get("msg")
    assert created["project"]["status"] == "RUNNING"
    assert docker_client.containers.get(name).status == "running"
    assert created["unconfirmed"] == ["build"]
    one_of_each(dsm)
    assert dsm.counters()["dropped_connections"] == 1
    assert_converged_rerun(dsm, name, content)


def test_1202_after_build_and_stop_is_settled_by_reading_the_status(make_dsm, new_project, docker_client):
    behaviours = {"project_build_pull_seconds": None, "project_drop_after_seconds": None}
    dsm = make_dsm(behaviours=dict(behaviours, project_1202_methods=["build", "stop"]))
    name = new_project(dsm)
    content = compose(name, free_port())
    created = converge(dsm, name, content=content)
    assert not created.failed, created.get("msg")
    assert created["project"]["status"] == "RUNNING"
    assert created["unconfirmed"] == ["build"]
    one_of_each(dsm)
    assert dsm.counters()["errors"] == {"1202": 1}
    assert_converged_rerun(dsm, name, content)

    dsm.reset_counters()
    stopped = converge(dsm, name, content=content, state="stopped")
    assert not stopped.failed, stopped.get("msg")
    assert stopped["project"]["status"] == "STOPPED" and stopped["unconfirmed"] == ["stop"]
    assert dsm.counters()["writes"] == {"SYNO.Docker.Project.stop": 1}
    assert docker_client.containers.get(name).status == "exited"
    assert_converged_rerun(dsm, name, content, state="stopped")


def test_stopped_with_new_content_ends_stopped_although_the_build_starts_it(dsm, project, docker_client):
    port = free_port()
    assert not converge(dsm, project, content=compose(project, port)).failed
    changed = compose(project, port, secret="alice:changed")
    dsm.reset_counters()
    stopped = converge(dsm, project, content=changed, state="stopped")
    assert not stopped.failed, stopped.get("msg")
    assert stopped["project"]["status"] == "STOPPED"
    container = docker_client.containers.get(project)
    assert container.status == "exited" and "SYNC_USER1=alice:changed" in container.attrs["Config"]["Env"]
    writes = project_writes(dsm)
    assert writes == {"SYNO.Docker.Project.stop": 2, "SYNO.Docker.Project.update": 1, BUILD: 1}, writes
    assert_converged_rerun(dsm, project, changed, state="stopped")


def test_failed_build_names_the_code(make_dsm, new_project):
    dsm = make_dsm(behaviours={"project_drop_after_seconds": None})  # the build's answer arrives
    project = new_project(dsm)
    result = converge(dsm, project, content=compose(project, free_port(), image="ankinas/no-such-image:0"))
    assert result.failed
    assert "SYNO.Docker.Project build failed: DSM error 2202 (The project failed to build" in result["msg"]


def test_a_lost_build_answer_that_never_comes_up_says_so(dsm, project):
    # The failing build's answer is dropped (the fixtures' DSM drops it after 2 s): only the status is left.
    result = converge(
        dsm, project, content=compose(project, free_port(), image="ankinas/no-such-image:0"), wait_timeout=8
    )
    assert result.failed
    assert f"project {project} is STOPPED, not RUNNING or WARNING, after " in result["msg"]
    assert "DSM did not confirm build (lost answer or 1202) and the module did not send it again" in result["msg"]
    assert dsm.counters()["writes"][BUILD] == 1


def test_a_project_with_an_exited_one_shot_container_is_up_with_a_warning(dsm, project):
    content = with_one_shot(project, free_port())
    result = converge(dsm, project, content=content, wait_timeout=60)
    assert not result.failed, result.get("msg")
    assert result["project"]["status"] == "WARNING"
    (warning,) = [w for w in warnings_of(result) if "is WARNING" in w]
    assert f"{project}-once" in warning and "exit code 0" in warning
    assert_converged_rerun(dsm, project, content)
    info = run_module("dsm_container_project_info", dsm.connection(name=project))
    assert info["project"]["status"] == "WARNING"
    (exited,) = info["project"]["exited"]
    assert f"{project}-once" in exited and exited.endswith("(exit code 0)")


@pytest.mark.unverified_contract(
    reason="get without content and get_share_info{path} -> {content}: batonogov/terraform-provider-synology-dsm "
    "container_project.go only, never run on hardware"
)
def test_content_from_get_share_info_when_get_omits_it(make_dsm, new_project):
    dsm = make_dsm(behaviours={"project_content_in": []})
    name = new_project(dsm)
    content = compose(name, free_port())
    assert not converge(dsm, name, content=content).failed
    assert_converged_rerun(dsm, name, content)
    assert dsm.counters()["reads"].get("SYNO.Docker.Project.get_share_info", 0) >= 1


@pytest.mark.unverified_contract(
    reason="2104 and 408 for an unknown project id: batonogov isContainerProjectMissingError, never run on hardware"
)
@pytest.mark.parametrize("code", [2104, 408])
def test_an_unknown_project_id_is_absent_at_either_code(make_dsm, code):
    dsm = make_dsm(behaviours={"project_missing_code": code})
    client = DSMClient(**dsm.client_options(errors=ERRORS))
    try:
        assert ProjectClient(client).get("00000000-0000-4000-8000-000000000000") is None
        with pytest.raises(DSMAPIError, match=f"DSM error {code} "):
            client.call("SYNO.Docker.Project", "stop", {"id": "00000000-0000-4000-8000-000000000000"}, write=True)
    finally:
        client.close()


def test_a_taken_name_answers_2102_and_the_module_takes_the_project(dsm, project):
    client = DSMClient(**dsm.client_options(errors=ERRORS))
    projects = ProjectClient(client)
    try:
        projects.make_folder(f"/docker/{project}")
        first = projects.create(project, f"/docker/{project}", compose(project, free_port()))
        with pytest.raises(DSMAPIError, match=r"DSM error 2102 \(A project with this name already exists\)"):
            client.call(
                "SYNO.Docker.Project",
                "create",
                {"name": project, "share_path": f"/docker/{project}", "content": "services: {}"},
                write=True,
            )
        # create() meets 2102 (an earlier create whose answer was lost) and takes the project there is.
        assert projects.create(project, f"/docker/{project}", "services: {}")["id"] == first["id"]
    finally:
        client.close()
