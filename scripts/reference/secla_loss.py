#!/usr/bin/python3
"""Reference values for the SECLA loss (Tests/FaceNamingTests/SECLALossReference.swift).

Written from docs/secla-method.md §3.3, §4, §5 and §12 items 7-9 only (not from any Swift code), the way the
official PyTorch code computes it:
  * faithful mode: zero padding to the batch maxima F and N, padded rows go through the MLPs (they become the
    constant vectors c_F / c_N), 4-D broadcast matmuls, normalisers F and N, and the agreement term with the
    face->name side divided by N (the §5.2 / §12.8 quirk);
  * clean mode (our fix): no padding, each score normalised by its own real count, optional temperature tau on the
    contrastive terms, agreement on the unscaled scores.

Usage (writes the Swift fixture and prints a summary):
    /usr/bin/python3 scripts/reference/secla_loss.py

Draw order from numpy.random.default_rng(SEED), every value rounded to float32 right away (the Swift side stores
Float): the parameters in PARAM_SHAPES order (weights normal*0.6, biases normal*0.3), then the faces of each sample
(normal), then the names of each sample (normal). The losses are computed in float64 torch from those float32
values.
"""
import math
import os

import numpy as np
import torch
import torch.nn.functional as Fn

SEED = 20261126
FACE_DIM, NAME_DIM, HIDDEN, PROJ = 6, 5, 8, 4
FACE_COUNTS = [1, 3, 2, 1]   # max 3: samples 0, 2, 3 get padded faces
NAME_COUNTS = [2, 2, 4, 3]   # max 4: samples 0, 1, 3 get padded names
ALPHA = 0.15

# Official names and PyTorch (out, in) shapes of the `two5` heads (§4), with small dims.
PARAM_SHAPES = [
    ("projector.0.weight", (HIDDEN, FACE_DIM)),
    ("projector.2.weight", (PROJ, HIDDEN)),
    ("projector.2.bias", (PROJ,)),
    ("projector.4.weight", (PROJ, PROJ)),
    ("projector.4.bias", (PROJ,)),
    ("ner_proj.0.weight", (HIDDEN, NAME_DIM)),
    ("ner_projector.0.weight", (HIDDEN, HIDDEN)),
    ("ner_projector.2.weight", (PROJ, HIDDEN)),
    ("ner_projector.2.bias", (PROJ,)),
    ("ner_projector.4.weight", (PROJ, PROJ)),
    ("ner_projector.4.bias", (PROJ,)),
]

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "Tests", "FaceNamingTests", "SECLALossReference.swift")


def f32(a):
    return np.asarray(a, dtype=np.float32)


def draw():
    rng = np.random.default_rng(SEED)
    params = {}
    for name, shape in PARAM_SHAPES:
        # Scale 0.6 / 0.3 so that, with unit-normal inputs, the ReLUs are partly on and partly off.
        scale = 0.3 if name.endswith("bias") else 0.6
        params[name] = f32(rng.standard_normal(shape) * scale)
    faces = [f32(rng.standard_normal((k, FACE_DIM))) for k in FACE_COUNTS]
    names = [f32(rng.standard_normal((k, NAME_DIM))) for k in NAME_COUNTS]
    return params, faces, names


# ---------------------------------------------------------------------------------------------------------------
# Model (§4): plain functional Linear layers, so the parameters keep their official names.

def face_branch(p, x):
    # projector: Linear(no bias) -> ReLU -> Linear -> ReLU -> Linear
    h = torch.relu(Fn.linear(x, p["projector.0.weight"]))
    h = torch.relu(Fn.linear(h, p["projector.2.weight"], p["projector.2.bias"]))
    return Fn.linear(h, p["projector.4.weight"], p["projector.4.bias"])


def name_branch(p, y):
    # ner_proj: Linear(no bias) -> ReLU, then ner_projector: Linear(no bias) -> ReLU -> Linear -> ReLU -> Linear
    h = torch.relu(Fn.linear(y, p["ner_proj.0.weight"]))
    h = torch.relu(Fn.linear(h, p["ner_projector.0.weight"]))
    h = torch.relu(Fn.linear(h, p["ner_projector.2.weight"], p["ner_projector.2.bias"]))
    return Fn.linear(h, p["ner_projector.4.weight"], p["ner_projector.4.bias"])


