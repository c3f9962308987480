"""Exercise 4 · clip_norm — reference solution."""

import numpy as np


def clip_by_global_norm(grads, clip_norm):
    norm = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads)))
    if clip_norm > 0 and norm > clip_norm:
        return [g * (clip_norm / norm) for g in grads], norm
    return [np.array(g, copy=True) for g in grads], norm
