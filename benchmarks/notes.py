"""Cards from code at scale: ankinas.synology.anki_notes pushing N notes (10,000) into a user's collection that
already holds N notes, and what the user's device pays for it at its next sync.

    python -m benchmarks.notes [--notes 10000] [--quick]

Standalone it starts a sync server container of its own (free port, unique name, one user) and measures
direct to its port; benchmarks/run.py calls notes_rows() with its own endpoint (the HTTPS proxy) and user.

The cases, in this order, for one user whose server collection starts empty:
  - a device makes N notes and full-uploads them (setup, not a row);
  - the module's first push of N other notes (its cache is empty: a full download of the N, then N added and
    sent by a normal sync);
  - the rerun with nothing to do; a rerun with one note changed;
  - the device's next (normal) sync, which fetches the N new notes, against a fresh client's full download of the
    same 2N-note collection.
Each module run is the module's own process as Ansible starts it (python -m ...anki_notes ARGS.json): its wall
time, its peak resident memory (ru_maxrss of that process, the Rust backend included) and the bytes both ways
on the wire (benchmarks/sync_wire.py, TLS included when the endpoint is https).
"""

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from anki.collection import AddNoteRequest, Collection

from benchmarks import report
from benchmarks.sync_wire import CountingRelay

ROOT = Path(__file__).resolve().parent.parent
IMAGE = "jeankhawand/anki-sync-server:25.07"
MODULE = "ansible_collections.ankinas.synology.plugins.modules.anki_notes"
NOTE_TYPE = {
    "name": "Vocabulary (bench)",
    "fields": ["Word", "Translation", "Example"],
    "templates": [{"name": "Recognition", "front": "{{Word}}", "back": "{{FrontSide}}<hr>{{Translation}}"}],
}


def vocabulary(count):
    """count notes of the module's shape, about 100 bytes of text each, as a word list would give."""
    return [
        {
            "fields": {
                "Word": f"mot {number}",
                "Translation": f"word {number}",
                "Example": f"Une phrase d'exemple pour le mot numéro {number}.",
            },
            "tags": ["bench"],
        }
        for number in range(count)
    ]


