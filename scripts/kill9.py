"""kill -9 at random moments: a suite run is SIGKILLed again and again and restarted each
time, then finished; its results must equal an uninterrupted run's, the run store must
pass SQLite's integrity check, and no temporary file may be left behind.

    python3 scripts/kill9.py                        # the demo suite, 20 kills
    python3 scripts/kill9.py --kills 30 --seed 3    # other moments
    python3 scripts/kill9.py --only demo.smoke --kills 5   # the short pass `make test` runs

Kill moments are drawn uniformly from (0.1 s, 2 T / kills) after each start, T being the
uninterrupted run's time, so they spread over the whole run: training, result and
checkpoint writes, the report. Each kill is logged with what the run was doing (the last
line it printed, and the temporary files it had open). Exits 1 on any failed check.
"""
import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_runs import compare  # noqa: E402


def environment(root):
    env = dict(os.environ)
    env.update(ADAPTLAB_HOME=f"{root}/home", ADAPTLAB_CACHE=f"{root}/cache", HF_HUB_CACHE=f"{root}/hub", HF_HUB_OFFLINE="1")
    return env


def command(args, root):
    cmd = [args.bin, "--report", "--suite", args.suite, "--out", f"{root}/report"]
    if args.only:
        cmd += ["--only", args.only]
    return cmd


def last_line(path):
    try:
        with open(path, "rb") as f:
            lines = [l for l in f.read().decode("utf-8", "replace").splitlines() if l.strip()]
        return lines[-1] if lines else "(nothing printed yet)"
    except OSError:
        return "(no output)"


def leftovers(root, pid=None):
    """Temporary files and folders under root (only `pid`'s when given)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            if name.startswith(".tmp") and (pid is None or name.startswith(f".tmp-{pid}-")):
                found.append(os.path.relpath(os.path.join(dirpath, name), root))
        dirnames[:] = [d for d in dirnames if not d.startswith(".tmp")]
    return found


def phase(line):
    if "Report" in line or "report" in line.split("]")[-1]:
        return "report"
    if line.startswith("[") and "]" in line:
        exp = line[1 : line.index("]")]
        rest = line[line.index("]") + 1 :].strip().split(" ")[0]
        return f"{exp}: {rest}"
    return "start-up"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default="target/release/adaptlab")
    ap.add_argument("--suite", default="demo")
    ap.add_argument("--only", default="")
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", default="")
    args = ap.parse_args()
    args.bin = os.path.abspath(args.bin)
    rng = random.Random(args.seed)
    work = args.work or tempfile.mkdtemp(prefix="adaptlab-kill9-")
    os.makedirs(work, exist_ok=True)
    ref, fault = f"{work}/reference", f"{work}/faulted"
    print(f"work folder: {work}", flush=True)

    started = time.monotonic()
    done = subprocess.run(command(args, ref), env=environment(ref), stdout=subprocess.DEVNULL, stderr=open(f"{work}/reference.log", "w"))
    total = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"the uninterrupted run failed (exit {done.returncode}); see {work}/reference.log")
    print(f"uninterrupted run: {total:.1f} s", flush=True)

    kills, finished_early, mid_write = 0, 0, 0
    phases = {}
    attempt = 0
    # Once a start has finished, later starts reuse the results and re-render: their kill
    # moments are drawn within the time such a start took, so they land inside it.
    window = 2 * total / args.kills
    while kills < args.kills:
        attempt += 1
        log = f"{work}/attempt-{attempt:03d}.log"
        begun = time.monotonic()
        child = subprocess.Popen(command(args, fault), env=environment(fault), stdout=subprocess.DEVNULL, stderr=open(log, "w"), start_new_session=True)
        delay = rng.uniform(0.1, max(0.2, window))
        try:
            child.wait(timeout=delay)
            finished_early += 1  # the run ended first: the next attempt reuses it and re-renders
            window = min(window, time.monotonic() - begun)
            continue
        except subprocess.TimeoutExpired:
            pass
        open_temps = leftovers(fault, child.pid)
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        kills += 1
        mid_write += bool(open_temps)
        where = phase(last_line(log))
        phases[where.split(":")[0]] = phases.get(where.split(":")[0], 0) + 1
        print(f"kill {kills:2d} after {delay:5.2f} s: {where}" + (f"  (writing {', '.join(open_temps[:2])})" if open_temps else ""), flush=True)

    final = subprocess.run(command(args, fault), env=environment(fault), stdout=subprocess.DEVNULL, stderr=open(f"{work}/final.log", "w"))
    failures = []
    if final.returncode != 0:
        failures.append(f"the resumed run did not finish (exit {final.returncode}); see {work}/final.log")
    compared, experiments, differences = compare(f"{ref}/home", f"{fault}/home")
    failures += differences
    db = sqlite3.connect(f"{fault}/home/runs.sqlite")
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    if integrity != "ok":
        failures.append(f"integrity_check: {integrity}")
    dangling = db.execute("PRAGMA foreign_key_check").fetchall()
    if dangling:
        failures.append(f"foreign_key_check: {dangling[:3]}")
    statuses = dict(db.execute("SELECT status, COUNT(*) FROM runs GROUP BY status").fetchall())
    left = leftovers(fault)
    if left:
        failures.append(f"temporary files left behind: {left[:5]}")

    print(f"\n{kills} kills over {attempt} starts ({finished_early} starts finished before their kill moment; {mid_write} kills while a file was being written)")
    print("kills by phase: " + ", ".join(f"{k} {v}" for k, v in sorted(phases.items())))
    print(f"runs in the faulted store: {statuses}")
    print(f"results: {compared} numbers in {experiments} experiments compared with the uninterrupted run; {len(differences)} differ")
    print(f"integrity_check: {integrity}; temporary files left: {len(left)}")
    for f in failures:
        print(f"FAIL {f}")
    print("PASS" if not failures else "FAIL")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
