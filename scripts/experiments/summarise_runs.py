"""Mean ± sample standard deviation over seeds of `secla train` runs (their run.json files), grouped by loss mode,
with the learning-free baselines of the same corpora. Usage: python3 summarise_runs.py runs/*/run.json"""
import json, statistics, sys
from collections import defaultdict

rows = defaultdict(lambda: defaultdict(list))
for path in sys.argv[1:]:
    run = json.load(open(path))
    c = run["config"]
    label = "SECLA " + c["loss"]["mode"]
    for key in ("f1", "faces_accuracy", "noname_precision", "noname_recall"):
        rows[label][key].append(run["metrics"][key])
    rows[label]["s/epoch"].append(run["secondsPerEpoch"])
    for name, m in run["baselines"].items():
        if len(rows[name]["f1"]) < len(rows[label]["f1"]):
            for key in ("f1", "faces_accuracy", "noname_precision", "noname_recall"):
                rows[name][key].append(m[key])

def cell(values):
    if not values: return "—"
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.4f} ± {sd:.4f}"

print(f"| method | seeds | official F1 | faces-only accuracy | NONAME precision | NONAME recall | s/epoch |")
print("|---|---|---|---|---|---|---|")
for label, r in rows.items():
    print(f"| {label} | {len(r['f1'])} | {cell(r['f1'])} | {cell(r['faces_accuracy'])} | {cell(r['noname_precision'])} | "
          f"{cell(r['noname_recall'])} | {cell(r.get('s/epoch', []))} |")
