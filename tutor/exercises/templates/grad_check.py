"""Exercise 6 · grad_check — a finite-difference gradient checker.

Write both functions below, then run `rnn-tutor check grad_check`.

numerical_gradient(f, x, eps=1e-5):
    f takes an array shaped like x and returns a float (a loss).
    Return an array shaped like x whose entry at index k is the
    CENTRAL difference

        (f(x with x[k] + eps) − f(x with x[k] − eps)) / (2·eps)

    Change x in place one entry at a time and put the entry back
    afterwards: when you return, x must hold exactly what it held
    when you were called. np.ndindex(x.shape) walks every index.

relative_error(a, b):
    ‖a − b‖ / (‖a‖ + ‖b‖) with Euclidean norms over all entries, as a
    Python float; 0.0 when a and b are both all zeros.
    (The tutor's gradient-check lab uses exactly this measure.)
"""

import numpy as np


def numerical_gradient(f, x, eps=1e-5):
    # Replace the line below with your code.
    raise NotImplementedError("numerical_gradient is not written yet")


def relative_error(a, b):
    # Replace the line below with your code.
    raise NotImplementedError("relative_error is not written yet")
