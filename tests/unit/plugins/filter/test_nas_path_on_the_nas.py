"""What the data folder role makes of a data path as the NAS sees it (filters nas_path_components, nas_path_checks,
nas_path_links, nas_path_problem, nas_path_drift): symbolic links and mount points refused naming the variable and
where they lead; ownership drift listed."""

from ansible_collections.ankinas.synology.plugins.filter.nas_path import (
    nas_path_checks,
    nas_path_components,
    nas_path_drift,
    nas_path_links,
    nas_path_problem,
)

FOLDER = {"exists": True, "isdir": True, "islnk": False}
MOUNTS = "24 1 0:22 / / rw - overlay overlay rw\n36 24 0:45 / /volume1 rw - btrfs /dev/md2 rw\n"


def test_components_run_from_the_shared_folder_down():
    assert nas_path_components("/volume1/docker/a/b") == ["/volume1/docker", "/volume1/docker/a", "/volume1/docker/a/b"]
    assert nas_path_components("/srv/anki") == []


def test_each_path_is_checked_once_under_the_first_variable_that_names_it():
    checks = nas_path_checks(
        [
            {"variable": "data_folder_path", "path": "/volume1/docker/anki"},
            {"variable": "other_data_path", "path": "/volume1/docker/anki"},
            {"variable": "elsewhere_path", "path": "/srv/elsewhere"},
        ]
    )
    assert checks == [
        {
            "variable": "data_folder_path",
            "path": "/volume1/docker/anki",
            "components": ["/volume1/docker", "/volume1/docker/anki"],
        }
    ]


def test_real_folders_and_missing_ones_pass():
    stats = {"/volume1/docker": FOLDER, "/volume1/docker/anki": {"exists": False}}
    assert nas_path_links(stats, "v", "/volume1/docker/anki/deeper", MOUNTS) == ""


def test_a_link_to_another_shared_folder_is_named_with_where_it_leads():
    stats = {
        "/volume1/docker": FOLDER,
        "/volume1/docker/link": {"exists": True, "islnk": True, "lnk_source": "/volume1/backups"},
    }
    problem = nas_path_links(stats, "data_folder_path", "/volume1/docker/link/anki", MOUNTS)
    assert problem.startswith(
        "data_folder_path (/volume1/docker/link/anki) goes through the symbolic link /volume1/docker/link -> "
        "/volume1/backups: the data would live in /volume1/backups/anki, outside the shared folder /volume1/docker"
    )
    assert "Nothing was changed" in problem


def test_a_link_inside_the_shared_folder_is_refused_too():
    stats = {
        "/volume1/docker": FOLDER,
        "/volume1/docker/alias": {"exists": True, "islnk": True, "lnk_source": "/volume1/docker/anki"},
    }
    problem = nas_path_links(stats, "v", "/volume1/docker/alias", MOUNTS)
    assert "-> /volume1/docker/anki: the data would live in /volume1/docker/anki, and" in problem


def test_a_bind_mount_inside_the_shared_folder_is_refused():
    mounts = MOUNTS + "40 36 0:45 /backups /volume1/docker/anki rw - btrfs /dev/md2 rw\n"
    stats = {"/volume1/docker": FOLDER, "/volume1/docker/anki": FOLDER}
    problem = nas_path_links(stats, "data_folder_path", "/volume1/docker/anki", mounts)
    assert "/volume1/docker/anki is a mount point (btrfs /dev/md2/backups)" in problem


def test_a_file_where_a_folder_belongs_is_refused():
    stats = {"/volume1/docker": FOLDER, "/volume1/docker/anki": {"exists": True, "isdir": False}}
    assert "exists on the NAS but is not a folder" in nas_path_links(stats, "v", "/volume1/docker/anki", MOUNTS)


def test_the_problem_is_found_from_what_nas_path_info_read():
    check = nas_path_checks([{"variable": "v", "path": "/volume1/docker/link"}])[0]
    stats = {"/volume1/docker": FOLDER, "/volume1/docker/link": {"exists": True, "islnk": True, "lnk_source": "/x"}}
    assert "goes through the symbolic link /volume1/docker/link -> /x" in nas_path_problem(check, stats, MOUNTS)


def test_drift_lists_what_another_owner_holds():
    files = [
        {"path": "/volume1/docker/anki/alice", "owner": 0, "group": 0},
        {"path": "/volume1/docker/anki/bob", "owner": 1000, "group": 1000},
        {"path": "/volume1/docker/anki/carol", "owner": 1000, "group": 100},
        {"path": "/volume1/docker/anki/unknown", "owner": None, "group": None},
    ]
    drifted = nas_path_drift(files, 1000, "1000")
    assert [entry["shown"] for entry in drifted] == [
        "/volume1/docker/anki/alice (0:0)",
        "/volume1/docker/anki/carol (1000:100)",
    ]
