"""The simulated Synology NAS that the tests, molecule and the demo run against.

It is made of a DSM Web API server (simnas.dsm), a Portainer API server (simnas.portainer), the
real Docker Engine of this machine and a real nginx that serves the reverse-proxy rules. /volumeN on
the NAS maps to $SIMNAS_HOME/volumes/volumeN on this machine. What drives it from outside (running modules and
playbooks, the Anki client, the demo's end) is the harness, tests/harness; simnas never imports it.
"""
