"""Addition as sequence to sequence, in NumPy (lesson 6's ``seq2seq-addition`` lab).

- :func:`addition_data`: questions, teacher-forced decoder inputs and targets; the held-out pairs are never
  seen in training in either order.
- :func:`encode_questions`: the learner's own sum as the network reads it.
- :func:`greedy_decode` (with :class:`tutor.engine.text.LSTMStep`), :func:`exact_match`,
  :func:`char_accuracy`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tutor.engine.text import LSTMStep, Vocab


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
    test_pairs = np.unique(pairs[is_test], axis=0)  # drawn pairs (3 digits and more) can repeat
    train_pairs = pairs[~is_test]
    test_pairs = test_pairs[rng.permutation(len(test_pairs))[:test_size]]
    train_pairs = train_pairs[rng.permutation(len(train_pairs))[:train_size]]
    seen = np.minimum(train_pairs[:, 0], train_pairs[:, 1]) * top + np.maximum(train_pairs[:, 0], train_pairs[:, 1])

    def encode(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        dec_in, tgt = _answers(p, digits)
        return encode_questions(p, digits, reverse), dec_in, tgt

    return AdditionData(digits, reverse, 2 * digits + 1, digits + 1, encode(train_pairs), encode(test_pairs),
                        test_pairs, frozenset(seen.tolist()))


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
