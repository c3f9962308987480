"""Text for a character-level network, in NumPy (lesson 6's ``char-rnn`` lab, and the LSTM that the
``seq2seq-addition`` lab decodes with).

- :class:`Vocab`, :func:`split_text`, :func:`char_windows`, :func:`tiled_windows`.
- :func:`unigram_bits`, :func:`bits`: the context-free baseline and the unit the lab reports in.
- :class:`LSTMStep`: a trained Keras LSTM layer's weights run one step at a time in NumPy (generation needs
  no compiled graph and no retracing); :func:`softmax_t` and :func:`sample_text`: temperature sampling.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np


class Vocab:
    """Characters <-> ids, in sorted order (so the same text always gives the same ids)."""

    def __init__(self, text: str) -> None:
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        return np.array([self.index[c] for c in text], dtype=np.int32)

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self.chars[int(i)] for i in ids)

    def unknown(self, text: str) -> list[str]:
        return sorted({c for c in text if c not in self.index})


def split_text(text: str, block: int = 2000, every: int = 10) -> tuple[str, str]:
    """(training text, held-out text): every ``every``-th block of ``block`` characters is held out, so the
    held-out part samples the whole book rather than only its last chapters."""
    blocks = [text[i: i + block] for i in range(0, len(text), block)]
    held = "".join(b for i, b in enumerate(blocks) if i % every == every - 1)
    train = "".join(b for i, b in enumerate(blocks) if i % every != every - 1)
    return train, held


def unigram_bits(train_ids: np.ndarray, test_ids: np.ndarray, vocab_size: int) -> float:
    """Bits per character on the test ids of the best context-free model: the training text's character
    frequencies (add-one smoothed so an unseen character costs finite bits)."""
    counts = np.bincount(train_ids, minlength=vocab_size) + 1.0
    p = counts / counts.sum()
    return float(-np.mean(np.log2(p[test_ids])))


def char_windows(ids: np.ndarray, seq_len: int, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random windows: inputs ids[s : s + seq_len], targets the next character at every step."""
    starts = rng.integers(0, len(ids) - seq_len - 1, size=n)
    idx = starts[:, None] + np.arange(seq_len)[None, :]
    return ids[idx], ids[idx + 1]


def tiled_windows(ids: np.ndarray, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Non-overlapping windows covering ``ids`` (for a held-out loss over the whole held-out text)."""
    n = (len(ids) - 1) // seq_len
    x = ids[: n * seq_len].reshape(n, seq_len)
    y = ids[1: n * seq_len + 1].reshape(n, seq_len)
    return x, y


def softmax_t(
    logits: np.ndarray, temperature: float
) -> np.ndarray:
    """softmax(logits / T) along the last axis. T = 0, and any T
    below it, is the limit: all probability on the largest
    logit."""
    logits = np.asarray(logits, dtype=np.float64)
    if temperature <= 0:
        out = np.zeros_like(logits)
        top = np.argmax(logits, axis=-1)[..., None]
        np.put_along_axis(out, top, 1.0, axis=-1)
        return out
    z = logits / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def sample(
    logits: np.ndarray,
    temperature: float,
    rng: np.random.Generator,
) -> int:
    """One index drawn from softmax(logits / T): the largest logit
    at T ≤ 0 (no draw), else one uniform u and the first index
    whose cumulative probability exceeds it (what
    ``rng.choice(len(p), p=p)`` does too). The one sampler: this
    file's text generator and the temperature exercise's reference
    both use it."""
    if temperature <= 0:
        return int(np.argmax(logits))
    p = softmax_t(logits, temperature)
    u = rng.random()
    first = int(np.searchsorted(np.cumsum(p), u, side="right"))
    return min(first, len(p) - 1)


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * a) + 1.0)


class LSTMStep:
    """One Keras LSTM layer (with its embedding in front and, optionally, its Dense read-out behind), run one
    step at a time in NumPy. Weights are Keras's: kernel (E, 4U), recurrent kernel (U, 4U), bias (4U), gate
    blocks in the order i, f, c, o."""

    def __init__(self, embedding: np.ndarray, kernel: np.ndarray, recurrent: np.ndarray, bias: np.ndarray,
                 dense: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        self.embedding = np.asarray(embedding, dtype=np.float64)
        self.kernel = np.asarray(kernel, dtype=np.float64)
        self.recurrent = np.asarray(recurrent, dtype=np.float64)
        self.bias = np.asarray(bias, dtype=np.float64)
        self.units = self.recurrent.shape[0]
        self.dense = None if dense is None else (np.asarray(dense[0], np.float64), np.asarray(dense[1], np.float64))

    def zero_state(self, batch: int) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros((batch, self.units)), np.zeros((batch, self.units))

    def step(self, ids: np.ndarray, state: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        h, c = state
        z = self.embedding[ids] @ self.kernel + h @ self.recurrent + self.bias
        u = self.units
        i, f, g, o = _sigmoid(z[:, :u]), _sigmoid(z[:, u:2 * u]), np.tanh(z[:, 2 * u:3 * u]), _sigmoid(z[:, 3 * u:])
        c = f * c + i * g
        return o * np.tanh(c), c

    def run(self, ids: np.ndarray,
            state: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Feed (batch, T) ids; return the final (h, c)."""
        ids = np.atleast_2d(ids)
        state = self.zero_state(len(ids)) if state is None else state
        for t in range(ids.shape[1]):
            state = self.step(ids[:, t], state)
        return state

    def logits(self, h: np.ndarray) -> np.ndarray:
        assert self.dense is not None
        return h @ self.dense[0] + self.dense[1]


def sample_text(net: LSTMStep, vocab: Vocab, prompt: str, temperatures: Sequence[float], length: int,
                rng: np.random.Generator) -> list[str]:
    """For each temperature, ``length`` characters drawn one at a time from softmax(logits / T), each fed
    back as the next input, after the network has read the prompt. All temperatures run as one batch."""
    k = len(temperatures)
    state = net.run(np.tile(vocab.encode(prompt)[None, :-1], (k, 1))) if len(prompt) > 1 else net.zero_state(k)
    current = np.full(k, vocab.index[prompt[-1]])
    out = np.zeros((k, length), dtype=np.int64)
    for t in range(length):
        state = net.step(current, state)
        logits = net.logits(state[0])
        for j, temp in enumerate(temperatures):
            current[j] = sample(logits[j], temp, rng)
        out[:, t] = current
    return [vocab.decode(row) for row in out]


def bits(nats: float) -> float:
    return nats / math.log(2)
