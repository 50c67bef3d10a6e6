# shellcheck shell=bash
# shellcheck disable=SC2016 # the commands expand when a stage runs them
# The stages of `make test`, in the order scripts/test.sh reports them: the one list that scripts/test.sh runs and
# `make lint` (scripts/lint.sh) takes its group "lint" from. Each: ID, GROUP, NAME, COMMAND (a shell command line run
# from the checkout with scripts/env.sh sourced). Groups: lint, check (the other lane of make test after lint),
# pytest (its own lane), after (once both lanes are done).
STAGE_IDS=() STAGE_GROUPS=() STAGE_NAMES=() STAGE_COMMANDS=()
add_stage() {
  STAGE_IDS+=("$1") STAGE_GROUPS+=("$2") STAGE_NAMES+=("$3") STAGE_COMMANDS+=("$4")
}

add_stage 01-ruff lint "ruff" 'ruff check . && ruff format --check .'
add_stage 02-yamllint lint "yamllint" 'yamllint -s .'
add_stage 02b-nas-python lint "NAS-side code on DSM's Python 3.8 (vermin, 3.9 features, a real 3.8)" \
  'python scripts/nas-python.py'
# ansible-lint (ansible-compat) may install a built copy of the checkout under $ANSIBLE_HOME/collections; a copy an
# earlier run left there once shadowed the checkout, so ansible-lint judged stale files.
add_stage 03-ansible-lint lint "ansible-lint (production profile)" \
  'rm -rf "$ANSIBLE_HOME/collections/ansible_collections/ankinas" && ansible-lint --offline --profile production'
add_stage 04-changelog lint "changelog lint" \
  'antsibull-changelog lint && antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml'
add_stage 05-sanity check "ansible-test sanity" scripts/sanity.sh
add_stage 06-units check "ansible-test units (every ansible-core of tests/ansible-core-versions.txt)" scripts/units.sh
add_stage 07-build check "collection build and offline install" scripts/check-build.sh
add_stage 07b-galaxy-importer check "Galaxy's importer on the built tarball" scripts/galaxy-importer.sh
add_stage 08-molecule check "molecule" scripts/molecule-scenarios.sh
# The simulated NAS's images (a fresh machine builds them: debootstrap, DSM's Python, the Anki sync server's wheels),
# first in the pytest lane so that the lint lane, which needs no image, runs meanwhile; molecule waits for them too.
add_stage 09-images pytest "the simulated NAS's images" scripts/build-images.sh
# Module-scoped fixtures (a NAS deployed once for a file's tests) stay once per file: --dist loadfile, which hands
# out the files with the most tests first (pytest-xdist's default): the many short module and simulator tests run
# beside the lint lane, the few-test files that deploy whole NASes mostly after it (handing out the longest files
# first instead showed no gain: 1,072 s against 950-1,187 s, this machine's spread). Four workers on two cores: much
# of a test is waiting (DSM's scaled delays, containers starting, health checks), which the other workers fill. The
# JUnit report keeps every test's time, and playbook-runs.tsv every playbook run's wall and CPU time (where the time
# goes).
pytest_workers=${ANKINAS_PYTEST_WORKERS:-4}
add_stage 09-pytest pytest "pytest ($pytest_workers workers)" \
  "ANKINAS_PLAYBOOK_LOG=build/test-logs/playbook-runs.tsv pytest tests/pytest --numprocesses $pytest_workers \
     --dist loadfile --durations 15 --junitxml build/test-logs/pytest.xml"
add_stage 10-sandbox after "the run stayed in its sandbox (/etc/crontab, /, /tmp, .cache/simnas)" \
  'scripts/sandbox.sh compare build/test-run/sandbox-before build/test-run/private-tmp build/test-run/host-tmp'
