"""Classifying whole sequences (lesson 8's splice-junction lab), the NumPy parts: the data, its crops, the
baselines and the scores. No TensorFlow here; the recurrent models that these baselines are measured
against live with the lab.

- :func:`load_splice` — the 3,186 primate splice-junction windows of ``tutor/data/splice.csv`` as codes.
- :func:`distinct_windows` — the same windows with the repeats dropped: 3,000 windows, each once.
- :func:`splice_split` — the fixed train/test split of the distinct windows (a seeded permutation; the same
  for every run).
- :func:`shift_crop` — every window cut to 60 − s bases at a random offset in 0..s: the junction moves.
- :func:`junction_crop` — every window cut to a random length around the junction, padded and masked.
- :func:`one_hot`, :func:`kmer_counts` — the two feature sets of the linear baselines.
- :func:`fit_softmax`, :func:`baselines` — softmax regression trained in NumPy; chance, k-mers, positional.
- :func:`confusion`, :func:`per_class`, :func:`table_lines` — a confusion matrix and per-class precision,
  recall and F1, as numbers and as text for an 80-column lab.

Bases are coded 0..3 (A, C, G, T). Padded batches use token ids 1..4 for the bases and 0 for padding, the
convention of Keras's ``Embedding(mask_zero=True)`` that lesson 1 introduced.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

BASES = "ACGT"
CLASSES = ("ei", "ie", "n")  # exon→intron (donor), intron→exon (acceptor), neither
CLASS_NAMES = {"ei": "exon→intron", "ie": "intron→exon", "n": "neither"}
WINDOW = 60  # bases per window: positions −30..−1 and +1..+30
JUNCTION = 30  # index of the first base after the (possible) junction, position +1
SPLIT_SEED = 0  # the split is part of the data set, not of a run: one seed for every run
TRAIN_SIZE = 2000  # distinct windows in the training part; the other 1,000 are the test part
PAD = 0  # the token id of padding (bases are 1..4)


@lru_cache(maxsize=None)
def load_splice() -> tuple[np.ndarray, np.ndarray]:
    """(bases (3186, 60) int8 codes 0..3, classes (3186,) int8 indices into :data:`CLASSES`), in file order."""
    text = resources.files("tutor.data").joinpath("splice.csv").read_text(encoding="ascii")
    rows = list(csv.DictReader(io.StringIO(text)))
    lookup = np.full(128, -1, dtype=np.int8)
    lookup[[ord(b) for b in BASES]] = np.arange(4)
    x = lookup[np.frombuffer("".join(r["bases"] for r in rows).encode("ascii"), dtype=np.uint8)]
    x = x.reshape(len(rows), WINDOW)
    y = np.array([CLASSES.index(r["class"]) for r in rows], dtype=np.int8)
    if (x < 0).any():
        raise ValueError("splice.csv holds a letter other than A, C, G, T")
    x.flags.writeable = y.flags.writeable = False  # cached: a caller must not change everyone's copy
    return x, y


@lru_cache(maxsize=None)
def distinct_windows() -> tuple[np.ndarray, np.ndarray]:
    """:func:`load_splice` with every window once: the file's 3,186 rows hold 3,001 distinct windows (125 of
    them two to five times), and a window repeated across a split would be tested on what it trained on.
    A repeat keeps its first row's place; the one window that occurs with two classes (data rows 2,675 and
    2,961, ``n`` and ``ie``) is dropped, since no classifier can be right on both. 3,000 windows remain
    (ei 679, ie 669, n 1,652: the repeats were mostly junctions)."""
    x, y = load_splice()
    _, first, which = np.unique(x, axis=0, return_index=True, return_inverse=True)
    which = which.ravel()
    classes = np.zeros((len(first), len(CLASSES)), dtype=bool)
    classes[which, y] = True
    keep = np.sort(first[classes.sum(axis=1) == 1])  # file order
    xd, yd = x[keep], y[keep]
    xd.flags.writeable = yd.flags.writeable = False
    return xd, yd


@dataclass(frozen=True)
class SpliceSplit:
    """The fixed split of the windows: codes (n, 60) and class indices (n,)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def splice_split(train_size: int = TRAIN_SIZE) -> SpliceSplit:
    """The first ``train_size`` of the :func:`distinct_windows` in one seeded permutation train; the rest test,
    so no test window occurs in training. The seed is :data:`SPLIT_SEED`, not the run's: every run and every
    baseline is scored on the same test windows."""
    x, y = distinct_windows()
    if not 1 <= train_size < len(y):
        raise ValueError(f"train_size must be 1 to {len(y) - 1}, got {train_size}")
    order = np.random.default_rng(SPLIT_SEED).permutation(len(y))
    train, test = order[:train_size], order[train_size:]
    return SpliceSplit(x[train], y[train], x[test], y[test])


