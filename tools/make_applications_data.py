"""Make the data files of lesson 6 (tutor/data/) from the sources named in tutor/data/DATA.md.

Usage (see DATA.md for how the inputs were fetched):

    python tools/make_applications_data.py STATSMODELS_DATASETS_DIR KJV_TEXT_FILE

Only the Python standard library is used, so the output does not depend on pandas or statsmodels.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tutor" / "data"


def co2_monthly(src: Path) -> None:
    """Weekly Mauna Loa CO2 (ppm) -> the mean of each calendar month's valid weeks.

    A month with no valid week (the weekly file has blanks) is filled by linear interpolation between its
    neighbours and marked in the ``filled`` column, so the series has no gaps and nothing is hidden.
    """
    weeks: dict[tuple[int, int], list[float]] = defaultdict(list)
    with open(src / "co2" / "co2.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            date, value = row["date"], row["co2"].strip()
            if value:
                weeks[(int(date[:4]), int(date[4:6]))].append(float(value))
    first, last = min(weeks), max(weeks)
    months = []
    y, m = first
    while (y, m) <= last:
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    values = [sum(weeks[k]) / len(weeks[k]) if weeks.get(k) else None for k in months]
    filled = [v is None for v in values]
    for i, v in enumerate(values):
        if v is None:
            lo = max(j for j in range(i) if values[j] is not None)
            hi = min(j for j in range(i + 1, len(values)) if values[j] is not None and not filled[j])
            values[i] = values[lo] + (values[hi] - values[lo]) * (i - lo) / (hi - lo)
    with open(OUT / "co2_monthly.csv", "w", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["month", "co2_ppm", "filled"])
        for (y, m), v, f in zip(months, values, filled):
            out.writerow([f"{y}-{m:02d}", f"{v:.2f}", int(f)])
    print(f"co2_monthly.csv: {len(months)} months {months[0]}..{months[-1]}, {sum(filled)} filled")


def sunspots_yearly(src: Path) -> None:
    """The yearly sunspot numbers, copied as they are (year, number)."""
    with open(src / "sunspots" / "sunspots.csv", newline="") as fh:
        rows = [(int(float(r["YEAR"])), float(r["SUNACTIVITY"])) for r in csv.DictReader(fh)]
    with open(OUT / "sunspots_yearly.csv", "w", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["year", "sunspots"])
        for year, value in rows:
            out.writerow([year, f"{value:g}"])
    print(f"sunspots_yearly.csv: {len(rows)} years {rows[0][0]}..{rows[-1][0]}")


def kjv_text(path: Path) -> None:
    """Genesis and Exodus, one verse a line, references already stripped (see DATA.md); copied as UTF-8."""
    text = path.read_text(encoding="ascii")
    (OUT / "kjv_genesis_exodus.txt").write_text(text, encoding="utf-8")
    print(f"kjv_genesis_exodus.txt: {len(text)} characters, {text.count(chr(10))} verses")


if __name__ == "__main__":
    datasets_dir, kjv = Path(sys.argv[1]), Path(sys.argv[2])
    co2_monthly(datasets_dir)
    sunspots_yearly(datasets_dir)
    kjv_text(kjv)
