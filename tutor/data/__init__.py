"""Real data shipped inside the package (see DATA.md here for sources, licences and how each file was made).

- :func:`co2_monthly` — Mauna Loa CO₂, ppm, monthly, 1958-03 to 2001-12 (526 values).
- :func:`sunspots_yearly` — yearly mean sunspot numbers, 1700 to 2008 (309 values).
- :func:`kjv_text` — Genesis and Exodus, King James Version, one verse a line (366,194 characters).

NumPy and the standard library only; files are read through importlib.resources, so they load from a wheel.
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from importlib import resources

import numpy as np


def _read(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def co2_monthly() -> tuple[list[str], np.ndarray]:
    """(months as "YYYY-MM", CO₂ in ppm). Five months with no measurement were interpolated (DATA.md)."""
    rows = list(csv.DictReader(io.StringIO(_read("co2_monthly.csv"))))
    return [r["month"] for r in rows], np.array([float(r["co2_ppm"]) for r in rows])


@lru_cache(maxsize=None)
def sunspots_yearly() -> tuple[list[str], np.ndarray]:
    """(years, yearly mean sunspot number)."""
    rows = list(csv.DictReader(io.StringIO(_read("sunspots_yearly.csv"))))
    return [r["year"] for r in rows], np.array([float(r["sunspots"]) for r in rows])


@lru_cache(maxsize=None)
def kjv_text() -> str:
    """Genesis and Exodus (KJV), one verse a line."""
    return _read("kjv_genesis_exodus.txt")
