"""How a figure is written wherever a report is shown (web page, PDF): counts with
thousands separators, percentages to one decimal place, a dash for nothing to divide by."""

from __future__ import annotations

from candour.reporting.figures import Cell, Count, Number, Percent

DASH = "\u2013"  # an en dash


def display(cell: Cell) -> str:
    if cell is None:
        return ""
    value = cell.value
    if value is None:
        return DASH
    if isinstance(cell, Percent):
        return f"{value:.1f}%"
    if isinstance(cell, Number):
        return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    if isinstance(cell, Count):
        return f"{value:,}"
    return str(value)


def behind(cell: Cell) -> int:
    """How many cases a figure was counted over (the ones its link lists)."""
    if isinstance(cell, Percent):
        return cell.numerator.value
    if isinstance(cell, Number):
        return cell.cases.value
    if isinstance(cell, Count):
        return cell.value
    return 0
