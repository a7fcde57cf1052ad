#!/usr/bin/python3
"""Reference values for Tests/NumericCoreTests/OptimizerTests.swift and ScheduleTests.swift.

Runs the real implementations, independently of the Swift code:
  * torch.optim.AdamW (foreach=False: the single-tensor path), torch.optim.SGD,
    torch.optim.lr_scheduler.CosineAnnealingLR and LambdaLR from the installed torch (Debian's 1.13);
  * transformers.AdamW and get_cosine_schedule_with_warmup from transformers 4.3.2, the version the official SECLA
    code pins. Only their source text is taken from the PyPI wheel (downloaded with pip into a cache directory if it
    is not there yet) and executed on its own, so the rest of the transformers package is never imported. No
    transformers code is stored in this repository.

Usage (prints the two Swift enums of literals to stdout; paste each into the test file its MARK names):
    /usr/bin/python3 scripts/reference/optimizers.py [--wheel-dir DIR]

The problem: a weight [3, 4] (weight decay on) and a bias [3] (weight decay off: a second parameter group with
weight_decay 0, as the SECLA code builds its groups), initial values and per-step gradients drawn from
numpy.random.default_rng(SEED) and rounded to float32; every input is printed too, so the Swift tests use exactly
these numbers.
"""
import argparse
import hashlib
import math
import os
import subprocess
import sys
import zipfile
from typing import Callable, Iterable, Optional, Tuple, Union

import numpy as np
import torch
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LambdaLR

TRANSFORMERS_VERSION = "4.3.2"
WHEEL = f"transformers-{TRANSFORMERS_VERSION}-py3-none-any.whl"
WHEEL_SHA256 = "f814f6d38d28013557ce942e0655f3de5ba13a02386c19500a21eb229b370f6d"
SEED = 20230103
STEPS = 5


# MARK: - transformers 4.3.2, loaded from the wheel without importing the package

def transformers_source(wheel_dir: str) -> str:
    path = os.path.join(wheel_dir, WHEEL)
    if not os.path.exists(path):
        os.makedirs(wheel_dir, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", f"transformers=={TRANSFORMERS_VERSION}",
                        "-d", wheel_dir], check=True, stdout=sys.stderr)
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    if digest != WHEEL_SHA256:
        sys.exit(f"{path}: sha256 {digest}, expected {WHEEL_SHA256}")
    with zipfile.ZipFile(path) as z:
        return z.read("transformers/optimization.py").decode()


def top_level_block(source: str, header: str) -> str:
    """The text of the top-level `def`/`class` starting with `header`, up to the next top-level statement."""
    lines = source.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    end = start + 1
    while end < len(lines) and (lines[end].strip() == "" or lines[end][0] in " \t)"):
        end += 1
    return "".join(lines[start:end])


def load_transformers(wheel_dir: str):
    source = transformers_source(wheel_dir)
    namespace = {"math": math, "torch": torch, "Optimizer": Optimizer, "LambdaLR": LambdaLR, "Callable": Callable,
                 "Iterable": Iterable, "Optional": Optional, "Tuple": Tuple, "Union": Union}
    exec(top_level_block(source, "class AdamW(Optimizer):"), namespace)
    exec(top_level_block(source, "def get_cosine_schedule_with_warmup("), namespace)
    return namespace["AdamW"], namespace["get_cosine_schedule_with_warmup"]


# MARK: - Printing Swift literals

def f32(x) -> str:
    """Shortest decimal that reads back as the same float32 (Swift's Float literal parsing rounds correctly)."""
    return np.format_float_positional(np.float32(x), unique=True, trim="-") if abs(x) >= 1e-4 or x == 0 \
        else np.format_float_scientific(np.float32(x), unique=True, trim="-")


def f64(x: float) -> str:
    return repr(float(x))


def swift_array(name: str, values, fmt, kind: str, per_line: int = 6) -> str:
    items = [fmt(v) for v in values]
    rows = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    body = ",\n        ".join(rows)
    return f"    static let {name}: [{kind}] = [\n        {body},\n    ]"


def floats(name, values):
    return swift_array(name, np.asarray(values, dtype=np.float32).reshape(-1), f32, "Float")


def doubles(name, values):
    return swift_array(name, list(values), f64, "Double", per_line=4)


# MARK: - Problems

def make_inputs():
    rng = np.random.default_rng(SEED)
    w0 = (0.5 * rng.standard_normal((3, 4))).astype(np.float32)
    b0 = (0.5 * rng.standard_normal(3)).astype(np.float32)
    grads = [((0.1 * rng.standard_normal(12)).astype(np.float32), (0.1 * rng.standard_normal(3)).astype(np.float32))
             for _ in range(STEPS)]
    tiny = [((1e-7 * rng.standard_normal(12)).astype(np.float32), (1e-7 * rng.standard_normal(3)).astype(np.float32))
            for _ in range(STEPS)]
    return w0, b0, grads, tiny


