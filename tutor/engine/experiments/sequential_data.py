"""Experiments of the sequential-data lesson: what a sequence is, as numbers a network can read.

- ``series-parts``: a synthetic series built from a trend, two seasonal cycles and noise, with its parts, and
  the autocorrelation that makes it sequential (and that shuffling destroys).
- ``text-to-sequences``: sentences to token ids (word or character level), a vocabulary, padding and
  truncation to one length, and the mask of padded steps.
- ``windowing``: a series cut into (input window, target) pairs for supervised learning.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Any

from tutor.engine.experiment import SEED, Param, ParamError, ParsedParams, Result, RunContext, figure, series, \
    step_grid
from tutor.engine.registry import experiment
from tutor.engine.wording import autocorrelation_sentence, signed
from tutor.lazy import lazy

if TYPE_CHECKING:  # the checker reads the real modules; at run time they load on first use (tutor.lazy)
    import numpy as np

    from tutor.engine import datasets
else:
    np, datasets = lazy("numpy"), lazy("tutor.engine.datasets")

PAD, UNKNOWN = "<pad>", "<unk>"
LONGER_LAGS = 20  # the series-parts summary also looks this many steps apart before calling a series noise

PRESETS = {
    "pets": "The cat sat on the mat. | The dog sat on the log! | A cat and a dog sat together on the old mat.",
    "dna": "ACGTTGCA | GATTACA | CCGGAATTCGTA | TTAGGG",
    "weather": "rain then sun | sun sun sun | snow then rain then sun then snow",
}


def autocorrelation(values: np.ndarray, lag: int) -> float:
    """Pearson correlation of the series with itself ``lag`` steps later (0 when undefined)."""
    v = np.asarray(values, dtype=float)
    if lag <= 0 or lag >= len(v) - 1:
        return 0.0
    a, b = v[:-lag], v[lag:]
    if a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


@experiment(
    "series-parts",
    "A time series and its parts",
    [
        Param("length", "int", 400, "number of time steps", 10, 5000),
        Param("slope", "float", 0.01, "trend: added per step", -10.0, 10.0),
        Param("period1", "float", 50.0, "first seasonal cycle: steps per cycle", 2, 10000),
        Param("amplitude1", "float", 1.0, "first seasonal cycle: amplitude", 0.0, 100.0),
        Param("period2", "float", 200.0, "second seasonal cycle: steps per cycle", 2, 10000),
        Param("amplitude2", "float", 2.0, "second seasonal cycle: amplitude", 0.0, 100.0),
        Param("noise", "float", 0.3, "standard deviation of the Gaussian noise", 0.0, 100.0),
        Param("show", "choice", "all", "what to draw", choices=("all", "series", "parts")),
        SEED,
    ],
)
def series_parts(p: ParsedParams, ctx: RunContext) -> Result:
    parts = datasets.synthetic_series(p["length"], p["slope"], p["period1"], p["amplitude1"], p["period2"],
                                      p["amplitude2"], p["noise"], p["seed"])
    ctx.check()
    t = parts["t"]
    names = {"trend": "trend", "season1": f"cycle {p['period1']:g}", "season2": f"cycle {p['period2']:g}",
             "noise": "noise"}
    lines = []
    if p["show"] in ("all", "series"):
        lines.append(series("series", parts["series"], t))
    if p["show"] in ("all", "parts"):
        lines.extend(series(label, parts[key], t) for key, label in names.items())
    shuffled = np.random.default_rng(p["seed"] + 1).permutation(parts["series"])
    lag1 = autocorrelation(parts["series"], 1)
    lag1_shuffled = autocorrelation(shuffled, 1)
    # A short cycle can have lag-1 autocorrelation 0 (period 4) and still be perfectly regular.
    longer = {lag: autocorrelation(parts["series"], lag) for lag in range(2, min(LONGER_LAGS, len(t) // 2) + 1)}
    spread = {key: float(np.std(parts[key])) for key in names}
    table = ["part          std. dev.   lag-1 autocorrelation"]
    for key, label in names.items():
        table.append(f"{label:<13} {spread[key]:9.3f}   {signed(autocorrelation(parts[key], 1), 3)}")
    table.append(f"{'series':<13} {float(np.std(parts['series'])):9.3f}   {signed(lag1, 3)}")
    table.append(f"{'shuffled':<13} {float(np.std(shuffled)):9.3f}   {signed(lag1_shuffled, 3)}   (same values, order lost)")
    return {
        "series": parts["series"].tolist(),
        "parts": {key: parts[key].tolist() for key in names},
        "std": spread,
        "lag1_autocorrelation": lag1,
        "lag1_autocorrelation_shuffled": lag1_shuffled,
        "figure": figure("trend + cycles + noise = series", lines, "time step t", "value"),
        "text": "\n".join(table),
        "summary": autocorrelation_sentence(lag1, lag1_shuffled, longer),
    }


def tokenize(sentence: str, level: str, lowercase: bool) -> list[str]:
    """Word level: runs of letters, digits and apostrophes (punctuation dropped). Character level: every
    character, spaces included."""
    text = sentence.strip()
    if lowercase:
        text = text.lower()
    if level == "char":
        return list(text)
    return re.findall(r"[\w']+", text)


def build_vocabulary(token_lists: list[list[str]], size: int = 0) -> dict[str, int]:
    """Token -> id, the most frequent first (ties: first seen first). 0 is padding, 1 an unknown token;
    ``size`` > 0 keeps only that many known tokens."""
    counts = Counter(tok for tokens in token_lists for tok in tokens)
    first_seen: dict[str, int] = {}
    for tok in (tok for tokens in token_lists for tok in tokens):
        first_seen.setdefault(tok, len(first_seen))
    ordered = sorted(counts, key=lambda tok: (-counts[tok], first_seen[tok]))
    if size > 0:
        ordered = ordered[:size]
    vocab = {PAD: 0, UNKNOWN: 1}
    for tok in ordered:
        vocab[tok] = len(vocab)
    return vocab


def pad_and_truncate(ids: list[int], length: int, padding: str, truncating: str) -> list[int]:
    """One sequence to exactly ``length`` ids, as ``keras.utils.pad_sequences`` does it."""
    if len(ids) > length:
        ids = ids[-length:] if truncating == "pre" else ids[:length]
    fill = [0] * (length - len(ids))
    return fill + ids if padding == "pre" else ids + fill


def _count(n: int, noun: str) -> str:
    """``1 sentence``, ``3 sentences``: a lab of one sentence of one token said "1 sentences, 1 … tokens"."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _show_token(tok: str) -> str:
    return repr(tok) if tok == " " or tok.strip() != tok else tok


