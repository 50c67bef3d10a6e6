"""The one path validator of the roles (filter nas_path) and the user-name rule of anki_sync_env."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.ankinas.synology.plugins.filter.anki_sync_env import anki_sync_env
from ansible_collections.ankinas.synology.plugins.filter.nas_path import nas_path, nas_path_file_station, nas_path_share


@pytest.mark.parametrize("path", ["/volume1/docker/anki-server", "/volume12/a b/c", "/volume1/docker/x..y"])
def test_normalised_paths_under_a_volume_pass(path):
    assert nas_path(path, "v") == path


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("/volume1/docker/../../etc/anki", "'..'"),
        ("/volume1/docker/./anki", "'.'"),
        ("/volume1/docker/anki/", "ends with '/'"),
        ("/volume1//docker/anki", "'//'"),
        ("volume1/docker/anki", "not absolute"),
        ("/tmp/docker/anki", "/volumeN/"),
        ("/volume1/docker", "inside a shared folder"),
        ("/volume1/docker/a\nb", "control characters"),
        ("", "must be a path"),
    ],
)
def test_path_games_fail_naming_the_variable(path, problem):
    with pytest.raises(AnsibleFilterError, match="data_folder_path") as error:
        nas_path(path, "data_folder_path")
    assert problem in str(error.value)


def test_outside_volumes_still_needs_a_normalised_path():
    assert nas_path("/srv/anki", "v", outside_volumes=True) == "/srv/anki"
    with pytest.raises(AnsibleFilterError, match=r"'\.\.'"):
        nas_path("/srv/../etc", "v", outside_volumes=True)


@pytest.mark.parametrize("name", ["x/../bob", "../evil", ".", "..", ".hidden", "a:b", "a b", "", "x" * 65])
def test_user_names_the_server_cannot_keep_as_a_folder_fail(name):
    with pytest.raises(AnsibleFilterError, match=r"anki_sync_server_users\[0\]"):
        anki_sync_env([{"name": name, "password": "p"}], hashed=False)


@pytest.mark.parametrize("name", ["alice", "bob.smith", "carol@example.com", "d_e-f+g", "Zoë"])
def test_usual_user_names_pass(name):
    assert anki_sync_env([{"name": name, "password": "p"}], hashed=False) == {"SYNC_USER1": f"{name}:p"}


@pytest.mark.parametrize(
    ("path", "file_station", "share"),
    [
        ("/volume1/docker/anki-server", "/docker/anki-server", "docker"),
        ("/volume12/a b/c/", "/a b/c", "a b"),
        ("/docker/anki-server", "/docker/anki-server", "docker"),
        ("", "", ""),
    ],
)
def test_the_file_station_form_and_the_share_of_a_path(path, file_station, share):
    assert nas_path_file_station(path) == file_station
    assert nas_path_share(path) == share
