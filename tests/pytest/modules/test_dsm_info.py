"""dsm_info, run as Ansible runs it, against the simulated DSM."""

from harness.runner import run_module


def test_dsm_info_returns_the_version_facts(make_dsm):
    # A NAS without Container Manager: the expected APIs below are this test's, not the simulator's table.
    dsm = make_dsm(absent_apis=["SYNO.Docker.Project"])
    result = run_module("dsm_info", dsm.connection())
    assert not result.failed, result.get("msg")
    assert result["changed"] is False
    assert result["dsm"] == {
        "version_string": "DSM 7.2.2-72806 Update 3",
        "major": 7,
        "minor": 2,
        "micro": 2,
        "build": 72806,
        "update_number": 3,
        "update": 3,
        "model": "DS920+",
        "source": "SYNO.DSM.Info",
    }
    assert result["apis"] == {
        "reverse_proxy": True,
        "backup_task": True,
        "docker_project": False,
        "shared_folder": True,
    }
    counters = dsm.counters()
    assert counters["logins_succeeded"] == counters["logouts"] == 1
    assert dsm.password not in result.stdout + result.stderr


def test_dsm_info_falls_back_to_core_system_on_dsm6(make_dsm):
    dsm = make_dsm(personality="dsm6", absent_apis=["SYNO.DSM.Info"])
    result = run_module("dsm_info", dsm.connection(), check=True)
    assert not result.failed, result.get("msg")
    assert result["dsm"]["source"] == "SYNO.Core.System"
    assert (result["dsm"]["major"], result["dsm"]["minor"], result["dsm"]["build"]) == (6, 2, 25556)
    assert dsm.counters()["login_versions"] == {"6": 1}


def test_dsm_info_failure_names_code_and_hides_the_password(dsm):
    result = run_module("dsm_info", dsm.connection(dsm_password="not-" + dsm.password))
    assert result.failed
    assert "SYNO.API.Auth login failed: DSM error 400" in result["msg"]
    assert ("not-" + dsm.password) not in result.stdout + result.stderr


def test_connection_options_come_from_the_environment(dsm):
    env = {"DSM_URL": dsm.url, "DSM_USERNAME": "admin", "DSM_PASSWORD": dsm.password, "DSM_CA_PATH": dsm.ca_path}
    result = run_module("dsm_info", {}, env=env)
    assert not result.failed, result.get("msg")


def test_bad_url_is_refused_before_any_request(dsm):
    result = run_module("dsm_info", dsm.connection(dsm_url=dsm.url + "/webapi"))
    assert result.failed and "dsm_url" in result["msg"]
    assert dsm.counters()["logins_attempted"] == 0


def test_a_nas_certificate_not_trusted_is_named_with_the_way_to_trust_it(dsm):
    # Without dsm_ca_path the system's CAs do not know the simulated NAS's own CA: no request reaches DSM.
    result = run_module("dsm_info", dsm.connection(dsm_ca_path=None))
    assert result.failed, result
    assert "CERTIFICATE_VERIFY_FAILED" in result["msg"], result["msg"]
    assert "trust the NAS certificate with dsm_ca_path" in result["msg"], result["msg"]
    assert dsm.counters()["logins_attempted"] == 0, dsm.counters()
