"""The NumPy parts of lesson 6 (no TensorFlow): what the three application labs compute around their networks.

- Forecasting: :func:`load_series`, :func:`series_windows`, :class:`Scaler` (fitted on the training part
  only), :func:`naive_forecast`, :func:`seasonal_naive_forecast`, :func:`mae`.
- Text: :class:`Vocab`, :func:`split_text`, :func:`unigram_bits`, :func:`softmax_t` and :func:`sample_text`
  (temperature sampling from a trained LSTM's weights, run here in NumPy).
- Addition as sequence to sequence: :func:`addition_data` (questions, teacher-forced decoder inputs,
  targets; held-out pairs never seen in either order) and :func:`greedy_decode`.

The networks themselves are Keras models built in ``experiments/applications.py``; their weights are copied
into :class:`LSTMStep` for step-by-step generation, which needs no compiled graph and no retracing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

# -- forecasting -----------------------------------------------------------------------------------------
SERIES = ("co2", "sunspots", "synthetic")
SEASON = {"co2": 12, "sunspots": 11, "synthetic": 24}  # one season back, in steps (sunspots: the ~11-year cycle)
UNIT = {"co2": "ppm", "sunspots": "sunspots", "synthetic": ""}


@dataclass(frozen=True)
class Series:
    name: str
    x: np.ndarray  # time, for the chart's axis (years for the real series)
    y: np.ndarray
    season: int
    unit: str
    label: str  # what the x values are
    describe: str


def load_series(name: str, seed: int = 0) -> Series:
    """One of the shipped real series (``co2``, ``sunspots``) or a synthetic one (trend + cycle + noise)."""
    from tutor import data

    if name == "co2":
        months, y = data.co2_monthly()
        x = np.array([int(m[:4]) + (int(m[5:7]) - 1) / 12 for m in months])
        return Series(name, x, y, 12, "ppm", "year", f"Mauna Loa CO₂, monthly, {months[0]} to {months[-1]}")
    if name == "sunspots":
        years, y = data.sunspots_yearly()
        return Series(name, np.array([float(v) for v in years]), y, 11, "sunspots", "year",
                      f"yearly sunspot number, {years[0]} to {years[-1]}")
    if name == "synthetic":
        t = np.arange(480, dtype=float)
        rng = np.random.default_rng(seed)
        y = 0.01 * t + np.sin(2 * np.pi * t / 24) + 0.5 * np.sin(2 * np.pi * t / 96) \
            + 0.1 * rng.standard_normal(len(t))
        return Series(name, t, y, 24, "", "step",
                      "synthetic: trend 0.01/step + cycles of 24 and 96 steps + noise 0.1")
    raise ValueError(f"unknown series {name!r}")


@dataclass(frozen=True)
class Scaler:
    """Standardisation whose mean and spread come from the training part only (so nothing leaks from the
    held-out tail into the inputs the model is trained on)."""

    mean: float
    std: float

    @classmethod
    def fit(cls, values: np.ndarray) -> "Scaler":
        std = float(np.std(values))
        return cls(float(np.mean(values)), std if std > 0 else 1.0)

    def __call__(self, values: np.ndarray) -> np.ndarray:
        return (values - self.mean) / self.std

    def inverse(self, values: np.ndarray) -> np.ndarray:
        return values * self.std + self.mean


def model_signal(y: np.ndarray, predict: str) -> np.ndarray:
    """What the network reads and predicts: the level itself, or the change from the previous value."""
    return np.diff(y) if predict == "change" else np.asarray(y, dtype=float)


def series_windows(values: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, window, 1) inputs ``values[i : i + window]`` and (n, 1) targets ``values[i + window]``."""
    n = len(values) - window
    if n <= 0:
        return np.zeros((0, window, 1), np.float32), np.zeros((0, 1), np.float32)
    idx = np.arange(window)[None, :] + np.arange(n)[:, None]
    return values[idx][..., None].astype(np.float32), values[window:][:, None].astype(np.float32)


def naive_forecast(history: np.ndarray, horizon: int) -> np.ndarray:
    """Every future value equals the last one seen."""
    return np.full(horizon, float(history[-1]))


def seasonal_naive_forecast(history: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """Each future value equals the value one season before it, taken from the last season seen."""
    last = np.asarray(history[-season:], dtype=float)
    return np.array([last[h % season] for h in range(horizon)])


def mae(a: Sequence[float], b: Sequence[float]) -> float:
    return float(np.mean(np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float))))


# -- text ------------------------------------------------------------------------------------------------
class Vocab:
    """Characters <-> ids, in sorted order (so the same text always gives the same ids)."""

    def __init__(self, text: str) -> None:
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        return np.array([self.index[c] for c in text], dtype=np.int32)

    def decode(self, ids: Sequence[int]) -> str:
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


