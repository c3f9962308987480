"""Make the data file of lesson 8 (tutor/data/splice.csv) from the source named in tutor/data/DATA.md.

Usage (see DATA.md for how the input was fetched):

    python tools/make_beyond_data.py DNA_RDA_FILE

The input is ``data/DNA.rda`` of Debian's ``r-cran-mlbench`` 2.1-3-1: the StatLog version of the primate
splice-junction windows, 3,186 rows of 180 binary columns (three per base) and a class. The ``rdata`` package
reads R's format; it is needed only here, not by the tutor, which reads the CSV this writes.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tutor" / "data"

# StatLog's indicator code, three columns per base (the mlbench help page and the StatLog documentation).
BASES = {(1, 0, 0): "A", (0, 1, 0): "C", (0, 0, 1): "G", (0, 0, 0): "T"}
CLASSES = ("ei", "ie", "n")  # exon→intron junction, intron→exon junction, neither


def splice(rda: Path) -> None:
    """DNA.rda -> splice.csv: one window a line, its 60 bases as letters and its class, in the file's order."""
    import rdata  # noqa: PLC0415 - a build-time tool, not a dependency of the tutor

    frame = rdata.read_rda(str(rda))["DNA"]
    if frame.shape != (3186, 181):
        raise SystemExit(f"expected 3186 rows of 180 columns and a class, got {frame.shape}")
    rows = []
    for values in frame.itertuples(index=False):
        bits = [int(v) for v in values[:180]]
        label = str(values[180])
        if label not in CLASSES:
            raise SystemExit(f"unknown class {label!r}")
        bases = "".join(BASES[tuple(bits[i: i + 3])] for i in range(0, 180, 3))  # KeyError: not StatLog's code
        rows.append((bases, label))
    with open(OUT / "splice.csv", "w", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["bases", "class"])
        out.writerows(rows)
    counts = Counter(label for _, label in rows)
    print(f"splice.csv: {len(rows)} windows of 60 bases; " + ", ".join(f"{c} {counts[c]}" for c in CLASSES)
          + f"; {len({b for b, _ in rows})} distinct windows")


if __name__ == "__main__":
    splice(Path(sys.argv[1]))
