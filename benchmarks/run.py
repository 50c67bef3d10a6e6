"""The benchmarks of ankinas.synology (`make bench`); not part of the test suite.

    python -m benchmarks.run [--fleet 1,4,8] [--methods docker,portainer,container_manager] [--repeat 3]
                             [--parts fleet,methods,floors,users,cards,transfers] [--users 20] [--notes 10000]
                             [--sizes 10,100,400] [--results PATH] [--keep]

Every simulated NAS has its own SIMNAS_HOME under $TMPDIR/ankinas-bench-RUN/, its own DSM, Portainer, SSH
host, free ports, container, network and host port, and a counting proxy in front of the Docker Engine
(benchmarks/nas.py).
  1. fleet: site.yml on 1, 4 and 8 NAS in one inventory, with Ansible's default forks and forks = hosts:
     fresh converge and idempotent rerun (the median of --repeat), wall time per run and per NAS, DSM logins
     per NAS;
  2. methods: per deploy method (docker over SSH, portainer, container_manager with no SSH): fresh
     converge, idempotent rerun (the median of --repeat), upgrade 25.07 -> 25.09, with the calls per API;
  3. floors: the idempotent rerun next to its floors in one run (a no-op play with as many tasks, and the
     same with `ping` where the rerun ran a module, where it ran it), medians of --repeat;
  then, on the floors' NAS grown to --users users: many users syncing at once through the HTTPS proxy, and
  parts 4 (cards from code, benchmarks/notes.py) and 5 (full syncs at --sizes MB, sync.transfer_rows).
Each case holds /tmp/ankinas-heavy.lock while it runs (others' molecule and tests get it between cases).
Prints one table and writes benchmarks/RESULTS.md. Removes what it created, also on failure.
"""

import argparse
import contextlib
import fcntl
import os
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path

from harness.connect_proxy import ConnectProxy

from benchmarks import notes, report, sync
from benchmarks.dockerproxy import split_calls
from benchmarks.nas import Fleet, dsm_split, portainer_split
from benchmarks.playbook import CONTROLLER_ONLY, SITE, run_playbook, write_floor_play

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
IMAGE = "jeankhawand/anki-sync-server:25.07"
UPGRADE_TAG = "25.09"
HEAVY_LOCK = "/tmp/ankinas-heavy.lock"
ANSIBLE_DEFAULT_FORKS = 5
FQDN = "anki.nas.test"  # reverse_proxy_source_host of inventories/demo; the simulated NAS has its certificate
PARTS = ("fleet", "methods", "floors", "users", "cards", "transfers")
PART_NUMBERS = {"fleet": "1", "methods": "2", "floors": "3"}


@contextlib.contextmanager
def heavy_lock(label):
    """The machine-wide lock of heavy runs, held for one case only."""
    with open(HEAVY_LOCK, "a") as handle:
        waited = time.monotonic()
        fcntl.flock(handle, fcntl.LOCK_EX)
        if time.monotonic() - waited > 1:
            print(f"[bench] waited {time.monotonic() - waited:.0f} s for {HEAVY_LOCK}", flush=True)
        print(f"[bench] {label}", flush=True)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def bench_users(count):
    return [
        {"name": f"bench{number:02d}", "password": f"bench-password-{number:02d}"} for number in range(1, count + 1)
    ]


def spread(values):
    """'1' when all values are 1, else 'min-max' (or the one value)."""
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}-{high}"


def span(seconds):
    """'11.2-14.0 s': the fastest and the slowest of repeated runs."""
    return f"{min(seconds):.1f}-{max(seconds):.1f} s"