def device_collection(directory, count):
    """A device's collection holding count Basic notes of its own; its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "collection.anki2"
    col = Collection(str(path))
    try:
        basic, deck_id = col.models.by_name("Basic"), col.decks.id("Default")
        requests = []
        for number in range(count):
            note = col.new_note(basic)
            note["Front"], note["Back"] = f"device note {number}", f"written on the device, {number}"
            requests.append(AddNoteRequest(note=note, deck_id=deck_id))
        col.add_notes(requests)
    finally:
        col.close()
    return path


def _env(extra):
    env = dict(os.environ, **extra)
    paths = [str(ROOT / ".collections"), str(ROOT / "tests"), str(ROOT)]
    env["PYTHONPATH"] = os.pathsep.join([*paths, env.get("PYTHONPATH", "")])
    return env


def _worker(args, env):
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.sync_worker", *args],
        cwd=ROOT,
        env=_env(env),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"sync worker {args[0]} failed: {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_module(args, env):
    """Runs anki_notes once as Ansible would; (result, seconds, peak RSS of that process in bytes)."""
    with tempfile.TemporaryDirectory(prefix="ankinas-bench-notes-") as scratch:
        args_path, out_path, err_path = (Path(scratch) / name for name in ("args.json", "out", "err"))
        args_path.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
        with out_path.open("wb") as out, err_path.open("wb") as err:
            started = time.monotonic()
            process = subprocess.Popen(
                [sys.executable, "-m", MODULE, str(args_path)], env=_env(env), stdout=out, stderr=err
            )
            # os.wait4 gives this child's own rusage (ru_maxrss in KiB), not the maximum over all children
            _pid, _status, usage = os.wait4(process.pid, 0)
            seconds = time.monotonic() - started
            process.returncode = 0  # reaped above; keeps Popen from waiting again
        text, errors = out_path.read_text(), err_path.read_text()
    try:
        result = json.loads(text)
    except ValueError:
        raise RuntimeError(f"anki_notes printed no JSON: {errors[-3000:]}") from None
    if result.get("failed"):
        raise RuntimeError(f"anki_notes failed: {result.get('msg')}")
    return result, seconds, usage.ru_maxrss * 1024


def _mb(count):
    return f"{count / 1_000_000:.1f} MB" if count >= 100_000 else f"{count / 1000:.1f} kB"


def notes_rows(endpoint, env, user, password, workdir, count=10_000, part="4"):
    """The rows of part 4 for one user of the server at endpoint (which must hold no collection for them yet).

    endpoint: the sync base URL ("http://127.0.0.1:PORT/" or "https://anki.nas.test:PORT/"); env: what a
    client process needs to reach it (SSL_CERT_FILE, HTTPS_PROXY), {} for a direct http endpoint.
    Returns (rows, details) with rows in benchmarks/report.py's shape and details a dict of raw figures.
    """
    workdir = Path(workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    relay, counted = CountingRelay.in_front_of(endpoint)
    details = {"notes": count}
    rows = []
    try:
        device = device_collection(workdir / "device", count)
        seeded = _worker(["upload", counted, user, password, str(device.parent)], env)
        if seeded["notes"] != count:
            raise RuntimeError(f"the device uploaded {seeded['notes']} notes, expected {count}")
        args = {
            "url": counted,
            "user": user,
            "password": password,
            "cache_dir": str(workdir / "cache"),
            "deck": "Bench::Vocabulary",
            "note_type": NOTE_TYPE,
            "notes": vocabulary(count),
        }
        if env.get("SSL_CERT_FILE"):
            args["ca_path"] = env["SSL_CERT_FILE"]
        module_env = {key: value for key, value in env.items() if key != "SSL_CERT_FILE"}

        cases = [("first push", None), ("rerun, nothing to do", None), ("one note changed", 7)]
        expect = [(count, 0, 0), (0, 0, count), (0, 1, count - 1)]
        for (label, changed_index), wanted in zip(cases, expect, strict=True):
            if changed_index is not None:
                args["notes"][changed_index]["fields"]["Translation"] = "a changed translation"
            relay.reset()
            result, seconds, peak = run_module(args, module_env)
            sent, received = relay.snapshot()
            got = (result["added"], result["updated"], result["unchanged"])
            if got != wanted:
                raise RuntimeError(f"{label}: added/updated/unchanged {got}, expected {wanted}")
            details[label] = {"seconds": seconds, "peak_rss": peak, "sent": sent, "received": received}
            rows.append(
                {
                    "part": part,
                    "case": f"anki_notes {label}: {count} notes into a collection of {count} "
                    f"(start: {result['first_sync']}; changed={result['changed']})",
                    "time": f"{seconds:.1f} s",
                    "rate / ratio": f"peak RSS {peak / 2**20:.0f} MiB; wire {_mb(sent)} up, {_mb(received)} down",
                }
            )

        relay.reset()
        synced = _worker(["sync", counted, user, password, str(device.parent)], env)
        sync_sent, sync_received = relay.snapshot()
        if synced["notes"] != 2 * count:
            raise RuntimeError(f"the device holds {synced['notes']} notes after its sync, expected {2 * count}")
        relay.reset()
        full = _worker(["download", counted, user, password, str(workdir / "fresh")], env)
        full_sent, full_received = relay.snapshot()
        if full["notes"] != 2 * count:
            raise RuntimeError(f"the full download holds {full['notes']} notes, expected {2 * count}")
        details["device sync"] = {"seconds": synced["sync"], "sent": sync_sent, "received": sync_received}
        details["full download"] = {"seconds": full["sync"], "sent": full_sent, "received": full_received}
        rows.append(
            {
                "part": part,
                "case": f"the device's next sync: a normal sync fetching the {count} new notes (login included)",
                "time": f"{synced['sync']:.1f} s",
                "rate / ratio": f"wire {_mb(sync_received)} down, {_mb(sync_sent)} up; "
                f"{synced['sync'] / full['sync']:.2f}x the time, "
                f"{sync_received / full_received:.2f}x the bytes of a full download",
            }
        )
        rows.append(
            {
                "part": part,
                "case": f"a fresh device's full download of the same {2 * count}-note collection (login included)",
                "time": f"{full['sync']:.1f} s",
                "rate / ratio": f"wire {_mb(full_received)} down, {_mb(full_sent)} up",
            }
        )
        rows += playbook_rows(counted, env, user, password, workdir, count, part, details)
    finally:
        relay.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return rows, details


def playbook_rows(endpoint, env, user, password, workdir, count, part, details):
    """playbooks/notes.yml with a count-row vocabulary file, first push and rerun: what the user waits for."""
    import yaml
    from harness.runner import run_playbook

    vocabulary_file = Path(workdir) / "vocabulary.yml"
    entries = [
        {"word": f"mot {n}", "translation": f"word {n}", "example": f"Exemple numéro {n}.", "tags": ["bench"]}
        for n in range(count)
    ]
    vocabulary_file.write_text(yaml.safe_dump(entries, allow_unicode=True))
    extra = {
        "notes_hosts": "localhost",
        "notes_user": user,
        "notes_password": password,
        "notes_url": endpoint,
        "notes_cache_dir": str(Path(workdir) / "playbook-cache"),
        "notes_vocabulary_file": str(vocabulary_file),
    }
    if env.get("SSL_CERT_FILE"):
        extra["notes_ca_path"] = env["SSL_CERT_FILE"]
    client_env = {key: value for key, value in env.items() if key != "SSL_CERT_FILE"}
    rows = []
    for label in ("first push", "rerun, nothing to do"):
        started = time.monotonic()
        done = run_playbook(ROOT / "playbooks" / "notes.yml", extra, env=client_env, timeout=1800)
        seconds = time.monotonic() - started
        if done.returncode != 0:
            raise RuntimeError(f"notes.yml {label} failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")
        details[f"playbook {label}"] = {"seconds": seconds}
        rows.append(
            {
                "part": part,
                "case": f"playbooks/notes.yml {label}: a {count}-row vocabulary file (ansible-playbook, wall)",
                "time": f"{seconds:.1f} s",
                "rate / ratio": "",
            }
        )
    return rows


# --- standalone -----------------------------------------------------------------------------------------------
def healthy(port):
    """True when the sync server on 127.0.0.1:port answers /health."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