def shift_crop(x: np.ndarray, shift: int, rng: np.random.Generator) -> np.ndarray:
    """Each window cut to ``60 − shift`` bases starting at a random offset in 0..shift (one per window), so
    the junction sits anywhere within ``shift`` positions; all windows keep one length. ``shift = 0`` returns
    the windows as they are."""
    n, width = x.shape
    if not 0 <= shift < width:
        raise ValueError(f"shift must be 0 to {width - 1}, got {shift}")
    starts = rng.integers(0, shift + 1, size=(n, 1))
    return x[np.arange(n)[:, None], starts + np.arange(width - shift)]


def junction_crop(x: np.ndarray, min_length: int, rng: np.random.Generator,
                  padding: str = "post") -> tuple[np.ndarray, np.ndarray]:
    """Each window cut to a random length in ``min_length``..60 that still holds the four bases around the
    junction (positions −2..+2), at a random place; returned as token ids (bases 1..4, :data:`PAD` = 0)
    padded to 60, ``post`` (at the end) or ``pre``, and the mask (True where a base is real)."""
    n, width = x.shape
    if not 4 <= min_length <= width:
        raise ValueError(f"min_length must be 4 to {width}, got {min_length}")
    if padding not in ("pre", "post"):
        raise ValueError(f"padding must be 'pre' or 'post', got {padding!r}")
    lengths = rng.integers(min_length, width + 1, size=n)
    lo = np.maximum(0, JUNCTION + 2 - lengths)  # the crop must reach position +2 ...
    hi = np.minimum(JUNCTION - 2, width - lengths)  # ... and start at or before position −2
    starts = lo + (rng.random(n) * (hi - lo + 1)).astype(int)
    tokens = np.full((n, width), PAD, dtype=np.int8)
    mask = np.zeros((n, width), dtype=bool)
    for i, (start, length) in enumerate(zip(starts, lengths)):
        at = 0 if padding == "post" else width - length
        tokens[i, at: at + length] = x[i, start: start + length] + 1
        mask[i, at: at + length] = True
    return tokens, mask


