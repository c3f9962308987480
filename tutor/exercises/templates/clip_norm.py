"""Exercise 4 · clip_norm — clipping gradients by their global norm.

Write the function below, then run `rnn-tutor check clip_norm`.

The global norm is the Euclidean norm of ALL the gradients together,
as if every array were flattened and joined into one vector:

    norm = sqrt(Σ_arrays Σ_entries g²)

If clip_norm > 0 and norm > clip_norm, every array is multiplied by
clip_norm / norm, so the direction stays and the length becomes
clip_norm. Otherwise the arrays are returned unchanged (the same
arrays, or copies: either passes). clip_norm = 0 means "no clipping".

    grads       a list of arrays of any shapes (kernel, bias, …)
    clip_norm   a float >= 0
    returns (clipped, norm): a list of arrays with the same shapes,
            scaled or unchanged, and the norm BEFORE clipping, as a
            Python float

Do not change the arrays you are given (no `g *= …`): the caller
still needs them.
"""

import numpy as np


def clip_by_global_norm(grads, clip_norm):
    # Replace the line below with your code.
    raise NotImplementedError("clip_by_global_norm is not written yet")