def softmax_t(logits: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(logits / T) along the last axis. T = 0 is the limit: all probability on the largest logit."""
    logits = np.asarray(logits, dtype=np.float64)
    if temperature <= 0:
        out = np.zeros_like(logits)
        np.put_along_axis(out, np.argmax(logits, axis=-1)[..., None], 1.0, axis=-1)
        return out
    z = logits / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def entropy_bits(p: np.ndarray) -> float:
    p = np.asarray(p, dtype=np.float64)
    nz = p[p > 0]
    return float(-(nz * np.log2(nz)).sum())


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

    def run(self, ids: np.ndarray, state: tuple[np.ndarray, np.ndarray] | None = None):
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
            p = softmax_t(logits[j], temp)
            current[j] = int(np.argmax(p)) if temp <= 0 else int(rng.choice(len(p), p=p))
        out[:, t] = current
    return [vocab.decode(row) for row in out]


# -- addition as sequence to sequence ------------------------------------------------------------------------
ADD_VOCAB = Vocab("0123456789+ =")  # '=' starts the answer (the decoder's first input); ' ' pads
START = ADD_VOCAB.index["="]


@dataclass(frozen=True)
class AdditionData:
    digits: int
    reverse: bool
    q_len: int  # "99+99" is 2·digits + 1 characters
    a_len: int  # the sum has at most digits + 1 digits
    train: tuple[np.ndarray, np.ndarray, np.ndarray]  # (questions, decoder inputs, targets) as ids
    test: tuple[np.ndarray, np.ndarray, np.ndarray]
    test_pairs: np.ndarray  # (n, 2) the held-out (a, b)
    train_keys: frozenset  # unordered pairs seen in training, to tell a learner whether their sum was


def format_question(a: int, b: int, digits: int) -> str:
    return f"{a}+{b}".ljust(2 * digits + 1)


def format_answer(total: int, digits: int) -> str:
    return str(total).ljust(digits + 1)


def encode_questions(pairs: np.ndarray, digits: int, reverse: bool) -> np.ndarray:
    rows = [format_question(int(a), int(b), digits) for a, b in pairs]
    if reverse:  # the question's first characters (the leading digits the answer starts with) end up nearest
        # to the decoder
        rows = [r[::-1] for r in rows]
    return np.stack([ADD_VOCAB.encode(r) for r in rows]) if rows else np.zeros((0, 2 * digits + 1), np.int32)


def _answers(pairs: np.ndarray, digits: int) -> tuple[np.ndarray, np.ndarray]:
    targets = np.stack([ADD_VOCAB.encode(format_answer(int(a + b), digits)) for a, b in pairs])
    decoder_in = np.concatenate([np.full((len(pairs), 1), START, np.int32), targets[:, :-1]], axis=1)
    return decoder_in, targets


def addition_data(digits: int, train_size: int, test_size: int, reverse: bool, seed: int) -> AdditionData:
    """Random sums a + b of numbers with up to ``digits`` digits. The held-out sums are unordered pairs
    {a, b} that appear in training in neither order, so the test asks for real generalisation."""
    rng = np.random.default_rng(seed)
    top = 10 ** digits
    if top * top <= 2 * (train_size + test_size):  # small enough to enumerate: take every pair once
        a, b = np.meshgrid(np.arange(top), np.arange(top), indexing="ij")
        pairs = np.stack([a.ravel(), b.ravel()], axis=1)
    else:
        pairs = rng.integers(0, top, size=(3 * (train_size + test_size), 2))
    keys = np.minimum(pairs[:, 0], pairs[:, 1]) * top + np.maximum(pairs[:, 0], pairs[:, 1])
    unique_keys = np.unique(keys)
    rng.shuffle(unique_keys)
    # A few more unordered pairs than needed, since a pair {a, a} gives one sum and {a, b} two.
    share = 1.1 * test_size / (train_size + test_size)
    test_keys = set(unique_keys[:max(1, int(np.ceil(len(unique_keys) * share)))].tolist())
    is_test = np.array([k in test_keys for k in keys.tolist()])
    test_pairs = pairs[is_test]
    train_pairs = pairs[~is_test]
    test_pairs = test_pairs[rng.permutation(len(test_pairs))[:test_size]]
    train_pairs = train_pairs[rng.permutation(len(train_pairs))[:train_size]]
    seen = np.minimum(train_pairs[:, 0], train_pairs[:, 1]) * top + np.maximum(train_pairs[:, 0], train_pairs[:, 1])

    def encode(p: np.ndarray):
        dec_in, tgt = _answers(p, digits)
        return encode_questions(p, digits, reverse), dec_in, tgt

    return AdditionData(digits, reverse, 2 * digits + 1, digits + 1, encode(train_pairs), encode(test_pairs),
                        test_pairs, frozenset(seen.tolist()))


def parse_sum(text: str, digits: int) -> tuple[int, int]:
    """"535+61" -> (535, 61); raises ValueError with a learner-facing reason."""
    parts = text.replace(" ", "").split("+")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError("write a sum such as 53+61")
    a, b = int(parts[0]), int(parts[1])
    if max(a, b) >= 10 ** digits:
        raise ValueError(f"at most {10 ** digits - 1} + {10 ** digits - 1} (digits = {digits})")
    return a, b


def greedy_decode(encoder: LSTMStep, decoder: LSTMStep, questions: np.ndarray, a_len: int) -> np.ndarray:
    """Greedy decoding: the encoder reads the question, its final (h, c) starts the decoder, which gets '='
    and then, at every step, its own most likely previous character (no teacher: at test time there is no
    true answer to feed). Returns (n, a_len) ids."""
    state = encoder.run(questions)
    current = np.full(len(questions), START)
    out = np.zeros((len(questions), a_len), dtype=np.int64)
    for t in range(a_len):
        state = decoder.step(current, state)
        current = np.argmax(decoder.logits(state[0]), axis=-1)
        out[:, t] = current
    return out


def exact_match(predicted: np.ndarray, targets: np.ndarray) -> float:
    """The share of answers right in every character (padding included)."""
    return float(np.mean(np.all(predicted == targets, axis=1))) if len(targets) else 0.0


def char_accuracy(predicted: np.ndarray, targets: np.ndarray) -> float:
    """The share of answer characters right (padding included), what Keras's ``accuracy`` reports."""
    return float(np.mean(predicted == targets)) if len(targets) else 0.0


def bits(nats: float) -> float:
    return nats / math.log(2)
