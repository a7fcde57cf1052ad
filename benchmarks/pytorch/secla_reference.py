#!/usr/bin/python3
"""PyTorch reference implementation of SECLA, faithful mode: a measuring instrument, not a product.

Written from ../shared/docs/secla-method.md §3.3, §4, §5, §6, §8, §9.1 and §12 item 25 (not from any Swift code).
It trains the official `two5` heads on a native-format corpus (docs/corpus-format.md) with the official loss,
optimiser and schedule, then reports the official slot-level P/R/F1 (§9.1), a faces-only accuracy and the speed.

Run with Debian's interpreter (torch 1.13 imports only there):
    /usr/bin/python3 benchmarks/pytorch/secla_reference.py --corpus DIR [--names F.npy --names-json F.json]
        [--epochs 60] [--batch-size 20] [--seed 684331] [--threads 1] [--json]
        [--save-weights W.npz] [--batch-order ORDER.npy]
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as Fn

ALPHA = 0.15
HIDDEN, PROJ = 512, 128
LR, WEIGHT_DECAY, BETAS, EPS = 3e-4, 0.1, (0.9, 0.999), 1e-6
T_MAX = 32


def fail(msg):
    print(f"secla_reference: {msg}", file=sys.stderr)
    sys.exit(2)


# ---------------------------------------------------------------------------------------------------------------
# Corpus

def feature_key(text):
    # §3.2 / §5.4: every NONAME-like candidate shares one feature (the official code embeds "[UNK]" for all of them),
    # so NONAME and NONAMEWRONG both read the "NONAME" row. Prediction strings still use the candidate's own text.
    return "NONAME" if text in ("NONAME", "NONAMEWRONG") else text


def load_corpus(folder, names_npy, names_json):
    samples_path = os.path.join(folder, "samples.jsonl")
    faces_path = os.path.join(folder, "faces.npy")
    if not os.path.isfile(samples_path):
        fail(f"{samples_path} not found (expected a native-format corpus folder, docs/corpus-format.md)")
    if not os.path.isfile(faces_path):
        fail(f"{faces_path} not found: SECLA needs face features")
    samples = []
    with open(samples_path, encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            if line.strip():
                try:
                    samples.append(json.loads(line))
                except json.JSONDecodeError as e:
                    fail(f"{samples_path}, line {line_no}: {e}")
    faces = np.asarray(np.load(faces_path, mmap_mode="r"), dtype=np.float32)

    if (names_npy is None) != (names_json is None):
        fail("--names and --names-json must be given together")
    if names_npy is None:
        names_npy, names_json = os.path.join(folder, "names.npy"), os.path.join(folder, "names.json")
        if not (os.path.isfile(names_npy) and os.path.isfile(names_json)):
            fail("no name features: pass --names FILE.npy --names-json FILE.json (one row per distinct candidate "
                 f"string, NONAME shared) or put names.npy + names.json into {folder}. The Swift side's built-in "
                 "hashed n-gram encoder has no Python counterpart; export its features from Swift instead.")
    name_list = json.load(open(names_json, encoding="utf-8"))
    name_feats = np.asarray(np.load(names_npy, mmap_mode="r"), dtype=np.float32)
    if name_feats.ndim != 2 or name_feats.shape[0] != len(name_list):
        fail(f"{names_npy}: shape {name_feats.shape} does not match the {len(name_list)} names of {names_json}")
    name_row = {s: i for i, s in enumerate(name_list)}

    face_idx, name_idx = [], []
    missing = set()
    for s in samples:
        face_idx.append([int(f["row"]) for f in s["faces"]])
        rows = []
        for c in s["names"]:
            key = feature_key(c["text"])
            if key not in name_row:
                missing.add(key)
            rows.append(name_row.get(key, -1))
        name_idx.append(rows)
    if missing:
        fail(f"{len(missing)} candidate strings have no row in {names_json}, e.g. {sorted(missing)[:5]}")
    return samples, faces, name_feats, face_idx, name_idx


# ---------------------------------------------------------------------------------------------------------------
# Model (§4): nn.Sequential so the state_dict keys are the official ones.

class Two5(nn.Module):
    def __init__(self, face_dim, name_dim):
        super().__init__()
        # Creation order follows the official source lines (projector :20-36, ner_projector :38-44, ner_proj
        # :176-179), because the default init draws from the global RNG in that order after manual_seed.
        self.projector = nn.Sequential(nn.Linear(face_dim, HIDDEN, bias=False), nn.ReLU(),
                                       nn.Linear(HIDDEN, PROJ), nn.ReLU(), nn.Linear(PROJ, PROJ))
        self.ner_projector = nn.Sequential(nn.Linear(HIDDEN, HIDDEN, bias=False), nn.ReLU(),
                                           nn.Linear(HIDDEN, PROJ), nn.ReLU(), nn.Linear(PROJ, PROJ))
        self.ner_proj = nn.Sequential(nn.Linear(name_dim, HIDDEN, bias=False), nn.ReLU())

    def forward(self, face, name):
        return self.projector(face), self.ner_projector(self.ner_proj(name))


# ---------------------------------------------------------------------------------------------------------------
# Loss (§5, faithful): padded rows are real inputs (zeros) and the normalisers are the padded maxima.

def secla_loss(u, v, alpha=ALPHA):
    # u [B, F, D] face embeddings, v [B, N, D] name embeddings, padded rows included (they are c_F / c_N).
    n_faces, n_names = u.shape[1], v.shape[1]
    face_ner_match = torch.matmul(v.unsqueeze(1), u.permute(0, 2, 1))   # [B, B, N, F]: [i,j,n,f] = v_in . u_jf
    ner_face_match = torch.matmul(u.unsqueeze(1), v.permute(0, 2, 1))   # [B, B, F, N]: [i,j,f,n] = u_if . v_jn
    s_nf = face_ner_match.max(dim=3).values.sum(dim=2) / n_names        # caption i vs image j
    fn_sum = ner_face_match.max(dim=3).values.sum(dim=2)                # image i vs caption j, unnormalised
    s_fn = fn_sum / n_faces
    target = torch.arange(u.shape[0])
    l1 = Fn.cross_entropy(s_nf, target)
    l2 = Fn.cross_entropy(s_fn, target)
    # Agreement (diag): the face->name side is divided by N, not F, as the official batch_agreement does (§12.8).
    agree = Fn.mse_loss(torch.diagonal(s_nf), torch.diagonal(fn_sum / n_names))
    return l1 + l2 + alpha * agree


# ---------------------------------------------------------------------------------------------------------------
# Optimiser: transformers 4.3.2 AdamW (§6, §12 item 25). Written as a torch Optimizer so that torch's own
# CosineAnnealingLR (recursive form, as used officially) drives its lr.

class TransformersAdamW(torch.optim.Optimizer):
    def __init__(self, groups, lr, betas, eps):
        super().__init__(groups, dict(lr=lr, betas=betas, eps=eps, weight_decay=0.0))

    @torch.no_grad()
    def step(self):
        for g in self.param_groups:
            b1, b2 = g["betas"]
            for p in g["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if not st:
                    st["step"] = 0
                    st["m"] = torch.zeros_like(p)
                    st["v"] = torch.zeros_like(p)
                st["step"] += 1
                t = st["step"]
                st["m"].mul_(b1).add_(p.grad, alpha=1 - b1)
                st["v"].mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
                # eps goes on sqrt(v) and both bias corrections are folded into the step size (not torch's form).
                step_size = g["lr"] * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                p.addcdiv_(st["m"], st["v"].sqrt().add_(g["eps"]), value=-step_size)
                if g["weight_decay"] > 0:
                    # Decoupled decay after the Adam update, on the updated weights.
                    p.add_(p, alpha=-g["lr"] * g["weight_decay"])


# ---------------------------------------------------------------------------------------------------------------
# Batching (§3.3): gather rows through index tensors whose padding index points at an appended zero row, so a
# padded slot is an exact zero input as in ZeroPadCollator.

def padded_index(lists, zero_row):
    width = max(1, max(len(x) for x in lists))   # an all-empty batch still needs one (padded) row for max()
    out = torch.full((len(lists), width), zero_row, dtype=torch.long)
    for b, x in enumerate(lists):
        if x:
            out[b, : len(x)] = torch.tensor(x, dtype=torch.long)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Evaluation (§8, §9.1)

def predict(model, faces_t, names_t, face_idx, name_idx, samples):
    preds = []
    with torch.no_grad():
        for s, fi, ni in zip(samples, face_idx, name_idx):
            if not fi:
                preds.append([])
                continue
            u, v = model(faces_t[fi], names_t[ni])        # own faces and candidates only, no padding
            k = torch.argmax(u @ v.t(), dim=1).tolist()   # per face, independently, no threshold
            preds.append([s["names"][j]["text"] for j in k])
    return preds


def official_metric(samples, preds):
    true = pred_count = gt_count = 0
    scored = skipped_faces = 0
    for s, p in zip(samples, preds):
        slots = s.get("slots")
        if not slots:
            continue
        scored += 1
        # NOFACE-first placement: pred starts as all "NOFACE"; face j goes to slot j + (number of face-less slots),
        # which assumes the name-only slots precede the face slots (violated in a few LFW images, kept on purpose).
        noface_counter = sum(1 for sl in slots if sl.get("face") is None)
        pred = ["NOFACE"] * len(slots)
        for j, name in enumerate(p):
            if j + noface_counter < len(pred):
                pred[j + noface_counter] = name
            else:
                skipped_faces += 1
        for sl, pr in zip(slots, pred):
            gold = sl["gold"]
            if gold.startswith("WRONG"):
                pred_count += 1
            else:
                gt_count += 1
                pred_count += 1
                true += gold == pr
    if scored == 0:
        return None
    prec = true / pred_count if pred_count else 0.0
    rec = true / gt_count if gt_count else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec > 0 else 0.0
    return dict(precision=prec, recall=rec, f1=f1, true=true, pred_count=pred_count, gt_count=gt_count,
                samples_scored=scored, faces_beyond_slots=skipped_faces)


def faces_only_accuracy(samples, preds):
    hit = total = 0
    for s, p in zip(samples, preds):
        for f, name in zip(s["faces"], p):
            if "label" in f and not f.get("wrong", False):
                total += 1
                hit += name == f["label"]
    return (hit / total if total else None), total


# ---------------------------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--names", help="name features .npy, one row per entry of --names-json")
    ap.add_argument("--names-json", help="JSON array of the candidate strings of --names")
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--batch-size", type=int, default=20)
    ap.add_argument("--seed", type=int, default=684331)
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's choice)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    ap.add_argument("--save-weights", help="numpy .npz with the official state_dict names")
    ap.add_argument("--batch-order", help="save the sample order used, int64 [epochs, samples], as .npy")
    args = ap.parse_args()

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    samples, faces, name_feats, face_idx, name_idx = load_corpus(args.corpus, args.names, args.names_json)

    # Feature tables with one trailing zero row: the padding target.
    faces_t = torch.from_numpy(np.concatenate([faces, np.zeros((1, faces.shape[1]), np.float32)]))
    names_t = torch.from_numpy(np.concatenate([name_feats, np.zeros((1, name_feats.shape[1]), np.float32)]))
    face_zero, name_zero = faces_t.shape[0] - 1, names_t.shape[0] - 1

    torch.manual_seed(args.seed)
    model = Two5(faces.shape[1], name_feats.shape[1])
    decay = [p for n, p in model.named_parameters() if "bias" not in n]
    no_decay = [p for n, p in model.named_parameters() if "bias" in n]
    opt = TransformersAdamW([dict(params=decay, weight_decay=WEIGHT_DECAY), dict(params=no_decay, weight_decay=0.0)],
                            lr=LR, betas=BETAS, eps=EPS)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=T_MAX, eta_min=0)

    # A generator of its own, so the order depends only on --seed and not on how many draws the init consumed.
    gen = torch.Generator()
    gen.manual_seed(args.seed)
    n = len(samples)
    orders = np.zeros((args.epochs, n), dtype=np.int64)
    epoch_seconds, losses = [], []
    model.train()
    for epoch in range(args.epochs):
        order = torch.randperm(n, generator=gen)
        orders[epoch] = order.numpy()
        batches = [order[i: i + args.batch_size].tolist() for i in range(0, n, args.batch_size)]  # drop_last False
        total, t0 = 0.0, time.perf_counter()
        for b in batches:
            fi = padded_index([face_idx[k] for k in b], face_zero)
            ni = padded_index([name_idx[k] for k in b], name_zero)
            u, v = model(faces_t[fi], names_t[ni])
            loss = secla_loss(u, v)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()   # per batch, as officially (lr is periodic with 64 steps)
            total += loss.item()
        epoch_seconds.append(time.perf_counter() - t0)
        losses.append(total / len(batches))
        if not args.json:
            print(f"epoch {epoch + 1}/{args.epochs}: mean loss {losses[-1]:.6f}, {epoch_seconds[-1]:.3f} s",
                  flush=True)

    model.eval()
    preds = predict(model, faces_t, names_t, face_idx, name_idx, samples)
    metric = official_metric(samples, preds)
    acc, acc_n = faces_only_accuracy(samples, preds)

    if args.save_weights:
        np.savez(args.save_weights, **{k: v.detach().numpy() for k, v in model.state_dict().items()})
    if args.batch_order:
        np.save(args.batch_order, orders)

    s_epoch = sum(epoch_seconds) / len(epoch_seconds) if epoch_seconds else None
    report = dict(
        corpus=os.path.abspath(args.corpus), samples=n, faces=int(sum(len(x) for x in face_idx)),
        face_dim=int(faces.shape[1]), name_dim=int(name_feats.shape[1]),
        epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
        torch_version=torch.__version__, threads=torch.get_num_threads(),
        openblas_num_threads=os.environ.get("OPENBLAS_NUM_THREADS"),
        seconds_per_epoch=s_epoch, epoch_seconds=epoch_seconds,
        pairs_per_second=(n / s_epoch if s_epoch else None),
        mean_loss_per_epoch=losses,
        official=metric, faces_only_accuracy=acc, faces_scored=acc_n,
    )
    if args.json:
        print(json.dumps(report))
    else:
        print(f"torch {torch.__version__}, threads {report['threads']}, OPENBLAS_NUM_THREADS "
              f"{report['openblas_num_threads']}")
        if s_epoch:
            print(f"training: {s_epoch:.3f} s/epoch, {n / s_epoch:.1f} pairs/s")
        if metric:
            print(f"official metric: P {metric['precision']:.4f} R {metric['recall']:.4f} F1 {metric['f1']:.4f}")
        else:
            print("official metric: no sample has slots")
        print(f"faces-only accuracy: {acc if acc is None else round(acc, 4)} over {acc_n} faces")


if __name__ == "__main__":
    main()
