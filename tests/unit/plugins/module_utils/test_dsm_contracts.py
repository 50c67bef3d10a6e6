# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The table of DSM contracts is whole: every contract says how it is known, and what it needs exists."""

import re

import pytest
from ansible_collections.ankinas.synology.plugins.module_utils import _dsm_contracts as table
from ansible_collections.ankinas.synology.plugins.module_utils._dsm_probe import file_station_path, with_dependencies

REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


@pytest.mark.parametrize("contract", table.CONTRACTS, ids=lambda contract: contract.id)
def test_each_contract_says_how_it_is_known(contract):
    assert contract.status in table.STATUS_TEXT
    if contract.status in (table.VERIFIED, table.APP_ONLY):
        assert contract.sources, "a verified or app-only contract names its public source"
    for source in contract.sources:
        assert REPO.match(source.repo) and source.path and source.function and source.dsm
    if contract.status == table.USER_CAPTURE:
        assert contract.captures, "a contract verified by a user's capture names the capture (DSM version, issue)"
    for capture in contract.captures:
        assert capture.dsm.startswith("DSM ") and capture.reference
    if contract.status == table.UNVERIFIED:
        assert not contract.captures


@pytest.mark.parametrize("contract", table.CONTRACTS, ids=lambda contract: contract.id)
def test_each_contract_is_a_read_whose_placeholders_and_dependencies_exist(contract):
    assert contract.versions and all(isinstance(version, int) for version in contract.versions)
    for needed in contract.after:
        assert table.CONTRACTS.index(table.BY_ID[needed]) < table.CONTRACTS.index(contract), "dependencies run first"
    values = list(contract.params.values())
    values += [item for value in values if isinstance(value, list) for item in value]
    for value in values:
        if isinstance(value, str) and value.startswith("$"):
            assert value in table.PLACEHOLDERS
    assert set(contract.raw) <= set(contract.params)
    if contract.complete:
        list_key, total_key = contract.complete
        assert list_key in contract.shape and total_key in contract.shape


def test_the_ids_are_unique_and_the_writes_name_modules():
    assert len(table.BY_ID) == len(table.CONTRACTS)
    assert all(write.module and write.what for write in table.UNVERIFIED_WRITES)


def test_the_contracts_of_modules_bring_their_dependencies():
    chosen = with_dependencies(table.for_modules(["dsm_container_project"]))
    assert [contract.id for contract in chosen] == [
        "share_list",
        "project_list",
        "project_get",
        "file_info",
        "file_info_missing",
    ]
    assert "encryption_info" in [c.id for c in table.for_modules(["dsm_hyper_backup"])]
    assert "encryption_info" not in [c.id for c in table.for_modules(["dsm_hyper_backup"], https=True)]
    assert "api_info" not in [c.id for c in table.for_modules(table.DSM_MODULES)]


def test_file_station_paths():
    assert file_station_path("/volume1/docker/anki-server") == "/docker/anki-server"
    assert file_station_path("/volume12/docker/") == "/docker"
    assert file_station_path("/docker/anki-server") == "/docker/anki-server"
    assert file_station_path("") == ""