def call_columns(per_nas):
    """The table's call columns for a list of per-NAS counters: per NAS (a range where they differ)."""
    dsm = [dsm_split(c["dsm"]) for c in per_nas]
    portainer = [portainer_split(c["portainer"]) for c in per_nas]
    docker = [split_calls(c["docker"]) for c in per_nas]
    return {
        "DSM logins": spread([d[0] for d in dsm]),
        "DSM r/w": f"{spread([d[1] for d in dsm])}/{spread([d[2] for d in dsm])}",
        "Portainer r/w": f"{spread([p[1] for p in portainer])}/{spread([p[2] for p in portainer])}",
        "Docker r/w": f"{spread([d[0] for d in docker])}/{spread([d[1] for d in docker])}",
    }


def calls_detail(title, counters):
    _l, _r, _w, dsm_calls = dsm_split(counters["dsm"])
    lines = [f"**{title}**", ""]
    lines.append("- DSM: " + (", ".join(f"`{k}` {v}" for k, v in sorted(dsm_calls.items())) or "none"))
    portainer = counters["portainer"].get("calls", {})
    lines.append("- Portainer: " + (", ".join(f"`{k}` {v}" for k, v in sorted(portainer.items())) or "none"))
    lines.append("- Docker: " + (", ".join(f"`{k}` {v}" for k, v in sorted(counters["docker"].items())) or "none"))
    return "\n".join(lines)