def one_hot(x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Codes 0..3 (n, T) → (n, T, 4) float32. Given a mask, ``x`` holds token ids (bases 1..4, padding 0,
    as :func:`junction_crop` returns them) and padded steps become all zeros."""
    codes = x - 1 if mask is not None else x
    out = np.zeros((*x.shape, 4), dtype=np.float32)
    real = mask if mask is not None else np.ones(x.shape, dtype=bool)
    out[real, codes[real]] = 1.0
    return out


def kmer_counts(x: np.ndarray, k: int, mask: np.ndarray | None = None) -> np.ndarray:
    """How often each of the 4^k k-mers occurs in each window, divided by the number of k-mers in it (so
    windows of different lengths compare); where a base sits is lost. (n, T) codes → (n, 4^k) float32;
    given a mask, ``x`` holds token ids as for :func:`one_hot` and only k-mers of real bases count."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    codes = x - 1 if mask is not None else x
    real = mask if mask is not None else np.ones(x.shape, dtype=bool)
    n, steps = x.shape
    ids = np.zeros((n, steps - k + 1), dtype=np.int64)
    whole = np.ones((n, steps - k + 1), dtype=bool)
    for j in range(k):
        ids = ids * 4 + np.where(real[:, j: steps - k + 1 + j], codes[:, j: steps - k + 1 + j], 0)
        whole &= real[:, j: steps - k + 1 + j]
    counts = np.zeros((n, 4 ** k), dtype=np.float32)
    rows = np.broadcast_to(np.arange(n)[:, None], ids.shape)
    np.add.at(counts, (rows[whole], ids[whole]), 1.0)
    return counts / np.maximum(whole.sum(axis=1, keepdims=True), 1)


@dataclass(frozen=True)
class Softmax:
    """A fitted softmax regression: standardise with the training mean and spread, then x·W + b."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: np.ndarray

    def predict(self, features: np.ndarray) -> np.ndarray:
        return np.argmax(((features - self.mean) / self.scale) @ self.weights + self.bias, axis=1)


def fit_softmax(features: np.ndarray, y: np.ndarray, classes: int, l2: float = 1e-3, steps: int = 300,
                learning_rate: float = 0.5) -> Softmax:
    """Softmax regression by full-batch gradient descent with momentum on the mean cross-entropy plus
    ``l2``·‖W‖². The features are standardised (training statistics) so one learning rate suits them all."""
    mean = features.mean(axis=0)
    scale = features.std(axis=0) + 1e-6  # a constant feature (a base never seen at a position) stays 0
    z = ((features - mean) / scale).astype(np.float64)
    target = np.eye(classes)[y]
    w = np.zeros((z.shape[1], classes))
    b = np.zeros(classes)
    vw, vb = np.zeros_like(w), np.zeros_like(b)
    for _ in range(steps):
        logits = z @ w + b
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        d = (p - target) / len(y)
        vw = 0.9 * vw - learning_rate * (z.T @ d + 2 * l2 * w)
        vb = 0.9 * vb - learning_rate * d.sum(axis=0)
        w, b = w + vw, b + vb
    return Softmax(mean, scale, w, b)


def baselines(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, k: int = 3,
              mask_train: np.ndarray | None = None, mask_test: np.ndarray | None = None) -> dict[str, float]:
    """Test accuracy of the three baselines on one split: ``chance`` (always the training set's majority
    class), ``kmers`` (softmax regression on k-mer frequencies: ignores order) and ``positional`` (softmax
    regression on the flattened one-hot window: a weight for every base at every position)."""
    classes = len(CLASSES)
    majority = np.bincount(y_train, minlength=classes).argmax()
    kmer = fit_softmax(kmer_counts(x_train, k, mask_train), y_train, classes)
    flat_train = one_hot(x_train, mask_train).reshape(len(x_train), -1)
    positional = fit_softmax(flat_train, y_train, classes)
    return {
        "chance": float(np.mean(y_test == majority)),
        "kmers": float(np.mean(kmer.predict(kmer_counts(x_test, k, mask_test)) == y_test)),
        "positional": float(np.mean(positional.predict(one_hot(x_test, mask_test).reshape(len(x_test), -1))
                                    == y_test)),
    }


def confusion(y_true: np.ndarray, y_pred: np.ndarray, classes: int = len(CLASSES)) -> np.ndarray:
    """(classes, classes) counts: row = the true class, column = the predicted one."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return matrix


def per_class(matrix: np.ndarray, names: tuple[str, ...] = CLASSES) -> list[dict[str, float | int | str]]:
    """Precision, recall and F1 of each class from a confusion matrix; a ratio with nothing to divide by
    (a class never predicted, or never present) is 0."""
    out: list[dict[str, float | int | str]] = []
    for i, name in enumerate(names):
        hit, predicted, actual = matrix[i, i], matrix[:, i].sum(), matrix[i].sum()
        precision = hit / predicted if predicted else 0.0
        recall = hit / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out.append({"class": name, "precision": float(precision), "recall": float(recall), "f1": float(f1),
                    "support": int(actual)})
    return out


def table_lines(matrix: np.ndarray, names: tuple[str, ...] = CLASSES) -> list[str]:
    """The per-class table and the confusion matrix as text lines (fits 80 columns)."""
    lines = [f"{'class':<18}{'precision':>10}{'recall':>9}{'F1':>7}{'windows':>9}"]
    for row in per_class(matrix, names):
        name = str(row["class"])
        label = f"{name} ({CLASS_NAMES[name]})" if name in CLASS_NAMES else name
        lines.append(f"{label:<18}{row['precision']:>10.2f}{row['recall']:>9.2f}{row['f1']:>7.2f}"
                     f"{row['support']:>9}")
    lines += ["", "confusion (rows: true class, columns: predicted)",
              " " * 8 + "".join(f"{n:>8}" for n in names)]
    lines += [f"{n:<8}" + "".join(f"{v:>8}" for v in matrix[i]) for i, n in enumerate(names)]
    return lines