def _sentences(p: dict[str, Any]) -> list[str]:
    raw = p["sentences"] if p["preset"] == "typed" else PRESETS[p["preset"]]
    return [s.strip() for s in raw.split("|") if s.strip()]


def _check_text(p: dict[str, Any]) -> None:
    sentences = _sentences(p)
    if not sentences:
        raise ParamError("sentences", "write at least one sentence (separate several with |)")
    if len(sentences) > 8:
        raise ParamError("sentences", f"at most 8 sentences, got {len(sentences)}")
    empty = [i + 1 for i, s in enumerate(sentences) if not tokenize(s, p["level"], p["lowercase"])]
    if empty:
        raise ParamError("sentences", f"sentence {empty[0]} has no {p['level']} tokens")


@experiment(
    "text-to-sequences",
    "Text to padded sequences of token ids",
    [
        Param("sentences", "text", PRESETS["pets"], "your sentences, separated by |", max_length=400),
        Param("preset", "choice", "typed", "use your sentences, or pick a prepared set",
              choices=("typed", *PRESETS)),
        Param("level", "choice", "word", "tokens are words or single characters", choices=("word", "char")),
        Param("length", "int", 8, "pad or cut every sequence to this many steps (0: the longest)", 0, 60),
        Param("padding", "choice", "pre", "where padding goes: before (pre) or after (post) the tokens",
              choices=("pre", "post")),
        Param("truncating", "choice", "pre", "which end is cut from a long sequence", choices=("pre", "post")),
        Param("vocab_size", "int", 0, "keep only this many most frequent tokens (0: all); others become <unk>",
              0, 1000),
        Param("lowercase", "bool", True, "fold upper case to lower case first"),
    ],
    check=_check_text,
)
def text_to_sequences(p: ParsedParams, ctx: RunContext) -> Result:
    sentences = _sentences(p)  # _check_text has refused empty and too many sentences
    token_lists = [tokenize(s, p["level"], p["lowercase"]) for s in sentences]
    ctx.check()
    vocab = build_vocabulary(token_lists, p["vocab_size"])
    inverse = {i: tok for tok, i in vocab.items()}
    sequences = [[vocab.get(tok, 1) for tok in tokens] for tokens in token_lists]
    longest = max(len(s) for s in sequences)
    length = p["length"] or longest
    padded = [pad_and_truncate(s, length, p["padding"], p["truncating"]) for s in sequences]
    mask = [[int(i != 0) for i in row] for row in padded]
    dropped = [max(0, len(s) - length) for s in sequences]
    unknown = sum(i == 1 for s in sequences for i in s)

    shown = [f"{i} {_show_token(tok)}" for tok, i in vocab.items() if i >= 2]
    lines = [f"vocabulary: {_count(len(vocab) - 2, 'token')}, plus 0 = {PAD} and 1 = {UNKNOWN}"]
    lines.append("  " + " · ".join(shown[:24]) + (f" · … {len(shown) - 24} more" if len(shown) > 24 else ""))
    lines.append("")
    for n, (tokens, seq, cut) in enumerate(zip(token_lists, sequences, dropped), start=1):
        note = f", {cut} cut from the {'start' if p['truncating'] == 'pre' else 'end'}" if cut else ""
        shown_tokens = " ".join(_show_token(t) for t in tokens) if p["level"] == "word" else "".join(tokens)
        lines.append(f"s{n}: {_count(len(seq), 'token')}{note}: {shown_tokens}")
    lines.append("")
    lines.append(f"ids, padded ({p['padding']}) and truncated ({p['truncating']}) to {length} steps:")
    cell = max(len(str(len(vocab) - 1)), len(str(length - 1))) + 1  # the same columns for ids and mask
    lines.extend(step_grid([(f"s{n}", row) for n, row in enumerate(padded, start=1)], cell, header="step"))
    lines.append("")
    lines.append("mask (1 = a real token, 0 = padding the network should skip):")
    lines.extend(step_grid([(f"s{n}", row) for n, row in enumerate(mask, start=1)], cell, header="step"))
    lines.append("")
    lines.append("the padded ids read back as tokens (· = padding):")
    joiner = " " if p["level"] == "word" else ""
    lines.extend(f"s{n}  " + joiner.join("·" if i == 0 else inverse[i] for i in row)
                 for n, row in enumerate(padded, start=1))

    counts = [len(s) for s in sequences]
    xs = list(range(1, len(counts) + 1))
    chart = figure(f"Tokens per sentence against the length {length}",
                   [series("tokens", counts, xs, style="bar"),
                    series(f"length {length}", [length, length], [0.5, len(counts) + 0.5])],
                   "sentence", "tokens")
    padded_steps = sum(row.count(0) for row in padded)
    total = length * len(padded)
    cut, distinct = sum(dropped), f"distinct {p['level']} token"
    return {
        "vocabulary": vocab,
        "sequences": sequences,
        "padded": padded,
        "mask": mask,
        "length": length,
        "dropped": dropped,
        "figure": chart,
        "text": "\n".join(lines),
        "summary": (f"{_count(len(sentences), 'sentence')}, {_count(len(vocab) - 2, distinct)}; {padded_steps} of "
                    f"{_count(total, 'step')} {'is' if padded_steps == 1 else 'are'} padding, {_count(cut, 'token')} "
                    f"{'was' if cut == 1 else 'were'} cut{f', {unknown} became {UNKNOWN}' if unknown else ''}."),
    }


