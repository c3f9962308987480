"""Exercise 5 · temperature — softmax with a temperature, and sampling.

Write both functions below, then run `rnn-tutor check temperature`.

softmax_with_temperature(logits, temperature):
    p = softmax(logits / temperature) over the LAST axis.
    logits may be (V,) or (B, V); the result has the same shape and
    each row sums to 1. Logits of ±1000 must not give NaN: subtract
    the row's maximum before exponentiating (it does not change p).
    temperature > 0 here.

sample(logits, temperature, rng):
    logits (V,), one distribution. Returns an int index.
    - temperature == 0: the argmax (the most likely index); do not
      draw from rng.
    - otherwise: p = softmax_with_temperature(logits, temperature),
      draw ONE number u = rng.random(), and return the first index
      whose cumulative probability p[0] + … + p[i] is greater than u
      (np.cumsum and np.searchsorted(..., side="right") do it); if
      rounding leaves no such index, return the last one, V − 1.
    Drawing exactly one u makes your samples reproducible: the checker
    gives your function and its own the same seed.
"""

import numpy as np


def softmax_with_temperature(logits, temperature):
    # Replace the line below with your code.
    raise NotImplementedError("softmax_with_temperature is not written yet")


def sample(logits, temperature, rng):
    # Replace the line below with your code.
    raise NotImplementedError("sample is not written yet")
