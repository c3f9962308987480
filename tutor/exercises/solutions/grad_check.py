"""Exercise 6 · grad_check — reference solution."""

import numpy as np


def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros_like(x, dtype=np.float64)
    for k in np.ndindex(x.shape):
        kept = x[k]
        x[k] = kept + eps
        up = f(x)
        x[k] = kept - eps
        down = f(x)
        x[k] = kept
        grad[k] = (up - down) / (2 * eps)
    return grad


def relative_error(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)
