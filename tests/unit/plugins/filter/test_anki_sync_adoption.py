"""What the filter anki_sync_adoption decides about the containers already on the NAS (pure logic)."""

import pytest
from ansible_collections.ankinas.synology.plugins.filter.anki_sync_adoption import anki_sync_adoption

DATA = "/volume1/docker/anki-server"
WANTED = {"name": "anki-sync-server", "port": 27701, "data_dir": DATA}


def container(name="anki-sync-server", port=27701, data=DATA, project="", managed=False, image="anki:25.07"):
    labels = {"com.docker.compose.project": project} if project else {}
    if managed:
        labels["org.ankinas.managed-by"] = "ankinas.synology"
    return {
        "Id": "0123456789abcdef",
        "Names": [f"/{name}"],
        "Image": image,
        "State": "running",
        "Labels": labels,
        "Ports": [{"PrivatePort": 8080, "PublicPort": port, "IP": "127.0.0.1"}] if port else [],
        "Mounts": [{"Type": "bind", "Source": data, "Destination": "/anki_data"}] if data else [],
    }


def test_nothing_found_means_nothing_to_take_over():
    plan = anki_sync_adoption([container(name="other", port=8080, data="/volume1/x")], method="docker", **WANTED)
    assert plan["found"] is None and not plan["switch"] and not plan["refuse"] and not plan["summary"]


def test_the_guides_portainer_stack_is_own_for_portainer_and_a_switch_for_docker():
    guide = [container(project="anki")]
    env = ["SYNC_USER1=alice:secret", "SYNC_USER2=bob:other"]
    portainer = anki_sync_adoption(
        guide, method="portainer", stack="Anki", portainer_projects=["anki"], env=env, **WANTED
    )
    assert (portainer["kind"], portainer["own"], portainer["switch"]) == ("portainer", True, False)
    assert portainer["plain_text_users"] == ["alice", "bob"]
    assert "in place" in portainer["summary"] and "secret" not in portainer["summary"]

    docker = anki_sync_adoption(guide, method="docker", portainer_projects=["anki"], env=env, **WANTED)
    assert (docker["kind"], docker["own"], docker["switch"]) == ("portainer", False, True)
    assert docker["found"]["holds"] == [
        "the container name anki-sync-server",
        "the host port 27701",
        f"the data directory {DATA}",
    ]


def test_own_managed_deployment_with_hashes_is_not_reported():
    env = ["PASSWORDS_HASHED=1", "SYNC_USER1=alice:$pbkdf2-sha256$i=1,l=32$c2FsdHNhbHQ$aGFzaA"]
    plan = anki_sync_adoption([container(managed=True)], method="docker", env=env, **WANTED)
    assert plan["own"] and plan["summary"] == "" and plan["plain_text_users"] == []


def test_plain_text_is_not_reported_when_the_deploy_keeps_plain_text():
    plan = anki_sync_adoption(
        [container(managed=True)], method="docker", env=["SYNC_USER1=alice:pw"], hashed=False, **WANTED
    )
    assert plan["plain_text_users"] == [] and plan["summary"] == ""


def test_a_container_manager_project_is_own_by_the_container_name():
    found = [container(project="anki-sync-server")]
    own = anki_sync_adoption(
        found, method="container_manager", container_manager_projects=["anki-sync-server"], **WANTED
    )
    assert (own["kind"], own["own"]) == ("container_manager", True)
    moved = anki_sync_adoption(found, method="docker", container_manager_projects=["anki-sync-server"], **WANTED)
    assert moved["switch"] and "the Container Manager project 'anki-sync-server'" in moved["summary"]


def test_a_compose_project_that_portainer_does_not_know_is_switched_by_its_container():
    plan = anki_sync_adoption([container(project="anki")], method="portainer", stack="anki", **WANTED)
    assert (plan["kind"], plan["switch"]) == ("compose", True)


@pytest.mark.parametrize(
    ("found", "words"),
    [
        ([container(name="nextcloud", data="/volume1/nextcloud")], "keeps its data in /volume1/nextcloud"),
        ([container(name="x", data="")], "no directory mounted on /anki_data"),
        ([container(), container(name="other", port=None, data=DATA)], "found 2 containers"),
    ],
)
def test_what_cannot_be_taken_over_is_refused_by_name(found, words):
    plan = anki_sync_adoption(found, method="docker", **WANTED)
    assert words in plan["refuse"] and "Nothing was changed" in plan["refuse"]
    assert not plan["switch"]


def test_a_server_this_collection_made_may_move_to_another_data_directory():
    plan = anki_sync_adoption([container(managed=True, data="/volume1/old")], method="docker", **WANTED)
    assert plan["own"] and plan["refuse"] == ""


def test_the_simulated_volume_root_is_hidden_from_the_messages():
    found = [container(data="/sim/volumes/volume1/other")]
    plan = anki_sync_adoption(found, method="docker", volume_root="/sim/volumes", **WANTED)
    assert "keeps its data in /volume1/other, not in data_folder_path (/volume1/docker/anki-server)" in (plan["refuse"])
    same = anki_sync_adoption(
        [container(data="/sim/volumes" + DATA)], method="docker", volume_root="/sim/volumes", **WANTED
    )
    assert same["refuse"] == "" and same["own"]


def test_without_the_docker_engine_a_docker_run_container_is_not_taken_over():
    plan = anki_sync_adoption([container()], method="container_manager", engine=False, **WANTED)
    assert plan["switch"] and "only the NAS's Docker Engine can do" in plan["refuse"]
    assert "Nothing was changed" in plan["refuse"]


def test_without_the_docker_engine_the_guides_portainer_stack_is_taken_over_through_portainer():
    plan = anki_sync_adoption(
        [container(project="anki")], method="container_manager", engine=False, portainer_projects=["anki"], **WANTED
    )
    assert (plan["kind"], plan["switch"], plan["refuse"]) == ("portainer", True, "")
    assert plan["made_by"] == "the Portainer stack 'anki'"


def test_a_managed_server_keeping_its_data_elsewhere_names_its_directory():
    plan = anki_sync_adoption([container(data="/volume1/docker/old", managed=True)], method="docker", **WANTED)
    assert plan["refuse"] == "" and plan["data_dir_from"] == "/volume1/docker/old"
    assert plan["projects"] == []


def test_every_compose_project_with_a_container_is_listed():
    plan = anki_sync_adoption([container(name="x", port=1, data="", project="other")], method="docker", **WANTED)
    assert plan["projects"] == ["other"]
