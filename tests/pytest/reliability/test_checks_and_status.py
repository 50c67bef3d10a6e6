"""Issue 29, cases 5, 7, 8, 10 and 11 against one simulated NAS deployed by site.yml (the suite's deployed_nas):
what needs a DSM read is checked before the first change, messages name the variable that is wrong, status.yml
tells the truth, renamed tasks leave nothing behind, and an interrupted run leaves no secret on the NAS. Every
test leaves the NAS serving every user's notes."""

import pytest
from simnas.runner import play_recap

pytestmark = pytest.mark.docker


def assert_stopped_before_any_change(deployed_nas, process, container_id, data):
    assert process.returncode != 0, process.stdout[-3000:]
    assert deployed_nas.dsm_writes() == {}
    assert deployed_nas.container().id == container_id
    assert deployed_nas.data_snapshot() == data
    assert play_recap(process, "simnas")["changed"] == 0, process.stdout[-3000:]


# --- case 10: messages that name what is wrong -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "named", "not_said"),
    [
        (
            {"hyper_backup_schedule_frequency": "weekly", "hyper_backup_schedule_weekdays": []},
            "hyper_backup_schedule_weekdays is empty",
            "must be HH:MM",
        ),
        ({"hyper_backup_schedule_time": "25:00"}, "hyper_backup_schedule_time must be a time of day HH:MM", "weekdays"),
        (
            {"hyper_backup_schedule_frequency": "weekly", "hyper_backup_schedule_weekdays": ["monday"]},
            "hyper_backup_schedule_weekdays: 'monday' is not a day",
            "must be HH:MM",
        ),
    ],
    ids=["weekly-without-days", "daily-at-25:00", "weekly-monday"],
)
def test_a_wrong_schedule_is_named(deployed_nas, overrides, named, not_said):
    container_id, data = deployed_nas.container().id, deployed_nas.data_snapshot()
    deployed_nas.reset_dsm_counters()
    process = deployed_nas.site(**overrides)
    assert named in process.stdout, process.stdout[-3000:]
    failure = process.stdout[process.stdout.index(named) - 300 :]
    assert not_said not in failure.split("PLAY RECAP")[0], failure
    assert_stopped_before_any_change(deployed_nas, process, container_id, data)


def test_a_password_ansible_reads_as_a_template_is_named_with_the_way_to_write_it(deployed_nas):
    # Ansible templates every string of the inventory: a password with {{ }} is an expression to it.
    users = [dict(user) for user in deployed_nas.overrides["anki_sync_server_users"]]
    users[1]["password"] = "bob{{ secretpart }}tail"
    container_id, data = deployed_nas.container().id, deployed_nas.data_snapshot()
    deployed_nas.reset_dsm_counters()
    process = deployed_nas.site(anki_sync_server_users=users)
    assert "anki_sync_server_users[1].password (user 'bob')" in process.stdout, process.stdout[-3000:]
    assert "!unsafe" in process.stdout and "{% raw %}" in process.stdout
    for part in ("secretpart", "}}tail", "bob{{"):
        assert part not in process.stdout, process.stdout[-3000:]
    assert_stopped_before_any_change(deployed_nas, process, container_id, data)


# --- case 5: what only DSM can check is checked before the first change -------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"reverse_proxy_certificate": "anki.example.org"}, "reverse_proxy_certificate: no DSM certificate"),
        ({"hyper_backup_destination_share": "elsewhere"}, "hyper_backup_destination_share"),
    ],
    ids=["unknown-certificate", "backup-task-bound-elsewhere"],
)
def test_values_that_need_a_dsm_read_stop_the_run_before_the_first_change(deployed_nas, overrides, named):
    # A new user in the same run: the container would be replaced first if nothing checked DSM before.
    users = [*deployed_nas.overrides["anki_sync_server_users"], {"name": "carol", "password": "carol-checked-1"}]
    container_id, data = deployed_nas.container().id, deployed_nas.data_snapshot()
    deployed_nas.reset_dsm_counters()
    process = deployed_nas.site(anki_sync_server_users=users, **overrides)
    assert named in process.stdout, process.stdout[-3000:]
    assert "Nothing was changed" in process.stdout, process.stdout[-3000:]
    assert_stopped_before_any_change(deployed_nas, process, container_id, data)
    deployed_nas.assert_serves_every_users_notes()