def hidden_preactivations(p, x, y):
    # The inputs of the five hidden ReLUs (face: 2, name: 3), real rows only.
    f1 = Fn.linear(x, p["projector.0.weight"])
    f2 = Fn.linear(torch.relu(f1), p["projector.2.weight"], p["projector.2.bias"])
    n1 = Fn.linear(y, p["ner_proj.0.weight"])
    n2 = Fn.linear(torch.relu(n1), p["ner_projector.0.weight"])
    n3 = Fn.linear(torch.relu(n2), p["ner_projector.2.weight"], p["ner_projector.2.bias"])
    return f1, f2, n1, n2, n3


def max_gap(scores):
    # Smallest gap, over all rows of the last dimension, between the max and the largest strictly smaller value
    # (exact duplicates, i.e. padded copies, are skipped).
    s = scores.sort(dim=-1, descending=True).values
    d = s[..., :1] - s
    return d[d > 1e-13].min().item()


def combine(direction, l1, l2, agree, alpha):
    return {"face": l1, "name": l2, "both": l1 + l2, "agree": l1 + l2 + alpha * agree}[direction]


# ---------------------------------------------------------------------------------------------------------------
# Faithful mode (§3.3, §5): zero padding, no mask, padded 4-D tensors.

def pad(sets, dim):
    # ZeroPadCollator: zero rows up to the batch maximum; no mask is kept.
    m = max(len(s) for s in sets)
    out = torch.zeros(len(sets), m, dim, dtype=torch.float64)
    for b, s in enumerate(sets):
        out[b, : len(s)] = s
    return out


def faithful_scores(p, faces, names):
    u = face_branch(p, pad(faces, FACE_DIM))   # [B, F, D]; padded rows become c_F
    v = name_branch(p, pad(names, NAME_DIM))   # [B, N, D]; padded rows become c_N
    n_faces, n_names = u.shape[1], v.shape[1]
    face_ner_match = torch.matmul(v.unsqueeze(1), u.permute(0, 2, 1))   # [B, B, N, F]: [i,j,n,f] = v_in . u_jf
    ner_face_match = torch.matmul(u.unsqueeze(1), v.permute(0, 2, 1))   # [B, B, F, N]: [i,j,f,n] = u_if . v_jn
    s_nf = face_ner_match.max(dim=3).values.sum(dim=2) / n_names        # mean over all N names of max over F
    s_fn = ner_face_match.max(dim=3).values.sum(dim=2) / n_faces        # mean over all F faces of max over N
    # Agreement side (batch_agreement): the same face->name sums, but divided by N (§5.2, §12 item 8).
    c = ner_face_match.max(dim=3).values.sum(dim=2) / n_names
    return s_nf, s_fn, c


def faithful_loss(p, faces, names, direction, agree_type, alpha=ALPHA):
    s_nf, s_fn, c = faithful_scores(p, faces, names)
    target = torch.arange(s_nf.shape[0])
    l1 = Fn.cross_entropy(s_nf, target)   # caption i picks its image among the B images
    l2 = Fn.cross_entropy(s_fn, target)   # image i picks its caption among the B captions
    if agree_type == "diag":
        agree = Fn.mse_loss(torch.diagonal(s_nf), torch.diagonal(c))
    else:  # full: S_NF[i,j] (caption i vs image j) against C[j,i] (image j vs caption i)
        agree = Fn.mse_loss(s_nf, c.t())
    return l1, l2, agree, combine(direction, l1, l2, agree, alpha)


def faithful_loop_check(p, faces, names, direction, agree_type, alpha=ALPHA):
    """The same faithful numbers with plain loops over the padded sets (sanity check of the 4-D tensor code)."""
    n_faces, n_names = max(len(f) for f in faces), max(len(n) for n in names)
    u = face_branch(p, pad(faces, FACE_DIM)).tolist()
    v = name_branch(p, pad(names, NAME_DIM)).tolist()
    b = len(faces)
    dot = lambda a, c: math.fsum(x * y for x, y in zip(a, c))
    s_nf = [[math.fsum(max(dot(v[i][n], u[j][f]) for f in range(n_faces)) for n in range(n_names)) / n_names
             for j in range(b)] for i in range(b)]
    fn_sum = [[math.fsum(max(dot(u[i][f], v[j][n]) for n in range(n_names)) for f in range(n_faces))
               for j in range(b)] for i in range(b)]
    s_fn = [[x / n_faces for x in row] for row in fn_sum]
    c = [[x / n_names for x in row] for row in fn_sum]
    l1, l2 = loop_ce(s_nf), loop_ce(s_fn)
    if agree_type == "diag":
        agree = sum((s_nf[i][i] - c[i][i]) ** 2 for i in range(b)) / b
    else:
        agree = sum((s_nf[i][j] - c[j][i]) ** 2 for i in range(b) for j in range(b)) / (b * b)
    return l1, l2, agree, combine(direction, l1, l2, agree, alpha)


