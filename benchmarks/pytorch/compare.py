#!/usr/bin/python3
"""Swift SECLA (faithful) against the PyTorch reference on identical inputs: accuracy over seeds, then speed.

    /usr/bin/python3 benchmarks/pytorch/compare.py --lfw ../shared/data/augmented-lfw --seeds 1,2,3 --out OUT
    /usr/bin/python3 benchmarks/pytorch/compare.py --corpus DIR --seeds 1,2,3 --out OUT

Corpora: with --lfw, seed s synthesises the lfw-structure corpus with seed s (`secla synth lfw-structure`) and seeds
both trainings with s; with --corpus the corpus is fixed and the seeds vary the training only. The name features are
exported once per corpus from the Swift built-in encoder (`secla embed-names`) and read by the reference, so both
implementations see the same numbers.

Phase 1, accuracy: every (implementation, seed) trains --epochs epochs at batch --batch-size and labels the corpus;
--jobs runs at a time, each on one thread (OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)), so their timings are not
used. Phase 2, speed: alone on the machine, one after the other, --timing-epochs epochs of each thread configuration
of both implementations on the first corpus; the ratio compares the fastest of each.

Prints a table and writes OUT/compare.json and OUT/compare.md. Needs Debian's python3-torch (run with /usr/bin/python3).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
REFERENCE = os.path.join(HERE, "secla_reference.py")


def fail(msg):
    print(f"compare: {msg}", file=sys.stderr)
    sys.exit(1)


def run(cmd, env=None, what=""):
    """Runs cmd; returns stdout. Stops with the command's stderr when it fails."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    p = subprocess.run(cmd, capture_output=True, text=True, env=full_env)
    if p.returncode != 0:
        fail(f"{what or cmd[0]} failed (exit {p.returncode}):\n  {' '.join(cmd)}\n{p.stderr.strip()}")
    return p.stdout


def last_json(text, what):
    try:
        return json.loads(text)  # one (possibly pretty-printed) object
    except json.JSONDecodeError:
        pass
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    fail(f"{what}: no JSON in the output")


