"""The test harness: what the tests, molecule, the demo and the benchmarks use to drive the collection and the
simulated NAS (simnas), never part of the simulated NAS itself.

runner runs the collection's modules and playbooks as Ansible does; anki_client is a real Anki client;
connect_proxy reaches https://anki.nas.test without DNS; guide builds the setup guide's NAS by hand; expected holds
what the roles' defaults must produce; demo is the end of `make demo` (`python -m harness.demo URL`). The harness
uses the simulator (simnas); the simulator never imports the harness.
"""
