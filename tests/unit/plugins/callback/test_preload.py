# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preload callback's shared parse: a module's payload, built after it, parses only the module's own source,
and is the same payload as without it (on every ansible-core the units run on)."""

import base64
import io
import re
import sys
import zipfile
from pathlib import Path

import pytest
from ansible.executor import module_common
from ansible.template import Templar
from ansible_collections.ankinas.synology.plugins.callback import preload

MODULES = Path(preload.__file__).resolve().parent.parent / "modules"
TASK_VARS = {"ansible_python_interpreter": sys.executable, "ansible_playbook_python": sys.executable}


@pytest.fixture
def parses(monkeypatch):
    """The names module_common really parses from now on (the shared parse, once made, wraps this recorder)."""
    parsed = []
    real = module_common._compile_module_ast

    def recorder(module_name, source_code):
        parsed.append(module_name)
        return real(module_name, source_code)

    monkeypatch.setattr(module_common, "_compile_module_ast", recorder)
    return parsed


def payload_files(module, tmp_path, monkeypatch, label):
    """{path: source} of the zip in the payload Ansible builds for one of the collection's modules."""
    monkeypatch.setattr(module_common.C, "DEFAULT_LOCAL_TMP", str(tmp_path / label))  # a build of its own
    built = module_common.modify_module(
        module_name=f"ankinas.synology.{module}",
        module_path=str(MODULES / f"{module}.py"),
        module_args={},
        templar=Templar(loader=None),
        task_vars=TASK_VARS,
    )
    data = built.b_module_data
    zipped = re.search(rb"[\'\"]([A-Za-z0-9+/]{1000,}={0,2})[\'\"]", data)  # the zip, base64-encoded in a literal
    assert zipped, "no zip found in the payload"
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(zipped.group(1)))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_payload_built_after_the_shared_parse_parses_only_the_modules_own_source(parses, tmp_path, monkeypatch):
    shared = preload.share_module_parses()
    assert shared and shared >= 20
    assert "ansible.module_utils.basic" in parses
    assert f"{preload.COLLECTION_MODULE_UTILS}._dsm_client" in parses
    del parses[:]
    files = payload_files("dsm_http2", tmp_path, monkeypatch, "build")
    assert [name.rpartition(".")[2] for name in parses] == ["dsm_http2"], parses
    assert "ansible/module_utils/basic.py" in files
    assert "ansible_collections/ankinas/synology/plugins/module_utils/_dsm_client.py" in files


def test_the_shared_parse_builds_the_same_payload(parses, tmp_path, monkeypatch):
    without = payload_files("dsm_reverse_proxy", tmp_path, monkeypatch, "without")
    preload.share_module_parses()
    with_shared = payload_files("dsm_reverse_proxy", tmp_path, monkeypatch, "with")
    assert len(without) > 20
    assert with_shared == without


def test_a_changed_source_is_parsed_again(parses):
    preload.share_module_parses()
    del parses[:]
    module_common._compile_module_ast("probe_a", b"import ansible.module_utils.basic\n")
    module_common._compile_module_ast("probe_a", b"import ansible.module_utils.basic\n")
    module_common._compile_module_ast("probe_b", b"import ansible.module_utils.urls\n")
    assert parses == ["probe_a", "probe_b"]


def test_an_ansible_core_without_the_parse_function_is_left_alone(monkeypatch):
    monkeypatch.delattr(module_common, "_compile_module_ast")
    assert preload.share_module_parses() is None
    assert not hasattr(module_common, "_compile_module_ast")
