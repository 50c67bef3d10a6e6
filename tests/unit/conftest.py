# Copyright: ankinas.synology contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The unit tests' temporary files (tmp_path) stay in the collection's tests/output, not in /tmp: ansible-test runs
pytest without TMPDIR, from a copy of the collection under build/, whose tests/output it keeps."""

from pathlib import Path

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    # pytest-xdist gives its workers a basetemp of their own under the controller's.
    if config.option.basetemp is None and not hasattr(config, "workerinput"):
        config.option.basetemp = str(Path(config.rootpath) / "tests" / "output" / ".tmp" / "pytest")
