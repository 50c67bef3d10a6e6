"""The benchmarks of ankinas.synology (`make bench`); not part of the test suite.

    python -m benchmarks.run [--sizes 10,100,250] [--users 20] [--repeat 3] [--keep]

On its own simulated NAS (SIMNAS_HOME under .cache/bench/, free ports), with its own container, network and
host port, and a counting proxy in front of the Docker Engine:
  1. the site playbook's idempotent rerun next to the Ansible floor (a generated play with as many no-op
     tasks, on the same hosts), with the DSM, Portainer and Docker calls it makes, split reads/writes;
  2. a fresh converge on an empty simulated NAS, the same way;
  3. full upload and full download of generated collections, directly to the container's port and through
     the NAS's HTTPS reverse proxy;
  4. many users syncing at once through the proxy (p50/p95 per sync).
Prints one table and writes benchmarks/RESULTS.md. Removes what it created, also on failure.
"""

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import time
import traceback
from pathlib import Path

import docker
from simnas.connect_proxy import ConnectProxy
from simnas.server import free_port

from benchmarks import decks, report, sync
from benchmarks.dockerproxy import CountingDockerProxy, split_calls
from benchmarks.nas import SimNas, dsm_split, portainer_split
from benchmarks.playbook import SITE, run_playbook, write_floor_play

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
IMAGE = "jeankhawand/anki-sync-server:25.07"
MB = 1_000_000
FQDN = "anki.nas.test"  # reverse_proxy_source_host of inventories/demo; the simulated NAS has its certificate


def engine_socket():
    host = os.environ.get("DOCKER_HOST", "")
    return host[len("unix://") :] if host.startswith("unix://") else "/var/run/docker.sock"


def bench_users(count):
    return [
        {"name": f"bench{number:02d}", "password": f"bench-password-{number:02d}"} for number in range(1, count + 1)
    ]


