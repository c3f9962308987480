"""``np = lazy("numpy")``: a module bound now and imported on first use.

Lesson validation imports every experiment module when the app starts and must not wait for NumPy; with
this, an experiment module imports what it needs once, at the top. (The standard library's
``importlib.util.LazyLoader`` does the same, but before Python 3.12 two threads touching the module first at
once can both run its body; here ``importlib.import_module`` does the import, under the import lock.)
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class _LazyModule(ModuleType):
    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self.__name__), attr)


def lazy(name: str) -> ModuleType:
    """A stand-in for the module ``name`` whose first attribute read imports it."""
    return _LazyModule(name)