def mean_sd(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None, None
    return statistics.mean(xs), (statistics.stdev(xs) if len(xs) > 1 else 0.0)


def fmt(pair, digits=4):
    m, s = pair
    return "—" if m is None else f"{m:.{digits}f} ± {s:.{digits}f}"


class Swift:
    def __init__(self, binary):
        self.binary = binary

    def prepare(self, lfw, seed, folder, names):
        """Synthesises the lfw-structure corpus of `seed` into `folder` (with `lfw`) and exports its name features."""
        if lfw and not os.path.isfile(os.path.join(folder, "samples.jsonl")):
            run([self.binary, "synth", "lfw-structure", "--lfw", lfw, "--seed", str(seed), "--out", folder],
                what="secla synth")
        if not os.path.isfile(os.path.join(names, "names.npy")):
            run([self.binary, "embed-names", "--corpus", folder, "--out", names], what="secla embed-names")
        return names

    def train(self, corpus, seed, epochs, batch, out, threads):
        text = run([self.binary, "train", "--corpus", corpus, "--seed", str(seed), "--epochs", str(epochs),
                    "--batch-size", str(batch), "--out", out, "--json"],
                   env={"OPENBLAS_NUM_THREADS": str(threads)}, what="secla train")
        r = last_json(text, "secla train")
        m = r["metrics"]
        return dict(f1=m["f1"], faces_accuracy=m["faces_accuracy"], seconds_per_epoch=r["secondsPerEpoch"])

    def info(self):
        text = run([self.binary, "info", "--json"], what="secla info")
        return last_json(text, "secla info")


def torch_train(corpus, names, seed, epochs, batch, torch_threads, openblas_threads):
    text = run(["/usr/bin/python3", REFERENCE, "--corpus", corpus, "--names", os.path.join(names, "names.npy"),
                "--names-json", os.path.join(names, "names.json"), "--seed", str(seed), "--epochs", str(epochs),
                "--batch-size", str(batch), "--threads", str(torch_threads), "--json"],
               env={"OPENBLAS_NUM_THREADS": str(openblas_threads)}, what="secla_reference.py")
    r = last_json(text, "secla_reference.py")
    return dict(f1=r["official"]["f1"] if r["official"] else None, faces_accuracy=r["faces_only_accuracy"],
                seconds_per_epoch=r["seconds_per_epoch"], torch_version=r["torch_version"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--lfw", help="augmented-LFW dictionaries folder: one lfw-structure corpus per seed")
    src.add_argument("--corpus", help="a native corpus folder (fixed; seeds vary the training only)")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--epochs", type=int, default=60, help="training epochs of the accuracy runs (official 60)")
    ap.add_argument("--batch-size", type=int, default=20)
    ap.add_argument("--timing-epochs", type=int, default=2, help="epochs per timed configuration")
    ap.add_argument("--jobs", type=int, default=2, help="accuracy runs at a time (each single-threaded)")
    ap.add_argument("--skip-accuracy", action="store_true", help="only the timing phase")
    ap.add_argument("--skip-timing", action="store_true", help="only the accuracy phase")
    ap.add_argument("--only", choices=["swift", "pytorch"], help="accuracy runs of one implementation only")
    ap.add_argument("--secla", help="the secla binary (default: build it with swift build -c release)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    try:
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    except ValueError:
        fail(f"--seeds: expected a comma-separated list of integers, got {args.seeds!r}")
    if not seeds:
        fail("--seeds is empty")
    if args.lfw and not os.path.isdir(args.lfw):
        fail(f"--lfw {args.lfw}: not a folder")
    if args.corpus and not os.path.isfile(os.path.join(args.corpus, "samples.jsonl")):
        fail(f"--corpus {args.corpus}: no samples.jsonl (not a native corpus)")
    os.makedirs(args.out, exist_ok=True)

    binary = args.secla
    if binary is None:
        print("building secla (release)…", file=sys.stderr)
        run(["swift", "build", "-c", "release", "--product", "secla", "--package-path", ROOT], what="swift build")
        binary = os.path.join(ROOT, ".build", "release", "secla")
    swift = Swift(binary)
    info = swift.info()

    corpora = {}
    for s in seeds:
        folder = os.path.join(args.out, f"corpus-{s}") if args.lfw else args.corpus
        names = os.path.join(args.out, f"names-{s}" if args.lfw else "names")
        corpora[s] = (folder, swift.prepare(args.lfw, s, folder, names))

    # Phase 1: accuracy.
    accuracy = {"swift": {}, "pytorch": {}}
    if not args.skip_accuracy:
        def job(kind, s):
            corpus, names = corpora[s]
            start = time.time()
            cache = os.path.join(args.out, f"accuracy-{kind}-{s}.json")
            if kind == "pytorch" and os.path.isfile(cache):  # the reference's result does not change with our code
                r = json.load(open(cache, encoding="utf-8"))
                if r.get("epochs") == args.epochs and r.get("batch_size") == args.batch_size:
                    print(f"  {kind:8s} seed {s}: F1 {r['f1']:.4f} (reused {cache})", file=sys.stderr)
                    return kind, s, r
            if kind == "swift":
                r = swift.train(corpus, s, args.epochs, args.batch_size, os.path.join(args.out, f"swift-run-{s}"), 1)
            else:
                r = torch_train(corpus, names, s, args.epochs, args.batch_size, 1, 1)
            print(f"  {kind:8s} seed {s}: F1 {r['f1']:.4f}, faces {r['faces_accuracy']:.4f} "
                  f"({time.time() - start:.0f} s)", file=sys.stderr)
            r.update(epochs=args.epochs, batch_size=args.batch_size)
            with open(cache + ".tmp", "w", encoding="utf-8") as f:
                json.dump(r, f)
            os.replace(cache + ".tmp", cache)
            return kind, s, r
        print(f"accuracy: {len(seeds)} seeds × 2 implementations, {args.epochs} epochs, {args.jobs} at a time…",
              file=sys.stderr)
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for kind, s, r in pool.map(lambda ks: job(*ks), [(k, s) for s in seeds for k in ("pytorch", "swift") if args.only in (None, k)]):
                accuracy[kind][s] = r

    if args.skip_timing:
        print(json.dumps(accuracy, indent=2))
        return

    # Phase 2: speed, alone, first corpus.
    corpus, names = corpora[seeds[0]]
    timing = []
    print(f"speed: {args.timing_epochs} epoch(s) per configuration on {corpus}, one at a time…", file=sys.stderr)
    for threads in (1, 2):
        r = swift.train(corpus, seeds[0], args.timing_epochs, args.batch_size,
                        os.path.join(args.out, f"swift-timing-{threads}"), threads)
        timing.append(dict(implementation="swift", threads=threads, openblas_threads=1,
                           seconds_per_epoch=r["seconds_per_epoch"]))
        print(f"  swift   threads {threads}: {r['seconds_per_epoch']:.2f} s/epoch", file=sys.stderr)
    torch_version = None
    for torch_threads in (1, 2):
        for openblas_threads in (1, 2):
            r = torch_train(corpus, names, seeds[0], args.timing_epochs, args.batch_size, torch_threads, openblas_threads)
            torch_version = r["torch_version"]
            timing.append(dict(implementation="pytorch", threads=torch_threads, openblas_threads=openblas_threads,
                               seconds_per_epoch=r["seconds_per_epoch"]))
            print(f"  pytorch torch threads {torch_threads}, OPENBLAS_NUM_THREADS {openblas_threads}: "
                  f"{r['seconds_per_epoch']:.2f} s/epoch", file=sys.stderr)
    best = {k: min((t for t in timing if t["implementation"] == k), key=lambda t: t["seconds_per_epoch"])
            for k in ("swift", "pytorch")}
    ratio = best["pytorch"]["seconds_per_epoch"] / best["swift"]["seconds_per_epoch"]

    rows = []
    for kind, label in (("pytorch", "PyTorch reference (faithful)"), ("swift", "Swift SECLA (faithful)")):
        per_seed = accuracy[kind]
        b = best[kind]
        config = (f"{b['threads']} thread(s)" if kind == "swift"
                  else f"torch.set_num_threads({b['threads']}), OPENBLAS_NUM_THREADS={b['openblas_threads']}")
        rows.append(dict(implementation=label, seeds=seeds,
                         f1=mean_sd([per_seed[s]["f1"] for s in per_seed]),
                         faces_accuracy=mean_sd([per_seed[s]["faces_accuracy"] for s in per_seed]),
                         per_seed={str(s): per_seed[s] for s in per_seed},
                         seconds_per_epoch=b["seconds_per_epoch"], fastest_configuration=config))
    f1_gap = (None if rows[0]["f1"][0] is None or rows[1]["f1"][0] is None
              else abs(rows[0]["f1"][0] - rows[1]["f1"][0]))

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo", encoding="utf-8")
                if line.startswith("model name")), "unknown")
    machine = dict(cpu=cpu, openblas_core=info.get("blas_core"), openblas_configuration=info.get("blas_config"),
                   cores=os.cpu_count(), torch_version=torch_version)
    report = dict(corpus=("lfw-structure (seed s = corpus and training seed)" if args.lfw else os.path.abspath(args.corpus)),
                  epochs=args.epochs, batch_size=args.batch_size, timing_epochs=args.timing_epochs,
                  machine=machine, rows=rows, timing=timing, time_ratio=ratio, f1_gap=f1_gap,
                  command=" ".join(["/usr/bin/python3", "benchmarks/pytorch/compare.py"] + sys.argv[1:]))

    md = ["| implementation | official F1 | faces-only accuracy | s/epoch (batch %d) | fastest thread configuration |" % args.batch_size,
          "|---|---|---|---|---|"]
    for r in rows:
        md.append(f"| {r['implementation']} | {fmt(r['f1'])} | {fmt(r['faces_accuracy'])} | "
                  f"{r['seconds_per_epoch']:.2f} | {r['fastest_configuration']} |")
    md.append("")
    md.append(f"Time per epoch, PyTorch ÷ Swift: **{ratio:.1f}×**"
              + (f"; F1 gap {100 * f1_gap:.2f} points" if f1_gap is not None else "") + ".")
    md.append(f"All timed configurations (s/epoch): " + "; ".join(
        f"{t['implementation']} threads {t['threads']}" + (f" / OpenBLAS {t['openblas_threads']}" if t['implementation'] == 'pytorch' else "")
        + f" {t['seconds_per_epoch']:.2f}" for t in timing) + ".")
    md.append(f"Machine: {machine['cpu']}, {machine['cores']} cores; OpenBLAS core {machine['openblas_core']}; "
              f"torch {torch_version}. Accuracy: {args.epochs} epochs, seeds {','.join(map(str, seeds))}; "
              f"speed: {args.timing_epochs} epoch(s) per configuration, alone on the machine.")
    text = "\n".join(md) + "\n"
    for name, content in (("compare.json", json.dumps(report, indent=2) + "\n"), ("compare.md", text)):
        path = os.path.join(args.out, name)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write(content)
        os.replace(path + ".tmp", path)
    print(text)


if __name__ == "__main__":
    main()