def _check_windowing(p: dict[str, Any]) -> None:
    length, window, horizon = p["length"], p["window"], p["horizon"]
    if window + horizon > length:
        raise ParamError("window", f"window + horizon is {window + horizon}, more than the {length} steps of the "
                                   f"series allow (at most {length - horizon})")


@experiment(
    "windowing",
    "Cutting a series into (window, target) pairs",
    [
        Param("length", "int", 120, "length of the series", 4, 5000),
        Param("window", "int", 24, "input window: steps the model sees", 1, 1000),
        Param("horizon", "int", 1, "how many steps after the window the target lies", 1, 1000),
        Param("sample", "int", 0, "which pair to draw (, and . step through them)", 0, 5000),
        Param("period", "float", 30.0, "period of the series' cycle", 2, 1000),
        Param("noise", "float", 0.2, "noise standard deviation", 0.0, 10.0),
        SEED,
    ],
    check=_check_windowing,
)
def windowing(p: ParsedParams, ctx: RunContext) -> Result:
    length, window, horizon = p["length"], p["window"], p["horizon"]
    count = length - window - horizon + 1
    parts = datasets.synthetic_series(length, 0.005, p["period"], 1.0, 4 * p["period"], 0.5, p["noise"], p["seed"])
    ctx.check()
    values = parts["series"]
    x, y = datasets.windows(values, window, horizon)
    sample = min(p["sample"], count - 1)
    target_at = sample + window + horizon - 1
    rows = []
    for i in range(min(count, 4)):
        head = ", ".join(f"{v:.2f}" for v in x[i][:3])
        tail = f", …, {x[i][-1]:.2f}" if window > 3 else ""
        rows.append(f"pair {i}: x = s[{i}:{i + window}] = [{head}{tail}]  ->  y = s[{i + window + horizon - 1}] = "
                    f"{y[i]:.2f}")
    if count > 4:
        rows.append(f"… {count - 4} more, each starting one step later")
    rows.append("")
    rows.append(f"pairs = length − window − horizon + 1 = {length} − {window} − {horizon} + 1 = {count}")
    rows.append(f"as a recurrent network's input: x has shape ({count}, {window}, 1), y has shape ({count}, 1)")
    lines = [
        series("series", values),
        series(f"window of pair {sample}", values[sample: sample + window], range(sample, sample + window)),
        series("its target", [values[target_at]], [target_at], style="scatter"),
    ]
    result = {
        "pairs": count,
        "x_shape": [count, window, 1],
        "y_shape": [count, 1],
        "sample": sample,
        "window_values": x[sample].tolist(),
        "target": float(y[sample]),
        "figure": figure(f"Pair {sample} of {count}: {window} steps in, the value {horizon} step"
                         f"{'s' if horizon > 1 else ''} later out", lines, "time step t", "value"),
        "text": "\n".join(rows),
        "summary": (f"A series of {length} steps gives {count} training pairs for a window of {window} and a "
                    f"horizon of {horizon}; neighbouring pairs share {window - 1} of their {window} inputs."),
    }
    if sample != p["sample"]:
        result["set_params"] = {"sample": sample}
    return result