class Bench:
    def __init__(self, args):
        self.args = args
        self.run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        self.work = ROOT / ".cache" / "bench" / self.run_id
        self.name = f"ankinas-bench-{os.getpid()}"
        self.host_port = free_port()
        self.rows = []
        self.sections = {}
        self.nas = None
        self.proxy = None
        self.tunnel = None

    # --- plumbing ------------------------------------------------------------------------------
    def site_vars(self, users=None):
        extra = {
            "anki_sync_server_container_name": self.name,
            "anki_sync_server_network": self.name,
            "anki_sync_server_portainer_stack_name": self.name,
            "anki_sync_server_host_port": self.host_port,
            "anki_sync_server_docker_host": "unix:///volume1/docker-proxy.sock",  # self.proxy, as the NAS sees it
        }
        if users is not None:
            extra["anki_sync_server_users"] = users
        return extra

    def measured(self, label, playbook, extra_vars):
        """Run a playbook with fresh counters; (Run, counters)."""
        self.nas.reset_counters()
        self.proxy.reset()
        run = run_playbook(playbook, self.work / "runs", self.nas.env, extra_vars, profile_name=label)
        counters = self.nas.counters()
        counters["docker"] = self.proxy.snapshot()
        return run, counters

    def call_columns(self, counters):
        logins, dsm_reads, dsm_writes, _calls = dsm_split(counters["dsm"])
        _auth, p_reads, p_writes, _routes = portainer_split(counters["portainer"])
        d_reads, d_writes = split_calls(counters["docker"])
        return {
            "DSM logins": logins,
            "DSM r/w": f"{dsm_reads}/{dsm_writes}",
            "Portainer r/w": f"{p_reads}/{p_writes}",
            "Docker r/w": f"{d_reads}/{d_writes}",
        }

    def calls_detail(self, title, counters):
        _l, _r, _w, dsm_calls = dsm_split(counters["dsm"])
        lines = [f"**{title}**", ""]
        lines.append("- DSM: " + (", ".join(f"`{k}` {v}" for k, v in sorted(dsm_calls.items())) or "none"))
        lines.append(
            "- Portainer: "
            + (", ".join(f"`{k}` {v}" for k, v in sorted(counters["portainer"].get("calls", {}).items())) or "none")
        )
        lines.append("- Docker: " + (", ".join(f"`{k}` {v}" for k, v in sorted(counters["docker"].items())) or "none"))
        return "\n".join(lines)

    def cleanup(self):
        with contextlib.suppress(Exception):
            client = docker.APIClient(base_url=f"unix://{engine_socket()}")
            with contextlib.suppress(docker.errors.NotFound):
                client.remove_container(self.name, force=True)
            with contextlib.suppress(docker.errors.NotFound):
                client.remove_network(self.name)
            client.close()
        if self.nas is not None:
            with contextlib.suppress(Exception):
                self.nas.stop(remove=not self.args.keep)
        if self.proxy is not None:
            self.proxy.stop()
        if self.tunnel is not None:
            self.tunnel.stop()
        if not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)
            with contextlib.suppress(OSError):
                (ROOT / ".cache" / "bench").rmdir()

    # --- parts 1 and 2 ---------------------------------------------------------------------------
    def site(self):
        print(f"[bench] simulated NAS in {self.nas.home}; container {self.name} on port {self.host_port}", flush=True)
        fresh, fresh_counters = self.measured("fresh", SITE, self.site_vars())
        self.rows.append(
            {
                "part": "2",
                "case": f"site.yml fresh converge, empty NAS ({fresh.changed} changed, {len(fresh.tasks)} tasks)",
                "time": f"{fresh.seconds:.1f} s",
                "rate / ratio": "",
                **self.call_columns(fresh_counters),
            }
        )
        details = [self.calls_detail("Fresh converge (2 users)", fresh_counters)]

        reruns, floors, module_floors, rerun_counters = [], [], [], None
        for attempt in range(self.args.repeat):
            rerun, counters = self.measured(f"rerun-{attempt}", SITE, self.site_vars())
            if rerun.changed:
                raise RuntimeError(f"the rerun changed {rerun.changed} task(s):\n{rerun.recap}")
            rerun_counters = rerun_counters or counters
            floor_play = write_floor_play(self.work / "floor.yml", rerun, with_modules=False)
            module_play = write_floor_play(self.work / "floor-modules.yml", rerun, with_modules=True)
            floor, _floor_counters = self.measured(f"floor-{attempt}", floor_play, None)
            module_floor, _module_counters = self.measured(f"floor-modules-{attempt}", module_play, None)
            reruns.append(rerun)
            floors.append(floor.seconds)
            module_floors.append(module_floor.seconds)
        rerun_s = statistics.median(run.seconds for run in reruns)
        floor_s, module_floor_s = statistics.median(floors), statistics.median(module_floors)
        tasks, modules = len(reruns[0].tasks), len(reruns[0].module_tasks)
        self.rows.append(
            {
                "part": "1",
                "case": f"site.yml idempotent rerun, 2 users (changed=0, {tasks} tasks, median of {len(reruns)})",
                "time": f"{rerun_s:.1f} s",
                "rate / ratio": f"{rerun_s / floor_s:.1f}x floor",
                **self.call_columns(rerun_counters),
            }
        )
        self.rows.append(
            {
                "part": "1",
                "case": f"Ansible floor: {tasks} debug no-op tasks, same hosts",
                "time": f"{floor_s:.1f} s",
                "rate / ratio": "1.0x",
            }
        )
        self.rows.append(
            {
                "part": "1",
                "case": f"module floor: same, with {modules} of them `ping` modules (as many as site.yml runs)",
                "time": f"{module_floor_s:.1f} s",
                "rate / ratio": f"{module_floor_s / floor_s:.1f}x floor",
            }
        )
        details.append(self.calls_detail("Idempotent rerun (2 users)", rerun_counters))
        self.sections["Where the rerun's time goes (slowest tasks, first rerun)"] = slowest(reruns[0])

        users = bench_users(self.args.users)
        grow, grow_counters = self.measured("grow", SITE, self.site_vars(users))
        self.rows.append(
            {
                "part": "1",
                "case": f"site.yml converge from 2 to {len(users)} users ({grow.changed} changed)",
                "time": f"{grow.seconds:.1f} s",
                **self.call_columns(grow_counters),
            }
        )
        many, many_counters = self.measured("rerun-users", SITE, self.site_vars(users))
        if many.changed:
            raise RuntimeError(f"the {len(users)}-user rerun changed {many.changed} task(s):\n{many.recap}")
        self.rows.append(
            {
                "part": "1",
                "case": f"site.yml idempotent rerun, {len(users)} users (changed=0)",
                "time": f"{many.seconds:.1f} s",
                "rate / ratio": f"{many.seconds / floor_s:.1f}x floor",
                **self.call_columns(many_counters),
            }
        )
        details.append(self.calls_detail(f"Idempotent rerun ({len(users)} users)", many_counters))
        self.sections[f"Where the {len(users)}-user rerun's time goes (slowest tasks)"] = slowest(many)
        self.sections["Calls per run"] = "\n\n".join(details)
        return users

    # --- parts 3 and 4 ---------------------------------------------------------------------------
    def endpoints(self):
        # anki.nas.test does not resolve here: the client reaches nginx through a CONNECT tunnel to
        # 127.0.0.1 (HTTPS_PROXY), so SNI and the certificate check stay real; rustls trusts SSL_CERT_FILE.
        proxy_env = {"SSL_CERT_FILE": self.nas.ca, "HTTPS_PROXY": self.tunnel.url, "https_proxy": self.tunnel.url}
        return {
            "direct": (f"http://127.0.0.1:{self.host_port}/", {}),
            "HTTPS proxy": (f"https://{FQDN}:{self.nas.https_port}/", proxy_env),
        }

    def transfers(self, users):
        paths = self.endpoints()
        results = {}
        for index, size in enumerate(self.args.sizes):
            print(f"[bench] generating a {size} MB collection", flush=True)
            path, notes, actual = decks.make_sized_collection(self.work / "decks" / str(size), size * MB)
            for offset, (label, (endpoint, env)) in enumerate(paths.items()):
                user = users[(index * len(paths) + offset) % len(users)]
                print(f"[bench] {actual / MB:.0f} MB: full upload and download, {label}", flush=True)
                got = sync.full_transfer(endpoint, env, user["name"], user["password"], path, self.work / "client")
                results[(size, label)] = got
                for direction in ("upload", "download"):
                    seconds = got[direction]["transfer"]
                    ratio = ""
                    if label != "direct" and (size, "direct") in results:
                        ratio = f", {seconds / results[(size, 'direct')][direction]['transfer']:.2f}x direct"
                    self.rows.append(
                        {
                            "part": "3",
                            "case": f"full {direction}, {actual / MB:.1f} MB collection ({notes} notes), {label}",
                            "time": f"{seconds:.2f} s",
                            "rate / ratio": f"{actual / MB / seconds:.0f} MB/s{ratio}",
                        }
                    )
            shutil.rmtree(path.parent, ignore_errors=True)

    def many_users(self, users):
        label, (endpoint, env) = list(self.endpoints().items())[-1]
        print(f"[bench] {len(users)} users syncing at once, {label}", flush=True)
        got = sync.many_users(endpoint, env, users, self.work / "many")
        if got["failures"]:
            raise RuntimeError(f"{len(got['failures'])} of {len(users)} users failed: {got['failures']}")
        self.rows.append(
            {
                "part": "4",
                "case": f"{got['succeeded']}/{got['users']} users at once, {label}: login + full upload, "
                "fresh client's full download (200 notes)",
                "time": f"{got['wall']:.1f} s wall",
                "rate / ratio": f"per sync p50 {got['sync_p50']:.2f} s, p95 {got['sync_p95']:.2f} s "
                f"(of which login p50 {got['login_p50']:.2f} s); "
                f"per user p50 {got['roundtrip_p50']:.2f} s, p95 {got['roundtrip_p95']:.2f} s",
            }
        )

    # --- all -----------------------------------------------------------------------------------------
    def run(self):
        started, clock, load_start = report.now(), time.monotonic(), os.getloadavg()
        self.work.mkdir(parents=True, exist_ok=True)
        self.nas = SimNas(self.work / "simnas").start()
        # The Docker tasks run on the NAS (become) against a unix socket: the counting proxy listens in the NAS's
        # /volume1, which is a folder of this machine.
        self.proxy = CountingDockerProxy(self.nas.home / "volumes" / "volume1" / "docker-proxy.sock", engine_socket())
        self.proxy.start()
        self.tunnel = ConnectProxy().start()
        try:
            users = self.site()
            self.many_users(users)
            self.transfers(users)
        except Exception:
            traceback.print_exc()
            print(f"[bench] failed; logs were in {self.work} (kept with --keep)", file=sys.stderr)
            raise
        finally:
            self.cleanup()
        elapsed = time.monotonic() - clock
        print()
        print(report.table(self.rows))
        findings = HERE / "findings.md"
        self.sections["Method and findings"] = findings.read_text() if findings.is_file() else ""
        self.sections["_image"] = IMAGE
        if self.args.results:
            report.write_results(
                self.args.results, started, elapsed, self.rows, self.sections, "make bench", load_start
            )
            print(f"\n[bench] wrote {self.args.results} ({elapsed / 60:.1f} min)")


def slowest(run, count=8):
    lines = ["| task | action | seconds |", "|---|---|---|"]
    for task in sorted(run.tasks, key=lambda t: -t["seconds"])[:count]:
        lines.append(f"| {task['name']} | `{task['action']}` | {task['seconds']:.2f} |")
    total = sum(t["seconds"] for t in run.tasks)
    lines.append(f"| all {len(run.tasks)} tasks | | {total:.2f} (process {run.seconds:.2f}) |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,100,250", help="collection sizes in MB (comma-separated)")
    parser.add_argument("--users", type=int, default=20, help="users syncing at once")
    parser.add_argument("--repeat", type=int, default=3, help="idempotent reruns (and floors) to take the median of")
    parser.add_argument("--results", default=str(HERE / "RESULTS.md"), help="results file ('' for none)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, task timings)")
    args = parser.parse_args(argv)
    args.sizes = [int(size) for size in args.sizes.split(",") if size]
    Bench(args).run()


if __name__ == "__main__":
    main()
