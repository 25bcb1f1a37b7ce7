"""One target of issues 5 and 9: a measured value against its bound.

report.py lists every target of a run and busy.py those of the busy section;
both build them here, so neither imports the other for it.
"""

from __future__ import annotations

from typing import Dict, Optional


def target(name: str, value: Optional[float], op: str, bound: float, fmt: str = "{:.2f}") -> Dict[str, object]:
    """{"target", "value", "op", "bound", "met", "text"}; met is None when nothing was measured."""
    met = None if value is None else (value >= bound if op == ">=" else value <= bound)
    return {"target": name, "value": value, "op": op, "bound": bound, "met": met,
            "text": "-" if value is None else fmt.format(value)}
