.PHONY: setup demo test sanity lint bench images clean

setup:        ## install and start everything (apt, .venv, collections, dockerd, images)
	scripts/setup.sh

demo:         ## the main job: start the simulated NAS and run playbooks/site.yml against it
	scripts/demo.sh

test:         ## the whole test suite (what CI runs)
	scripts/test.sh

sanity:
	scripts/sanity.sh

bench:        ## benchmarks (not part of the test suite); writes benchmarks/RESULTS.md
	scripts/bench.sh

clean:
	rm -rf build .cache
