"""A project's containers as SYNO.Docker.Project get answers them (the Engine's inspect): which are still to be started
by a build, and which have exited (_dsm_container_project)."""

from ansible_collections.ankinas.synology.plugins.module_utils._dsm_container_project import (
    exited_containers,
    starting_containers,
)


def container(name, status, exit_code=0):
    state = {"Status": status, "Running": status == "running", "ExitCode": exit_code}
    return {"Id": f"{name}-id", "Name": f"/{name}", "State": state}


def test_a_build_that_started_the_one_shot_container_but_not_the_server_is_not_done():
    # compose up made both, started the one-shot container first: DSM may already read the project as WARNING
    project = {"status": "WARNING", "containers": [container("anki-once", "running"), container("anki", "created")]}
    assert starting_containers(project) == ["anki"]


def test_a_project_whose_one_shot_container_exited_and_server_runs_has_nothing_to_start():
    project = {"status": "WARNING", "containers": [container("anki-once", "exited"), container("anki", "running")]}
    assert starting_containers(project) == []
    assert exited_containers(project) == ["anki-once (exit code 0)"]


def test_containers_in_an_unknown_shape_are_not_counted_as_starting():
    # list carries no containers; a get of another shape names them without an Engine state
    assert starting_containers({"status": "RUNNING"}) == []
    assert starting_containers({"status": "RUNNING", "containers": ["abc", {"Id": "def"}]}) == []
