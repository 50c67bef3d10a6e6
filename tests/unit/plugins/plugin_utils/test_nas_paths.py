"""The shell script nas_path_info runs on the NAS, run here by a real /bin/sh on a temporary tree, and its answer."""

import subprocess

from ansible_collections.ankinas.synology.plugins.plugin_utils import _nas_paths


def run(paths):
    script = _nas_paths.script(paths)
    answer = subprocess.run(["/bin/sh", "-c", "{\n" + script + "\n}"], capture_output=True, text=True, check=True)
    return _nas_paths.parse(answer.stdout, paths)


def test_folders_links_files_and_missing_paths_are_told_apart_without_following_links(tmp_path):
    (tmp_path / "share" / "data").mkdir(parents=True)
    (tmp_path / "share" / "file").write_text("x")
    (tmp_path / "share" / "relative").symlink_to("../elsewhere")
    (tmp_path / "share" / "with space").symlink_to(tmp_path / "share" / "data")
    names = ["share", "share/data", "share/file", "share/relative", "share/with space", "share/missing"]
    paths = [str(tmp_path / name) for name in names]
    found, mountinfo = run(paths)
    assert [(found[path]["exists"], found[path]["isdir"], found[path]["islnk"]) for path in paths] == [
        (True, True, False),
        (True, True, False),
        (True, False, False),
        (True, False, True),  # dangling: it exists as a link
        (True, False, True),  # a link to a folder is a link, not a folder
        (False, False, False),
    ]
    assert found[paths[3]]["lnk_target"] == "../elsewhere"
    assert found[paths[3]]["lnk_source"] == str(tmp_path / "elsewhere")
    assert found[paths[4]]["lnk_source"] == str(tmp_path / "share" / "data")
    assert " / " in mountinfo  # the root mount's line: the table came after the paths


def test_a_path_the_answer_does_not_name_is_none():
    found, mountinfo = _nas_paths.parse("0 dir\n" + _nas_paths.MOUNTINFO_MARK + "\n", ["/volume1/a", "/volume1/b"])
    assert found == {
        "/volume1/a": {"exists": True, "isdir": True, "islnk": False, "lnk_target": None, "lnk_source": None},
        "/volume1/b": None,
    }
    assert mountinfo == ""


def test_a_link_target_with_a_newline_does_not_shift_the_other_paths():
    stdout = "0 link one\ntwo\n1 dir\n" + _nas_paths.MOUNTINFO_MARK + "\n"
    found, _mountinfo = _nas_paths.parse(stdout, ["/volume1/a/l", "/volume1/a/d"])
    assert found["/volume1/a/l"]["islnk"] and found["/volume1/a/d"]["isdir"]
