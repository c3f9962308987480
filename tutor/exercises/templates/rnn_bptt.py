"""Exercise 7 · rnn_bptt — backpropagation through time for the
vanilla RNN, over a whole sequence.

Write both functions below, then run `rnn-tutor check rnn_bptt`.

rnn_forward(x, kernel, recurrent_kernel, bias):
    x (B, T, F); h_{−1} is zeros (B, U); for t = 0 … T−1
        h_t = tanh(x[:, t] · kernel + h_{t−1} · recurrent_kernel
                   + bias)
    returns hs (B, T, U): hs[:, t] is h_t.

rnn_backward(x, hs, dh, kernel, recurrent_kernel):
    The loss is L = Σ hs ⊙ dh, so dh (B, T, U) is ∂L/∂h_t coming
    from OUTSIDE the recurrence (a read-out, a loss) at every step.
    Walk back from t = T−1 to 0, carrying the gradient that reaches
    h_t through h_{t+1}:

        total_t = dh[:, t] + carry            ∂L/∂h_t, both paths
        da_t    = total_t ⊙ (1 − h_t²)        through the tanh
        carry   = da_t · recurrent_kernelᵀ    on to h_{t−1}

    and add up each step's share of the weight gradients
    (h_{−1} is zeros):

        kernel            Σ_t x_tᵀ · da_t          (F, U)
        recurrent_kernel  Σ_t h_{t−1}ᵀ · da_t      (U, U)
        bias              Σ_t Σ_batch da_t         (U,)
        inputs[:, t]      da_t · kernelᵀ           (B, T, F)

    returns a dict with the keys "inputs", "kernel",
    "recurrent_kernel" and "bias".

Shapes: kernel (F, U), recurrent_kernel (U, U), bias (U,), Keras's
SimpleRNN layout. A loop over t is expected; the batch is not looped.
"""

import numpy as np


def rnn_forward(x, kernel, recurrent_kernel, bias):
    # Replace the line below with your code.
    raise NotImplementedError("rnn_forward is not written yet")


def rnn_backward(x, hs, dh, kernel, recurrent_kernel):
    # Replace the line below with your code.
    raise NotImplementedError("rnn_backward is not written yet")
