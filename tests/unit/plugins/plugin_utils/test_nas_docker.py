# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pure side of nas_container: options, the comparison with `docker inspect`, the scripts and their output.

The scripts are run by a real /bin/sh here, with a stand-in Docker CLI (a shell script that prints what it was
asked and reads its standard input), so the quoting, the sections and the stdin hand-over are what the NAS runs.
The real Docker Engine is driven in tests/pytest (the role, the reliability suite, molecule).
"""

import os
import stat
import subprocess

import pytest
from ansible_collections.ankinas.synology.plugins.plugin_utils import _nas_docker as nd

HASH = "alice:$pbkdf2-sha256$i=1000,l=32$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
IMAGE = {"Id": "sha256:new", "Config": {"Env": ["PATH=/usr/bin", "PUID=1000"]}}


def options(**overrides):
    args = {
        "name": "anki",
        "image": "jeankhawand/anki-sync-server:25.07",
        "env": {"SYNC_USER1": HASH, "PUID": "1000"},
        "published_ports": ["127.0.0.1:27701:8080"],
        "volumes": ["/volume1/docker/anki-server:/anki_data"],
        "networks": ["anki-network"],
        "labels": {"org.ankinas.managed-by": "ankinas.synology"},
        "restart_policy": "unless-stopped",
        "stop_signal": "SIGINT",
    }
    args.update(overrides)
    return args


def inspected(**overrides):
    container = {
        "Id": "c0ffee",
        "Name": "/anki",
        "Image": "sha256:new",
        "Config": {
            "Image": "jeankhawand/anki-sync-server:25.07",
            "Env": ["PATH=/usr/bin", "PUID=1000", f"SYNC_USER1={HASH}"],
            "Labels": {"org.ankinas.managed-by": "ankinas.synology", "org.opencontainers.image.version": "25.07"},
            "StopSignal": "SIGINT",
        },
        "HostConfig": {
            "PortBindings": {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "27701"}]},
            "Binds": ["/volume1/docker/anki-server:/anki_data"],
            "RestartPolicy": {"Name": "unless-stopped"},
        },
        "NetworkSettings": {
            "Networks": {"anki-network": {}},
            "Ports": {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "27701"}]},
        },
        "Mounts": [{"Type": "bind", "Source": "/volume1/docker/anki-server", "Destination": "/anki_data", "RW": True}],
        "State": {"Status": "running", "Running": True},
    }
    for key, value in overrides.items():
        section, _dot, field = key.partition("__")
        if field:
            container[section][field] = value
        else:
            container[section] = value
    return container


def diff_of(args=None, container=None, image="the image"):
    image = IMAGE if image == "the image" else image
    return nd.differences(
        nd.desired_container(args or options()), nd.current_container(container or inspected()), image
    )


def test_the_deployed_container_has_no_difference():
    assert diff_of() == []


@pytest.mark.parametrize(
    ("args", "container", "expected"),
    [
        (options(env={"PUID": "1000"}), None, ["env"]),  # a removed user is a difference (strict)
        (options(env={"SYNC_USER1": HASH, "PUID": "1000", "SYNC_USER2": "bob:x"}), None, ["env"]),
        (options(image="jeankhawand/anki-sync-server:25.09"), None, ["image"]),
        (None, inspected(Image="sha256:old"), ["image"]),  # the tag moved to a new build
        (options(published_ports=["127.0.0.1:27702:8080"]), None, ["published_ports"]),
        (options(volumes=["/volume1/docker/other:/anki_data"]), None, ["volumes"]),
        (options(networks=["other"]), None, ["networks"]),
        (options(labels={"org.ankinas.managed-by": "someone"}), None, ["labels"]),
        (options(restart_policy="always"), None, ["restart_policy"]),
        (options(stop_signal="SIGTERM"), None, ["stop_signal"]),
    ],
)
def test_each_managed_option_is_compared(args, container, expected):
    assert diff_of(args, container) == expected


def test_a_variable_the_image_sets_is_no_difference_when_left_out():
    assert diff_of(options(env={"SYNC_USER1": HASH})) == []


def test_what_docker_stores_differently_is_no_difference():
    container = inspected(HostConfig__PortBindings={"8080/tcp": [{"HostIp": "", "HostPort": "27701"}]})
    container["HostConfig"]["Binds"] = ["/volume1/docker/anki-server:/anki_data:rw"]
    args = options(published_ports=["0.0.0.0:27701:8080/tcp"], networks=[{"name": "anki-network"}], stop_signal=None)
    assert diff_of(args, container) == []


def test_without_the_image_only_the_asked_variables_are_compared():
    assert diff_of(image=None) == []
    assert diff_of(options(env={"SYNC_USER1": "alice:other"}), image=None) == ["env"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (options(env={"SYNC USER": "x"}), "env: 'SYNC USER' is not a variable name"),
        (options(env={"SYNC_USER1": "alice:a\nb"}), "env: the value of SYNC_USER1 has a line break"),
        (options(published_ports=["127.0.0.1:http:8080"]), "published_ports: '127.0.0.1:http:8080'"),
        (options(volumes=["/only-a-source"]), "volumes: '/only-a-source'"),
        (options(restart_policy="sometimes"), "restart_policy must be one of"),
        (options(networks=[{"driver": "bridge"}]), "networks: every entry needs a name"),
        (options(image=""), "image is required"),
    ],
)
def test_bad_options_are_named_without_their_secret_values(args, message):
    with pytest.raises(nd.NasDockerError) as raised:
        nd.desired_container(args)
    assert message in str(raised.value)
    assert "a\nb" not in str(raised.value)


def test_port_forms():
    assert nd.desired_container(options(published_ports=["[::1]:27701:8080", "8080/udp", "27701:8080"]))["ports"] == [
        ("8080/tcp", "", "27701"),
        ("8080/tcp", "::1", "27701"),
        ("8080/udp", "", ""),
    ]


def test_the_diff_masks_every_value_and_marks_the_changed_ones():
    desired = nd.desired_container(options(env={"SYNC_USER1": "alice:new-hash", "SYNC_USER2": "bob:hash"}))
    current = nd.current_container(inspected())
    before = nd.masked_view(dict(current, env={"SYNC_USER1": HASH}), desired)
    after = nd.masked_view(desired, desired, env_before={"SYNC_USER1": HASH})
    assert before["env"] == {"SYNC_USER1": nd.MASK}
    assert after["env"] == {"SYNC_USER1": nd.MASK + " (changed)", "SYNC_USER2": nd.MASK + " (changed)"}
    assert HASH not in repr((before, after)) and "new-hash" not in repr(after)
    assert before["labels"] == after["labels"] == {"org.ankinas.managed-by": "ankinas.synology"}


def test_the_steps_recreate_and_never_put_the_environment_on_a_command_line():
    desired = nd.desired_container(options(networks=["anki-network", "second"]))
    steps = nd.run_steps(desired, exists=True, running_differs_only=False, missing_networks=["second"])
    assert [step[0] for step in steps] == [
        "create the network second",
        "stop the container",
        "remove the container",
        "create the container",
        "connect the container to the network second",
        "start the container",
    ]
    create = steps[3]
    assert create[-3:] == ("--env-file", "/dev/stdin", "jeankhawand/anki-sync-server:25.07")
    assert "--network" in create and create[create.index("--network") + 1] == "anki-network"
    assert HASH not in repr(steps)
    assert nd.env_file(desired["env"]) == f"SYNC_USER1={HASH}\nPUID=1000\n"
    start_only = nd.run_steps(desired, exists=True, running_differs_only=True, missing_networks=[])
    assert start_only == [("start the container", "start", "anki")]


def test_the_list_entry_has_the_engine_list_shape():
    entry = nd.summary(inspected())
    assert entry["Names"] == ["/anki"] and entry["State"] == "running" and entry["Image"].endswith(":25.07")
    assert entry["Ports"] == [{"PrivatePort": 8080, "Type": "tcp", "IP": "127.0.0.1", "PublicPort": 27701}]
    assert entry["Mounts"][0]["Destination"] == "/anki_data"
    stopped = nd.summary(inspected(NetworkSettings={"Networks": {}, "Ports": {}}, State={"Status": "exited"}))
    assert stopped["Ports"] == [] and stopped["State"] == "exited"


# --- the scripts, in a real shell --------------------------------------------------------------------------------
@pytest.fixture
def fake_docker(tmp_path):
    """A stand-in Docker CLI: logs its arguments, copies its stdin for `create`, fails where FAIL_AT says."""
    log = tmp_path / "calls"
    cli = tmp_path / "docker"
    cli.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$*" >> {log}\n'
        'case "$*" in\n'
        f"  *create\\ --name*) cat > {tmp_path}/stdin; echo c0ffee ;;\n"
        '  *"container inspect missing"*) echo "[]"; echo "Error: No such container: missing" >&2; exit 1 ;;\n'
        '  *"container inspect"*) echo \'[{"Id": "c0ffee"}]\' ;;\n'
        '  *"$FAIL_AT"*) echo "Error response from daemon: it broke" >&2; exit 125 ;;\n'
        "esac\n"
    )
    cli.chmod(cli.stat().st_mode | stat.S_IXUSR)
    return cli, log


def sh(script, stdin="\n", **env):
    return subprocess.run(
        ["/bin/sh", "-c", script], input=stdin, capture_output=True, text=True, env=dict(os.environ, **env), check=False
    )


def test_read_script_sections(fake_docker):
    cli, _log = fake_docker
    script = nd.read_script(
        str(cli), "", [("found", "container", "inspect", "anki"), ("gone", "container", "inspect", "missing")]
    )
    sections, path = nd.parse_sections(sh(script, FAIL_AT="never").stdout)
    assert path == str(cli)
    assert sections["found"]["rc"] == 0 and nd.parse_json(sections["found"], "x") == [{"Id": "c0ffee"}]
    assert sections["gone"]["rc"] == 1 and "No such container" in sections["gone"]["err"]


def test_write_script_hands_the_environment_over_on_stdin_and_stops_at_the_first_failure(fake_docker, tmp_path):
    cli, log = fake_docker
    desired = nd.desired_container(options())
    steps = nd.run_steps(desired, exists=True, running_differs_only=False, missing_networks=[])
    process = sh(nd.write_script(str(cli), "", steps), stdin=nd.env_file(desired["env"]), FAIL_AT="never")
    done, failed = nd.parse_write(process.stdout)
    assert failed is None and done == [step[0] for step in steps]
    assert (tmp_path / "stdin").read_text() == nd.env_file(desired["env"])
    assert HASH not in log.read_text()  # the command lines never carried it

    process = sh(nd.write_script(str(cli), "", steps), FAIL_AT="rm anki")
    done, failed = nd.parse_write(process.stdout)
    assert done == ["stop the container"]
    assert failed == ("remove the container", 125, "Error response from daemon: it broke")


def test_a_container_gone_between_ps_and_inspect_is_not_a_failure():
    gone = {"rc": 1, "out": '[{"Id": "a"}]\n', "err": "Error: No such container: b\n"}
    assert nd.only_gone(gone)
    assert not nd.only_gone(dict(gone, err="permission denied while trying to connect to the Docker daemon socket\n"))
    assert not nd.only_gone(dict(gone, out=""))


def test_a_missing_cli_exits_127_with_its_path(tmp_path):
    process = sh(nd.read_script(str(tmp_path / "nowhere"), "", [("x", "version")]))
    assert process.returncode == nd.NO_DOCKER_EXIT
    assert "no executable Docker CLI" in process.stderr