def role_payload_limit():
    """MAX_SYNC_PAYLOAD_MEGS as the role deploys it (the server's own default is 100 MiB)."""
    import yaml

    defaults = yaml.safe_load((ROOT / "roles" / "anki_sync_server" / "defaults" / "main.yml").read_text())
    return str(defaults["anki_sync_server_max_sync_payload_megs"])


def start_server(users, kind):
    """A sync server container for users ([{"name", "password"}]) on a free port, configured as the role deploys
    it; (container, port). The caller removes it."""
    import docker
    from simnas.server import free_port
    from simnas.waiting import wait_until

    environment = {f"SYNC_USER{i}": f"{u['name']}:{u['password']}" for i, u in enumerate(users, 1)}
    environment["MAX_SYNC_PAYLOAD_MEGS"] = role_payload_limit()
    port = free_port()
    container = docker.from_env().containers.run(
        IMAGE,
        name=f"ankinas-bench-{kind}-{uuid.uuid4().hex[:10]}",
        detach=True,
        environment=environment,
        ports={"8080/tcp": ("127.0.0.1", port)},
        labels={"org.ankinas.bench": kind},
    )
    try:
        wait_until(lambda: healthy(port), 60, "the sync server's /health")
    except Exception:
        container.remove(force=True, v=True)
        raise
    return container, port


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=int, default=10_000, help="notes on the device and notes pushed")
    parser.add_argument("--quick", action="store_true", help="1,000 notes instead")
    parser.add_argument("--proxied", action="store_true", help="through the simulated NAS's HTTPS reverse proxy")
    args = parser.parse_args(argv)
    count = 1_000 if args.quick else args.notes
    user = {"name": "bench-notes", "password": "bench-" + uuid.uuid4().hex[:12]}
    work = ROOT / ".cache" / f"bench-notes-{os.getpid()}"
    try:
        with contextlib.ExitStack() as stack:
            if args.proxied:
                from benchmarks.sync_proxy import proxied_server

                _port, endpoints = stack.enter_context(proxied_server(work / "nas", [user]))
                endpoint, env = endpoints["HTTPS proxy"]
            else:
                container, port = start_server([user], "notes")
                stack.callback(container.remove, force=True, v=True)
                endpoint, env = f"http://127.0.0.1:{port}/", {}
            rows, details = notes_rows(endpoint, env, user["name"], user["password"], work / "run", count)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(report.table(rows))
    print(json.dumps(details, indent=1))


if __name__ == "__main__":
    main()
