"""Compares the numbers of two stored runs of the same suite: every numeric value, every
numeric table cell (by row and column position, so renamed column keys still line up) and
every metric point, leaving out what measures the machine (seconds, rates, memory).

    python3 scripts/compare_runs.py HOME_A HOME_B      # the newest run of each store

Prints each difference and a final count; exits 1 when any number differs.
"""
import json
import math
import sqlite3
import sys

TIMING = ("seconds", "per_s", "per_second", "steps/s", "images/s", "rss", "time", "peak", "_ms")


def timing(name):
    return any(t in name for t in TIMING) and "learning_rate" not in name


def load(home):
    db = sqlite3.connect(f"{home}/runs.sqlite")
    run = db.execute("SELECT id FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1").fetchone()[0]
    out = {}
    for exp, values in db.execute("SELECT exp_id, values_json FROM experiments WHERE run_id = ?", (run,)):
        tables = {json.loads(t)["name"]: json.loads(t) for (t,) in db.execute("SELECT json FROM result_tables WHERE run_id = ? AND exp_id = ?", (run, exp))}
        metrics = {}
        for name, step, value in db.execute("SELECT name, step, value FROM metrics WHERE run_id = ? AND exp_id = ? ORDER BY name, step", (run, exp)):
            metrics.setdefault(name, []).append((step, value))
        out[exp] = (json.loads(values), tables, metrics)
    return out


def number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def same(x, y):
    return x == y or (number(x) and number(y) and math.isnan(x) and math.isnan(y))


def compare(home_a, home_b):
    """(numbers compared, differences) between the newest runs of two stores."""
    a, b = load(home_a), load(home_b)
    compared, differences = 0, []
    for exp in sorted(a):
        if exp not in b:
            differences.append(f"{exp}: missing in the second run")
            continue
        (va, ta, ma), (vb, tb, mb) = a[exp], b[exp]
        for k, v in va.items():
            if number(v) and not timing(k):
                compared += 1
                if not same(v, vb.get(k)):
                    differences.append(f"{exp} value {k}: {v} -> {vb.get(k)}")
        for name, t in ta.items():
            u = tb.get(name)
            if u is None:
                differences.append(f"{exp} table {name}: missing")
                continue
            keys = [c.get("key") or c.get("name") for c in t["columns"]]
            if len(t["rows"]) != len(u["rows"]):
                differences.append(f"{exp} table {name}: {len(t['rows'])} rows -> {len(u['rows'])}")
            for r, (row_a, row_b) in enumerate(zip(t["rows"], u["rows"])):
                for key, x, y in zip(keys, row_a, row_b):
                    if number(x) and not timing(key):
                        compared += 1
                        if not same(x, y):
                            differences.append(f"{exp} table {name} row {r} {key}: {x} -> {y}")
        for name, points in ma.items():
            if timing(name):
                continue
            compared += len(points)
            if mb.get(name) != points:
                differences.append(f"{exp} metric {name} differs")
    return compared, len(a), differences


def main():
    compared, experiments, differences = compare(sys.argv[1], sys.argv[2])
    for d in differences:
        print(d)
    print(f"{compared} numbers compared across {experiments} experiments; {len(differences)} differ")
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
