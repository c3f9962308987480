"""Sentences that read a measured number: every interpretation a lab's summary gives depends on the value.

A summary that says "each value is close to the one before it" must not say so when the autocorrelation is
0; a verdict of "chance" must not be given to 58% on 512 test sequences. The experiments build their
interpretive sentences here, and the tests feed these functions numbers on both sides of each threshold.
Plain Python, no NumPy.
"""

from __future__ import annotations

from typing import Mapping, Sequence


def signed(value: float, digits: int = 2) -> str:
    """``+0.50``, ``-0.31``, and ``+0.00`` for anything that rounds to zero (never ``-0.00``)."""
    rounded = round(float(value), digits) + 0.0  # adding 0.0 turns -0.0 into 0.0
    return f"{rounded:+.{digits}f}"


def autocorrelation_sentence(lag1: float, lag1_shuffled: float,
                             longer_lags: Mapping[int, float] | None = None) -> str:
    """What a lag-1 autocorrelation says about order, next to the same values shuffled.

    ``longer_lags`` (lag -> autocorrelation, lags of 2 and more) keeps a near-zero lag 1 from being called
    noise when the order shows a few steps apart: a cycle of 4 steps has lag-1 autocorrelation 0 and is
    perfectly regular.
    """
    measured = f"lag-1 autocorrelation {signed(lag1)}; shuffled, {signed(lag1_shuffled)}"
    if lag1 >= 0.5:
        shuffle = ("Shuffling keeps the values and loses that resemblance" if abs(lag1_shuffled) < 0.2 else
                   "This shuffle kept some resemblance by chance, as shuffles of short series can")
        return f"Each value is close to the one before it ({measured}). {shuffle}: the order carries information."
    if lag1 >= 0.2:
        return (f"Neighbouring values resemble each other a little ({measured}): some of the order carries "
                "information, and noise hides the rest.")
    if lag1 > -0.2:
        lags = dict(longer_lags or {})
        if lags:
            lag, r = max(lags.items(), key=lambda item: (abs(item[1]), -item[0]))
            if abs(r) >= 0.5:
                return (f"Neighbouring values are nearly uncorrelated ({measured}), but values {lag} steps apart "
                        f"correlate at {signed(r)}: the order carries information at that distance, as a short "
                        "cycle does.")
            return (f"Neighbouring values are nearly uncorrelated ({measured}), and so are values up to "
                    f"{max(lags)} steps apart (the strongest, {signed(r)}, at {lag} steps): like pure noise, this "
                    "series has little order for a sequence model to use.")
        return (f"Neighbouring values are nearly uncorrelated ({measured}): like pure noise, this series has "
                "little order at lag 1 for a sequence model to use.")
    return (f"Neighbouring values tend to have opposite signs around the mean ({measured}): the order carries "
            "information, as an alternation.")


CHANCE_SE_512 = 0.022  # standard error of a coin-flip accuracy on the memory task's 512 test sequences


def memory_verdict(distances: Sequence[int], accuracies: Sequence[float]) -> str:
    """Where recall held (≥ 90%) and where it failed (< 60%), in words that match the numbers."""
    learned = [d for d, a in zip(distances, accuracies) if a >= 0.9]
    failed = [(d, a) for d, a in zip(distances, accuracies) if a < 0.6]

    def fall(d: int, a: float) -> str:
        # within about 2.5 standard errors of 50% is chance; 0.55–0.6 is near it but not chance
        return "fell to chance" if abs(a - 0.5) <= 2.5 * CHANCE_SE_512 else "fell below 60%"

    if learned and failed and max(learned) < min(d for d, _ in failed):
        d, a = min(failed)
        return f"it recalled up to d={max(learned)} and {fall(d, a)} from d={d} ({a:.0%})"
    if not failed and len(learned) == len(distances):
        return "it recalled the signal at every distance tried — try longer ones"
    if not learned:
        return "it did not learn any distance well — try shorter ones or more epochs"
    return "the results are mixed; rerun with another seed or more epochs"


def recurrent_blocks_sentence(cell: str, blocks: Sequence[Mapping[str, float | str]]) -> str:
    """The matrices that act on h_(t-1): W_hh for the vanilla cell, one U×U block per gate otherwise."""
    if cell == "simple_rnn":
        b = blocks[0]
        low, high = f"{b['smallest_sv']:.2f}", f"{b['largest_sv']:.2f}"
        values = f"every singular value {high}" if low == high else f"singular values {low}–{high}"
        return f"Recurrent W_hh: {values}, spectral radius {b['spectral_radius']:.2f}"
    parts = ", ".join(f"{b['gate']} {b['largest_sv']:.2f}/{b['spectral_radius']:.2f}" for b in blocks)
    return f"Each gate's U×U recurrent block, largest singular value/spectral radius: {parts}"


def length_note(trained: int, given: int) -> str:
    """A warning when the learner's input is not as long as the training sequences."""
    if trained == given:
        return ""
    return (f" Your input has {given} steps, the network was trained on {trained}: on other lengths its answer "
            "drifts, because its read-out learned the cell state's drift at that length.")


def adding_verdict(fraction: float) -> str:
    """What a test MSE says as a share of the predict-the-mean baseline on the adding problem."""
    if fraction < 0.05:
        return "solved"
    if fraction < 0.4:
        return "partly learned: more than one value's worth"
    if fraction < 0.75:
        return "near half the baseline: about what carrying one of the two values gives"
    return "near the baseline: it did not learn to carry the values"


def forecast_verdict(model_mae: float, naive_mae: float, seasonal_mae: float) -> str:
    """The network's forecast error against the two baselines' (lower is better)."""
    best = min(naive_mae, seasonal_mae)
    best_name = "naive" if naive_mae <= seasonal_mae else "seasonal naive"
    if model_mae < best:
        return f"It beats both baselines: its error is {model_mae / best:.0%} of the better one ({best_name})."
    if model_mae < max(naive_mae, seasonal_mae):
        return (f"It beats only the weaker baseline; {best_name} is better, so this network is not worth using "
                "here as it is.")
    return "It loses to both baselines: as trained, it is worth nothing here."


def bits_reading(held_out_bits: float, unigram_bits: float) -> str:
    """What held-out bits per character say against the unigram baseline's (character frequencies alone)."""
    ratio = held_out_bits / unigram_bits
    if ratio < 0.6:
        return "it predicts each character from its context far better than character frequencies alone"
    if ratio < 0.95:
        return "it has learned some context beyond character frequencies"
    if ratio < 1:
        return "it is barely better yet than knowing how often each character occurs"
    return "it is no better yet than knowing how often each character occurs"


def addition_reading(exact: float, chance: float) -> str:
    """What an exact-match share of held-out sums says, against guessing a sum uniformly (``chance``)."""
    if exact >= 0.9:
        return "it has learned to add"
    if exact >= 0.3:
        return "it adds some sums but not reliably yet"
    if exact > 10 * chance:
        return "well above guessing, but far from adding"
    return "no better than guessing yet"
