.PHONY: help setup demo test lint sanity units matrix build galaxy images bench release clean
SHELL := /bin/bash

help:         ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

setup:        ## install and start everything (apt, .venv, collections, dockerd, images)
	scripts/setup.sh

demo:         ## the main job: start the simulated NAS and run playbooks/site.yml against it
	scripts/demo.sh

test:         ## the whole test suite (what CI runs)
	scripts/test.sh

lint:         ## ruff, yamllint, the NAS-side Python 3.8 check, ansible-lint (production profile), the changelog lint
	scripts/lint.sh

sanity:       ## ansible-test sanity on the ansible-core of .venv
	scripts/sanity.sh

units:        ## ansible-test units (tests/unit) on every ansible-core of tests/ansible-core-versions.txt
	scripts/units.sh

matrix:       ## ansible-test sanity and units on every ansible-core of tests/ansible-core-versions.txt (2.19-2.21)
	scripts/matrix.sh

build:        ## build the collection tarball, check its contents and install it offline (build/artifact)
	scripts/check-build.sh

galaxy:       ## the build, then Galaxy's importer (galaxy-importer) on its tarball
	scripts/check-build.sh && scripts/galaxy-importer.sh

images:       ## build the local images of the simulated NAS (skips current ones)
	scripts/build-images.sh

bench:        ## benchmarks (not part of the test suite); writes benchmarks/RESULTS.md
	scripts/bench.sh

release:      ## cut a release: make release VERSION=X.Y.Z (galaxy.yml, changelog.yaml, CHANGELOG.md)
	scripts/release.sh $(VERSION)

clean:        ## remove build output and caches (venvs of other ansible-core releases included)
	rm -rf build .cache
