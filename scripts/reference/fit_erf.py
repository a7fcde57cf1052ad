#!/usr/bin/env python3
"""Fit the coefficients of the single-precision erf in Sources/CKernels/CKernels.c (`secla_gelu`).

erf is split at |x| = 1:
  |x| < 1       erf(x) = x · P(x²)                              P of degree 6, fitted for relative error
  1 ≤ |x| < 4   erf(x) = sign(x) · (1 − exp(−x²) · Q(w))         Q of degree 7 in w = α·t + β, t = 1/(1 + |x|/2),
                                                                 fitted for relative error of erfc(x)·exp(x²)
  |x| ≥ 4       erf(x) = sign(x)                                 erfc(4) = 1.5e-8 is below half an ulp of 1
Weighted least squares on Chebyshev nodes, reweighted by the error (Lawson) to approach minimax. Reference values
come from Python's double-precision math.erf/math.erfc. Run with numpy: /usr/bin/python3 scripts/reference/fit_erf.py
"""
import math
import numpy as np


def lawson(x, target, degree, iterations=80):
    """Coefficients (lowest first) of the degree-`degree` polynomial in x minimising max |p(x)/target − 1|."""
    basis = np.stack([x**k for k in range(degree + 1)], 1) / target[:, None]
    ones = np.ones_like(x)
    w = np.full_like(x, 1 / len(x))
    for _ in range(iterations):
        root = np.sqrt(w)[:, None]
        c, *_ = np.linalg.lstsq(basis * root, ones * root[:, 0], rcond=None)
        err = np.abs(basis @ c - ones)
        w = w * err
        w /= w.sum()
    return c, float(np.max(np.abs(basis @ c - ones)))


def nodes(lo, hi, n=8000):
    return (np.cos(np.linspace(0, math.pi, n)) + 1) / 2 * (hi - lo) + lo


a = nodes(1e-6, 1.0)
p, p_err = lawson(a * a, np.array([math.erf(x) / x for x in a]), 6)

a = nodes(1.0, 4.0)
t = 1 / (1 + a / 2)
t_lo, t_hi = float(np.float32(t.min())), float(np.float32(t.max()))
alpha, beta = np.float32(2 / (t_hi - t_lo)), np.float32(-(t_hi + t_lo) / (t_hi - t_lo))
w = t * float(alpha) + float(beta)
q, q_err = lawson(w, np.array([math.erfc(x) * math.exp(x * x) for x in a]), 7)

print(f"// P (max relative error {p_err:.2e}), lowest degree first:")
print("{" + ", ".join(f"{np.float32(c)!r}f".replace("np.float32(", "").replace(")", "") for c in p) + "}")
print(f"// Q (max relative error {q_err:.2e}), w = {alpha!r}·t + {beta!r}:")
print("{" + ", ".join(f"{np.float32(c)!r}f".replace("np.float32(", "").replace(")", "") for c in q) + "}")