class Bench:
    def __init__(self, args):
        self.args = args
        self.run_id = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        # Short: each NAS's counting Docker proxy is a unix socket in its home (a path of at most 107 bytes).
        self.work = Path(tempfile.gettempdir()) / f"ankinas-bench-{self.run_id}"
        self.rows = []
        self.sections = {}
        self.fleets = []

    # --- plumbing ------------------------------------------------------------------------------
    def fleet(self, name, count, method="docker"):
        fleet = Fleet(self.work / name, count, method, prefix=f"ankinas-bench-{name}")
        self.fleets.append(fleet)
        return fleet.start()

    def retire(self, fleet):
        fleet.stop(remove=not self.args.keep)
        self.fleets.remove(fleet)

    def measured(self, fleet, label, playbook=SITE, extra_vars=None, forks=None):
        """Run a playbook on the fleet with fresh counters; (Run, per-NAS counters)."""
        fleet.reset_counters()
        run = run_playbook(playbook, fleet.inventory, self.work / "runs", None, extra_vars, label, forks)
        return run, fleet.counters()

    def idempotent(self, fleet, label, **kwargs):
        run, counters = self.measured(fleet, label, **kwargs)
        if run.changed:
            raise RuntimeError(f"{label} changed {run.changed} task(s):\n{run.recap}")
        return run, counters

    def median_rerun(self, fleet, label, **kwargs):
        """--repeat idempotent reruns back to back: (the median run, its counters, every run's seconds). One rerun's
        time varies by up to a third on an idle machine (benchmarks/findings.md item 12): a single run is no figure."""
        runs = [self.idempotent(fleet, f"{label}-{attempt}", **kwargs) for attempt in range(self.args.repeat)]
        runs.sort(key=lambda pair: pair[0].seconds)
        run, counters = runs[(len(runs) - 1) // 2]
        return run, counters, [pair[0].seconds for pair in runs]

    def cleanup(self):
        for fleet in list(self.fleets):
            with contextlib.suppress(Exception):
                self.retire(fleet)
        if not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)

    # --- part 1: a fleet -----------------------------------------------------------------------
    def part_fleet(self):
        lines = [
            "| NAS | forks | run | wall | wall / NAS | busy per NAS (median) | DSM logins per NAS | fleet memory |",
            "|" + "---|" * 8,
        ]
        for count in self.args.fleet:
            forks_cases = [None] if count <= ANSIBLE_DEFAULT_FORKS else [None, count]
            for forks in forks_cases:
                shown = forks or ANSIBLE_DEFAULT_FORKS
                name = f"fleet{count}-forks{shown}"
                with heavy_lock(f"fleet: {count} NAS, forks {shown}"):
                    available = mem_available()
                    fleet = self.fleet(name, count)
                    try:
                        fresh, fresh_counters = self.measured(fleet, f"{name}-fresh", forks=forks)
                        memory = f"{(available - mem_available()) / 2**30:.1f} GiB"
                        rerun, rerun_counters, rerun_times = self.median_rerun(fleet, f"{name}-rerun", forks=forks)
                    finally:
                        self.retire(fleet)
                same = " (>= hosts)" if count <= ANSIBLE_DEFAULT_FORKS else ""
                for label, run, counters in (
                    ("fresh converge", fresh, fresh_counters),
                    (f"idempotent rerun (median of {len(rerun_times)}: {span(rerun_times)})", rerun, rerun_counters),
                ):
                    columns = call_columns(counters)
                    self.rows.append(
                        {
                            "part": "1",
                            "case": f"fleet: site.yml {label}, {count} NAS, forks {shown}{same}",
                            "time": f"{run.seconds:.1f} s",
                            "rate / ratio": f"{run.seconds / count:.1f} s per NAS; "
                            f"busy per NAS {run.busy_median():.1f} s",
                            **columns,
                        }
                    )
                    lines.append(
                        f"| {count} | {shown}{same} | {label} | {run.seconds:.1f} s | {run.seconds / count:.1f} s"
                        f" | {run.busy_median():.1f} s | {columns['DSM logins']} | {memory} |"
                    )
        self.sections["Fleet: wall time per run and per NAS"] = "\n".join(lines)

    # --- part 2: every deploy method -----------------------------------------------------------
    def part_methods(self):
        details = []
        for method in self.args.methods:
            with heavy_lock(f"methods: {method}"):
                fleet = self.fleet(f"method-{method}", 1, method)
                try:
                    fresh, fresh_counters = self.measured(fleet, f"{method}-fresh")
                    rerun, rerun_counters, rerun_times = self.median_rerun(fleet, f"{method}-rerun")
                    upgrade_vars = {"anki_sync_server_image_tag": UPGRADE_TAG}
                    upgrade, upgrade_counters = self.measured(fleet, f"{method}-upgrade", extra_vars=upgrade_vars)
                    after, _after_counters = self.idempotent(fleet, f"{method}-upgraded-rerun", extra_vars=upgrade_vars)
                finally:
                    self.retire(fleet)
            for label, run, counters in (
                ("fresh converge", fresh, fresh_counters),
                (f"idempotent rerun, median of {len(rerun_times)}: {span(rerun_times)}", rerun, rerun_counters),
                (f"upgrade 25.07 -> {UPGRADE_TAG}", upgrade, upgrade_counters),
            ):
                self.rows.append(
                    {
                        "part": "2",
                        "case": f"{method}: {label} ({run.changed} changed, {len(run.module_runs())} modules run)",
                        "time": f"{run.seconds:.1f} s",
                        "rate / ratio": f"rerun after it {after.seconds:.1f} s, changed=0"
                        if "upgrade" in label
                        else "",
                        **call_columns(counters),
                    }
                )
                details.append(calls_detail(f"{method}, {label}", counters[0]))
        self.sections["Calls per API, per deploy method"] = "\n\n".join(details)

    # --- part 3: the rerun against its floors ------------------------------------------------------
    def part_floors(self):
        with heavy_lock("floors: fresh converge"):
            fleet = self.fleet("floors", 1)
            self.measured(fleet, "floors-fresh")
        try:
            reruns, floors, module_floors = [], [], []
            for attempt in range(self.args.repeat):
                with heavy_lock(f"floors: rerun and floors {attempt + 1}/{self.args.repeat}"):
                    rerun, counters = self.idempotent(fleet, f"rerun-{attempt}")
                    floor_play = write_floor_play(self.work / "floor.yml", rerun, with_modules=False)
                    module_play = write_floor_play(self.work / "floor-modules.yml", rerun, with_modules=True)
                    floors.append(self.measured(fleet, f"floor-{attempt}", floor_play)[0])
                    module_floors.append(self.measured(fleet, f"floor-modules-{attempt}", module_play)[0])
                    reruns.append(rerun)
            if {"users", "cards", "transfers"} & set(self.args.parts):
                with heavy_lock("clients: many users at once, cards from code, full syncs"):
                    try:
                        self.clients(fleet)
                    except Exception as error:  # the floors' rows stand; the clients' failure is a row
                        traceback.print_exc()
                        self.rows.append({"part": "5", "case": f"clients failed: {str(error)[:200]}"})
        finally:
            self.retire(fleet)
        median = statistics.median
        rerun_s = median(run.seconds for run in reruns)
        floor_s, module_s = median(run.seconds for run in floors), median(run.seconds for run in module_floors)
        tasks, modules = len(reruns[0].tasks), reruns[0].module_runs()
        on_nas = sum(1 for _task, got in modules if not got["controller"])
        self.rows += [
            {
                "part": "3",
                "case": f"rerun: site.yml idempotent rerun, docker, 1 NAS ({tasks} tasks, {len(modules)} modules run, "
                f"median of {len(reruns)})",
                "time": f"{rerun_s:.1f} s",
                "rate / ratio": f"{rerun_s / module_s:.2f}x module floor, {rerun_s / floor_s:.1f}x no-op floor",
                **call_columns(counters),
            },
            {
                "part": "3",
                "case": f"module floor: {tasks} tasks, {len(modules)} of them `ping` where the rerun ran a module "
                f"({on_nas} on the NAS over SSH, {len(modules) - on_nas} on the controller), the rest no-op",
                "time": f"{module_s:.1f} s",
                "rate / ratio": f"{module_s / floor_s:.1f}x no-op floor",
            },
            {
                "part": "3",
                "case": f"no-op floor: {tasks} `debug` tasks (skipped where the rerun's were), same host",
                "time": f"{floor_s:.1f} s",
                "rate / ratio": "1.0x",
            },
        ]
        self.sections["The rerun against its module floor, task by task (first rerun)"] = gap_by_task(
            reruns[0], module_floors[0]
        )
        self.sections["Calls of the idempotent rerun (docker, 1 NAS)"] = calls_detail("Idempotent rerun", counters[0])

    # --- on the floors' NAS: many users at once, cards from code (4), full syncs (5) -------------------
    def clients(self, fleet):
        """Grow the NAS to --users users (and one for the cards), then the client parts through its endpoints."""
        users = bench_users(self.args.users)
        cards = {"name": "cards", "password": "bench-password-cards"}
        grown, _counters = self.measured(fleet, "grow-users", extra_vars={"anki_sync_server_users": [*users, cards]})
        print(f"[bench] grew to {len(users) + 1} users in {grown.seconds:.1f} s", flush=True)
        nas = fleet.nas[0]
        tunnel = ConnectProxy().start()
        try:
            # anki.nas.test does not resolve here: the client reaches nginx through a CONNECT tunnel to
            # 127.0.0.1 (HTTPS_PROXY), so SNI and the certificate check stay real; rustls trusts SSL_CERT_FILE.
            proxy_env = {"SSL_CERT_FILE": nas.ca, "HTTPS_PROXY": tunnel.url, "https_proxy": tunnel.url}
            endpoints = {
                "direct": (f"http://127.0.0.1:{nas.host_port}/", {}),
                "HTTPS proxy": (f"https://{FQDN}:{nas.https_port}/", proxy_env),
            }
            if "users" in self.args.parts:
                self.many_users(endpoints["HTTPS proxy"], users)
            # Parts 4 and 5: benchmarks/notes.py and sync.transfer_rows (i17b), on this NAS's endpoints.
            if "cards" in self.args.parts:
                url, env = endpoints["HTTPS proxy"]
                rows, _details = notes.notes_rows(
                    url, env, cards["name"], cards["password"], self.work / "cards", count=self.args.notes, part="4"
                )
                self.rows += rows
            if "transfers" in self.args.parts:
                self.rows += sync.transfer_rows(endpoints, users, self.args.sizes, self.work / "transfers", part="5")
        finally:
            tunnel.stop()

    def many_users(self, endpoint, users):
        url, env = endpoint
        got = sync.many_users(url, env, users, self.work / "many")
        if got["failures"]:
            raise RuntimeError(f"{len(got['failures'])} of {len(users)} users failed: {got['failures']}")
        self.rows.append(
            {
                "part": "5",
                "case": f"{got['succeeded']}/{got['users']} users at once, HTTPS proxy: login + full upload, "
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
        failed = []
        try:
            for part in ("floors", "methods", "fleet"):
                if part not in self.args.parts:
                    continue
                try:
                    getattr(self, f"part_{part}")()
                except Exception as error:  # a failed part is a row; the other parts still run
                    traceback.print_exc()
                    failed.append(part)
                    reason = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
                    self.rows.append({"part": PART_NUMBERS[part], "case": f"{part} failed: {reason}"})
        finally:
            self.cleanup()
        elapsed = time.monotonic() - clock
        self.rows.sort(key=lambda row: row["part"])
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
        if failed:
            sys.exit(f"[bench] failed: {', '.join(failed)} (logs in {self.work} with --keep)")


def mem_available():
    """MemAvailable of this machine, in bytes (shared with others: an indication, not a measurement)."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return 0


def gap_by_task(rerun, floor):
    """The rerun's module runs next to their `ping` in the module floor, largest excess first."""
    host = rerun.hosts[0]
    pairs = []
    for task, floor_task in zip(rerun.tasks, floor.tasks, strict=True):
        got = task.get("hosts", {}).get(host)
        if got is None:
            continue
        pairs.append((task, got["seconds"], floor_task.get("hosts", {}).get(host, {}).get("seconds", 0.0)))
    lines = ["| task | action | where | rerun s | floor s | excess s |", "|---|---|---|---|---|---|"]
    others = [0.0, 0.0, 0]
    for task, seconds, floor_seconds in sorted(pairs, key=lambda p: p[2] - p[1]):
        got = task["hosts"][host]
        if seconds - floor_seconds < 0.05:
            others[0] += seconds
            others[1] += floor_seconds
            others[2] += 1
            continue
        if task["action"] in CONTROLLER_ONLY:
            where = "controller (no module)"
        else:
            where = "controller" if got["controller"] else ("NAS, root" if got["become"] else "NAS")
        lines.append(
            f"| {task['name']} | `{task['action']}` ({got['status']}) | {where} | {seconds:.2f} | {floor_seconds:.2f}"
            f" | {seconds - floor_seconds:+.2f} |"
        )
    lines.append(
        f"| the other {others[2]} tasks | | | {others[0]:.2f} | {others[1]:.2f} | {others[0] - others[1]:+.2f} |"
    )
    total, total_floor = rerun.seconds, floor.seconds
    lines.append(f"| whole play (process) | | | {total:.2f} | {total_floor:.2f} | {total - total_floor:+.2f} |")
    return "\n".join(lines)


def csv(kind):
    return lambda text: [kind(item) for item in text.split(",") if item]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", type=csv(str), default=list(PARTS), help="which parts (comma-separated)")
    parser.add_argument("--fleet", type=csv(int), default=[1, 4, 8], help="fleet sizes (comma-separated)")
    parser.add_argument(
        "--methods", type=csv(str), default=["docker", "portainer", "container_manager"], help="deploy methods"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="idempotent reruns (and floors) to take the median of, in every part"
    )
    parser.add_argument("--sizes", type=csv(int), default=[10, 100, 400], help="full-sync collection sizes in MB")
    parser.add_argument("--notes", type=int, default=10_000, help="notes anki_notes pushes (part 4)")
    parser.add_argument("--users", type=int, default=20, help="users syncing at once")
    parser.add_argument("--results", default=str(HERE / "RESULTS.md"), help="results file ('' for none)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, task timings)")
    Bench(parser.parse_args(argv)).run()


if __name__ == "__main__":
    main()
