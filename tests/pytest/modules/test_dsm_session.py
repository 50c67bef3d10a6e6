"""A play with several DSM tasks logs in once (simulator counters); -vvv shows no secret."""

from pathlib import Path

from harness.runner import run_playbook

PLAYBOOK = Path(__file__).parent / "playbooks" / "one_login.yml"


def play(dsm, **extra):
    extra_vars = {"dsm_url": dsm.url, "dsm_username": "admin", "dsm_password": dsm.password}
    extra_vars.update(extra)
    return run_playbook(PLAYBOOK, extra_vars, verbosity=3, env={"DSM_CA_PATH": dsm.ca_path})


def test_a_play_logs_in_once_and_never_shows_the_password(dsm):
    process = play(dsm)
    output = process.stdout + process.stderr
    assert process.returncode == 0, output[-3000:]
    counters = dsm.counters()
    assert counters["logins_attempted"] == counters["logins_succeeded"] == 1
    assert counters["logouts"] == 1
    assert counters["reads"]["SYNO.API.Info.query"] == 1  # discovery once, then from the session
    assert counters["writes"] == {"SYNO.Core.Share.create": 1}
    assert dsm.password not in output
    assert "dsm_password" in output  # -vvv did print the module arguments, masked


def test_a_dropped_session_costs_one_more_login_and_is_cleaned_up(dsm):
    process = play(dsm, sim_control_url=dsm.http_url)
    assert process.returncode == 0, (process.stdout + process.stderr)[-3000:]
    counters = dsm.counters()
    # The task after the expiry logs in once by itself and out again; the play's logout finds its
    # session gone (119), which is as good as logged out.
    assert counters["logins_succeeded"] == 2
    assert counters["logouts"] == 1
    assert counters["errors"] == {"119": 2}
    assert dsm.state()["sessions"] == 0