def run(make_optimizer, w0, b0, grads, lrs=None, scheduler=None):
    """Steps the optimiser once per gradient pair; returns the flat [w, b] after every step, and the final state."""
    w = torch.nn.Parameter(torch.tensor(w0))
    b = torch.nn.Parameter(torch.tensor(b0))
    opt = make_optimizer([{"params": [w]}, {"params": [b], "weight_decay": 0.0}])
    sched = scheduler(opt) if scheduler else None
    trajectory = []
    for gw, gb in grads:
        w.grad = torch.tensor(gw).reshape(3, 4)
        b.grad = torch.tensor(gb)
        opt.step()
        if sched:
            sched.step()
        trajectory.append(np.concatenate([w.detach().numpy().reshape(-1), b.detach().numpy()]))
    state = [opt.state[w], opt.state[b]]
    return np.stack(trajectory), state


def flat_state(state, key):
    return np.concatenate([state[0][key].numpy().reshape(-1), state[1][key].numpy().reshape(-1)])


def lr_trajectory(make_scheduler, base_lr, steps):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = make_scheduler(opt)
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    return lrs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wheel-dir", default=os.path.expanduser("~/.cache/secla-reference"))
    args = parser.parse_args()
    HFAdamW, hf_cosine_with_warmup = load_transformers(args.wheel_dir)
    torch.set_num_threads(1)
    w0, b0, grads, tiny = make_inputs()

    opt, sch = [], []
    opt.append(floats("initial", np.concatenate([w0.reshape(-1), b0])))
    opt.append(floats("grads", np.concatenate([np.concatenate(g) for g in grads])))
    opt.append(floats("tinyGrads", np.concatenate([np.concatenate(g) for g in tiny])))

    adamw_cases = {
        # name: (optimiser factory, gradients)
        "torchAdamW": (lambda g: torch.optim.AdamW(g, lr=1e-2, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.1,
                                                   foreach=False), grads),
        "hfAdamW": (lambda g: HFAdamW(g, lr=1e-2, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.1,
                                      correct_bias=True), grads),
        "torchAdamWTiny": (lambda g: torch.optim.AdamW(g, lr=3e-4, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.1,
                                                       foreach=False), tiny),
        "hfAdamWTiny": (lambda g: HFAdamW(g, lr=3e-4, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.1,
                                          correct_bias=True), tiny),
        "torchAdamWDefaults": (lambda g: torch.optim.AdamW(g, foreach=False), grads),
        "hfAdamWDefaults": (lambda g: HFAdamW(g), grads),
        "hfAdamWNoCorrection": (lambda g: HFAdamW(g, lr=1e-2, eps=1e-6, weight_decay=0.1, correct_bias=False), grads),
    }
    for name, (make, g) in adamw_cases.items():
        trajectory, state = run(make, w0, b0, g)
        opt.append(floats(name, trajectory))
        if name in ("torchAdamW", "hfAdamW"):
            opt.append(floats(name + "M", flat_state(state, "exp_avg")))
            opt.append(floats(name + "V", flat_state(state, "exp_avg_sq")))

    # The optimiser driven by the schedule exactly as the SECLA code does it: optimizer.step(); scheduler.step().
    trajectory, _ = run(lambda g: HFAdamW(g, lr=3e-4, eps=1e-6, weight_decay=0.1), w0, b0, grads,
                        scheduler=lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=2, eta_min=0))
    opt.append(floats("hfAdamWCosineTMax2", trajectory))

    sgd_cases = {
        "sgdMomentum": dict(lr=1e-2, momentum=0.9, weight_decay=0.1),
        "sgdNesterov": dict(lr=1e-2, momentum=0.9, weight_decay=0.1, nesterov=True),
        "sgdDampening": dict(lr=1e-2, momentum=0.9, dampening=0.5, weight_decay=0.1),
        "sgdPlain": dict(lr=1e-2, weight_decay=0.1),
    }
    for name, kw in sgd_cases.items():
        trajectory, state = run(lambda g: torch.optim.SGD(g, foreach=False, **kw), w0, b0, grads)
        opt.append(floats(name, trajectory))

    cosine = lambda eta: (lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=32, eta_min=eta))
    sch.append(doubles("cosineTMax32EtaMin1em5", lr_trajectory(cosine(1e-5), 1e-3, 140)))
    sch.append(doubles("cosineTMax32Secla", lr_trajectory(cosine(0.0), 3e-4, 140)))
    sch.append(doubles("hfWarmupCosine", lr_trajectory(lambda o: hf_cosine_with_warmup(o, 10, 100), 1e-3, 120)))
    sch.append(doubles("hfWarmupCosineNoWarmup", lr_trajectory(lambda o: hf_cosine_with_warmup(o, 0, 7), 1e-3, 9)))
    provenance = (f"    // torch {torch.__version__}, numpy {np.__version__}, transformers {TRANSFORMERS_VERSION} "
                  f"(wheel sha256 {WHEEL_SHA256[:16]}…), seed {SEED}")
    for file, name, items in [("OptimizerTests.swift", "OptimizerReference", opt),
                              ("ScheduleTests.swift", "ScheduleReference", sch)]:
        print(f"// MARK: - Tests/NumericCoreTests/{file}")
        print(f"enum {name} {{")
        print(provenance)
        print("\n".join(items))
        print("}")


if __name__ == "__main__":
    main()
