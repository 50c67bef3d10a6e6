"""Full syncs of generated collections (transfer_rows: the table's rows) and many users at once, each client a
real Anki client in its own process (benchmarks/sync_worker.py)."""

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import decks

MB = 1_000_000
ROOT = Path(__file__).resolve().parent.parent


def _worker(args, env, timeout=900):
    command = [sys.executable, "-m", "benchmarks.sync_worker", *args]
    done = subprocess.run(
        command, cwd=ROOT, env=dict(os.environ, **env), capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"sync worker {args[0]} failed: {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def full_transfer(endpoint, env, user, password, collection, workdir):
    """Full upload of collection, then a fresh client's full download, for user; the timings of both."""
    workdir = Path(workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    (workdir / "up").mkdir(parents=True)
    shutil.copy(collection, workdir / "up" / "collection.anki2")
    up = _worker(["upload", endpoint, user, password, str(workdir / "up")], env)
    down = _worker(["download", endpoint, user, password, str(workdir / "down")], env)
    shutil.rmtree(workdir, ignore_errors=True)
    if down["notes"] != up["notes"]:
        raise RuntimeError(f"{user}: uploaded {up['notes']} notes, downloaded {down['notes']}")
    return {"upload": up, "download": down}


def percentile(values, fraction):
    """The nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def many_users(endpoint, env, users, workdir, notes=200):
    """Every user at once: login + full upload, then a fresh client's full download; per-sync timings."""
    workdir = Path(workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    processes = []
    for user in users:
        directory = workdir / user["name"]
        args = ["roundtrip", endpoint, user["name"], user["password"], str(directory), str(notes)]
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "benchmarks.sync_worker", *args],
                cwd=ROOT,
                env=dict(os.environ, **env),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    try:
        for process in processes:
            line = process.stdout.readline()
            if line.strip() != "ready":
                raise RuntimeError(f"a client did not get ready: {line!r} {process.stderr.read()[-2000:]}")
        started = time.monotonic()
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        results, failures = [], []
        for user, process in zip(users, processes, strict=True):
            out, err = process.communicate(timeout=600)
            if process.returncode != 0:
                failures.append(
                    f"{user['name']}: {err.strip().splitlines()[-1] if err.strip() else process.returncode}"
                )
                continue
            result = json.loads(out.strip().splitlines()[-1])
            if not result["ok"]:
                failures.append(f"{user['name']}: the downloaded collection differs")
            results.append(result)
        wall = time.monotonic() - started
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    syncs = [r["upload"] for r in results] + [r["download"] for r in results]
    logins = [login for r in results for login in r["logins"]]
    return {
        "users": len(users),
        "succeeded": len(results) - sum(1 for r in results if not r["ok"]),
        "failures": failures,
        "wall": wall,
        "sync_p50": statistics.median(syncs) if syncs else None,
        "sync_p95": percentile(syncs, 0.95) if syncs else None,
        "login_p50": statistics.median(logins) if logins else None,
        "roundtrip_p50": statistics.median(r["sync"] for r in results) if results else None,
        "roundtrip_p95": percentile([r["sync"] for r in results], 0.95) if results else None,
    }


def transfer_rows(endpoints, users, sizes_mb, workdir, part="5"):
    """Full upload and a fresh client's full download of generated collections of each size, at each endpoint.

    endpoints: {label: (base URL, client environment)}, in order (put "direct" first: later labels get a ratio to
    it); users: [{"name", "password"}] of the server (reused round-robin); sizes_mb: e.g. [10, 100, 400].
    Returns rows in benchmarks/report.py's shape. A transfer that fails (e.g. the client's I/O timeout) is a row
    saying so, not an exception: that is a result too.
    """
    workdir = Path(workdir)
    rows, seconds = [], {}
    for index, size in enumerate(sizes_mb):
        print(f"[bench] generating a {size} MB collection", flush=True)
        path, notes, actual = decks.make_sized_collection(workdir / "decks" / str(size), size * MB)
        for offset, (label, (endpoint, env)) in enumerate(endpoints.items()):
            user = users[(index * len(endpoints) + offset) % len(users)]
            print(f"[bench] {actual / MB:.0f} MB: full upload and download, {label}", flush=True)
            started = time.monotonic()
            try:
                got = full_transfer(endpoint, env, user["name"], user["password"], path, workdir / "client")
            except RuntimeError as failure:
                reason = str(failure).strip().splitlines()[-1][:160]
                rows.append(
                    {
                        "part": part,
                        "case": f"full upload + download, {actual / MB:.1f} MB collection ({notes} notes), {label}",
                        "time": f"failed after {time.monotonic() - started:.0f} s",
                        "rate / ratio": reason,
                    }
                )
                continue
            for direction in ("upload", "download"):
                took = got[direction]["transfer"]
                seconds[(size, label, direction)] = took
                direct = seconds.get((size, "direct", direction))
                ratio = f", {took / direct:.2f}x direct" if direct and label != "direct" else ""
                rows.append(
                    {
                        "part": part,
                        "case": f"full {direction}, {actual / MB:.1f} MB collection ({notes} notes), {label}",
                        "time": f"{took:.2f} s",
                        "rate / ratio": f"{actual / MB / took:.0f} MB/s{ratio}",
                    }
                )
        shutil.rmtree(path.parent, ignore_errors=True)
    return rows