def loop_ce(rows):
    # cross_entropy(logits, arange(B)) written out: mean_i (logsumexp_j rows[i][j] - rows[i][i])
    total = 0.0
    for i, row in enumerate(rows):
        m = max(row)
        total += m + math.log(sum(math.exp(x - m) for x in row)) - row[i]
    return total / len(rows)


# ---------------------------------------------------------------------------------------------------------------
# Clean mode (our fix): real rows only, per-sample loops, own counts as normalisers, temperature tau.

def clean_loss(p, faces, names, direction, agree_type, tau, alpha=ALPHA):
    u = [face_branch(p, f) for f in faces]   # [F_i, D] per image, no padding
    v = [name_branch(p, n) for n in names]   # [N_i, D] per caption
    b = len(faces)
    s_nf = torch.zeros(b, b, dtype=torch.float64)
    s_fn = torch.zeros(b, b, dtype=torch.float64)
    for i in range(b):
        for j in range(b):
            # caption i vs image j: mean over the N_i real names of the max over the F_j real faces
            s_nf[i, j] = sum(max(v[i][n] @ u[j][f] for f in range(len(u[j]))) for n in range(len(v[i]))) / len(v[i])
            # image i vs caption j: mean over the F_i real faces of the max over the N_j real names
            s_fn[i, j] = sum(max(u[i][f] @ v[j][n] for n in range(len(v[j]))) for f in range(len(u[i]))) / len(u[i])
    target = torch.arange(b)
    l1 = Fn.cross_entropy(s_nf / tau, target)
    l2 = Fn.cross_entropy(s_fn / tau, target)
    if agree_type == "diag":
        agree = sum((s_nf[i, i] - s_fn[i, i]) ** 2 for i in range(b)) / b
    else:
        agree = sum((s_nf[i, j] - s_fn[j, i]) ** 2 for i in range(b) for j in range(b)) / (b * b)
    return l1, l2, agree, combine(direction, l1, l2, agree, alpha)


# ---------------------------------------------------------------------------------------------------------------
# Swift output

def sf(x):
    # Shortest decimal that round-trips float32 (numpy's repr is shortest round-trip).
    s = repr(np.float32(x))
    assert np.float32(float(s)) == np.float32(x)
    return s


def sd(x):
    return "%.17g" % float(x)


def swift_float_list(a):
    return "[" + ", ".join(sf(x) for x in np.asarray(a).reshape(-1)) + "]"


def swift_file(params, faces, names, cases, grads):
    L = []
    L.append(f"// Generated by scripts/reference/secla_loss.py with torch {torch.__version__} (float64) from "
             "secla-method.md §5; do not edit.")
    L.append("// Regenerate: /usr/bin/python3 scripts/reference/secla_loss.py")
    L.append("")
    L.append("enum SECLALossReference {")
    L.append(f"    static let faceDim = {FACE_DIM}, nameDim = {NAME_DIM}, hidden = {HIDDEN}, projection = {PROJ}")
    L.append("    /// Official parameter names → row-major float32 values.")
    L.append("    static let weights: [String: [Float]] = [")
    for name, _ in PARAM_SHAPES:
        L.append(f'        "{name}": {swift_float_list(params[name])},')
    L.append("    ]")
    for label, sets, doc in (("faces", faces, "Per sample, per face: faceDim values (real faces only; no padding)."),
                             ("names", names, "Per sample, per candidate name: nameDim values (real names only).")):
        L.append(f"    /// {doc}")
        L.append(f"    static let {label}: [[[Float]]] = [")
        for s in sets:
            L.append("        [" + ", ".join(swift_float_list(row) for row in s) + "],")
        L.append("    ]")
    L.append("    struct Case { let mode: String; let direction: String; let agreeType: String; let alpha: Double; "
             "let temperature: Double; let l1: Double; let l2: Double; let agree: Double; let total: Double }")
    L.append("    static let cases: [Case] = [")
    for c in cases:
        L.append(f'        Case(mode: "{c["mode"]}", direction: "{c["direction"]}", agreeType: "{c["agree_type"]}", '
                 f'alpha: {sd(c["alpha"])}, temperature: {sd(c["tau"])}, l1: {sd(c["l1"])}, l2: {sd(c["l2"])}, '
                 f'agree: {sd(c["agree"])}, total: {sd(c["total"])}),')
    L.append("    ]")
    L.append("    /// d(total)/d(parameter) of cases[0] (faithful, agree, diag), official names → row-major values.")
    L.append("    static let gradients: [String: [Double]] = [")
    for name, _ in PARAM_SHAPES:
        L.append(f'        "{name}": [' + ", ".join(sd(x) for x in grads[name].reshape(-1)) + "],")
    L.append("    ]")
    L.append("}")
    return "\n".join(L) + "\n"


