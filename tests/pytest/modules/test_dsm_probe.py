"""dsm_probe against the simulated DSM: what it reads for a run of the roles, and what it hands on (project_listed,
so site.yml's anki_sync_server role does not read the project list a second time)."""

import uuid

import pytest
from harness.runner import run_module
from modules_helpers import compose
from simnas.server import free_port

pytestmark = pytest.mark.docker


def probe(dsm, project_name):
    return run_module(
        "dsm_probe",
        dsm.connection(modules=["dsm_container_project_info"], project_name=project_name, fail_on_difference=True),
    )


def test_project_listed_says_whether_dsm_lists_the_named_project(dsm, docker_client, anki_server_images):
    name = f"ankinas-probe-{uuid.uuid4().hex[:8]}"
    absent = probe(dsm, name)
    assert not absent.failed, absent.get("msg")
    assert absent["project_listed"] is False
    assert run_module("dsm_shared_folder", dsm.connection(name="docker")).get("failed") is not True
    made = run_module(
        "dsm_container_project",
        dsm.connection(name=name, share_path=f"/docker/{name}", content=compose(name, free_port(), "alice:x")),
    )
    assert not made.failed, made.get("msg")
    try:
        listed = probe(dsm, name)
        assert not listed.failed, listed.get("msg")
        assert listed["project_listed"] is True
        assert probe(dsm, name.upper())["project_listed"] is False  # DSM's names, compared as the modules do
    finally:
        label = {"label": f"com.docker.compose.project={name}"}
        for container in docker_client.containers.list(all=True, filters=label):
            container.remove(force=True, v=True)
        for network in docker_client.networks.list(names=[f"{name}_default"]):
            network.remove()


def test_project_listed_is_null_when_no_project_list_was_read(dsm):
    result = run_module("dsm_probe", dsm.connection(modules=["dsm_shared_folder"], project_name="anything"))
    assert not result.failed, result.get("msg")
    assert result["project_listed"] is None


def test_project_listed_is_false_on_a_dsm_without_container_manager(make_dsm):
    dsm = make_dsm(absent_apis=["SYNO.Docker.Project"])
    result = run_module("dsm_probe", dsm.connection(modules=["dsm_container_project_info"], project_name="anything"))
    assert not result.failed, result.get("msg")
    assert [r["result"] for r in result["contracts"] if r["id"] == "project_list"] == ["not offered"]
    assert result["project_listed"] is False