def main():
    params32, faces32, names32 = draw()
    p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params32.items()}
    faces = [torch.tensor(f, dtype=torch.float64) for f in faces32]
    names = [torch.tensor(n, dtype=torch.float64) for n in names32]

    # Fraction of positive pre-activations per hidden layer on the real rows, to show the ReLUs are mixed; and the
    # smallest |pre-activation| and the smallest max-vs-runner-up gap among the dot products, so a float32 Swift
    # implementation takes the same ReLU branches and the same argmax (ties between identical padded rows c_F / c_N
    # do not matter: they come from the same zero input, so any split of the gradient gives the same result).
    with torch.no_grad():
        pre = hidden_preactivations(p, torch.cat(faces), torch.cat(names))
        active = [round((t > 0).double().mean().item(), 2) for t in pre]
        min_pre = min(t.abs().min().item() for t in pre)
        u, v = face_branch(p, pad(faces, FACE_DIM)), name_branch(p, pad(names, NAME_DIM))
        min_gap = min(max_gap(torch.matmul(v.unsqueeze(1), u.permute(0, 2, 1))),
                      max_gap(torch.matmul(u.unsqueeze(1), v.permute(0, 2, 1))))
    assert min_pre > 1e-4 and min_gap > 1e-4, (min_pre, min_gap)

    cases = []
    grads = None
    # cases[0] must be faithful/agree/diag: its gradient is exported.
    for direction, agree_type in (("agree", "diag"), ("agree", "full"), ("both", "diag"), ("face", "diag"),
                                  ("name", "diag")):
        l1, l2, agree, total = faithful_loss(p, faces, names, direction, agree_type)
        ref = faithful_loop_check(p, faces, names, direction, agree_type)
        for a, r in zip((l1, l2, agree, total), ref):
            assert abs(a.item() - r) <= 1e-12, (direction, agree_type, a.item(), r)
        if grads is None:
            total.backward()
            grads = {k: t.grad.detach().numpy().copy() for k, t in p.items()}
        cases.append(dict(mode="faithful", direction=direction, agree_type=agree_type, alpha=ALPHA, tau=1.0,
                          l1=l1.item(), l2=l2.item(), agree=agree.item(), total=total.item()))
    for direction, agree_type, tau in (("agree", "diag", 1.0), ("agree", "full", 1.0), ("both", "diag", 1.0),
                                       ("agree", "diag", 0.5)):
        with torch.no_grad():
            l1, l2, agree, total = clean_loss(p, faces, names, direction, agree_type, tau)
        cases.append(dict(mode="clean", direction=direction, agree_type=agree_type, alpha=ALPHA, tau=tau,
                          l1=l1.item(), l2=l2.item(), agree=agree.item(), total=total.item()))

    with open(OUT, "w", encoding="utf-8") as fh:
        fh.write(swift_file(params32, faces32, names32, cases, grads))

    print(f"torch {torch.__version__}, seed {SEED}, faces {FACE_COUNTS}, names {NAME_COUNTS}, "
          f"ReLU active fractions (face 2 layers, name 3 layers) {active}, min |pre-activation| {min_pre:.2g}, "
          f"min max-vs-runner-up gap {min_gap:.2g}")
    print(f"{'mode':9}{'direction':10}{'agree':6}{'tau':>5}  {'L1':>20}{'L2':>20}{'L_agree':>20}{'total':>20}")
    for c in cases:
        print(f"{c['mode']:9}{c['direction']:10}{c['agree_type']:6}{c['tau']:5.2f}  {c['l1']:20.15f}"
              f"{c['l2']:20.15f}{c['agree']:20.15f}{c['total']:20.15f}")
    gnorm = math.sqrt(sum(float((g ** 2).sum()) for g in grads.values()))
    print(f"gradient of cases[0]: {sum(g.size for g in grads.values())} values, L2 norm {gnorm:.15g}")
    print(f"wrote {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
