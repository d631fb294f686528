"""A report as a printable A4 PDF (WeasyPrint), as letters are made (candour/letters/render.py):
the tables with their notes, the consistency check, the commentary and the changes made."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.utils import timezone
from jinja2 import Environment, FileSystemLoader, select_autoescape

from candour.reporting.present import display

LAYOUT = Path(__file__).parent / "layout"


@cache
def _layout() -> Environment:
    env = Environment(
        loader=FileSystemLoader(LAYOUT), autoescape=select_autoescape(["html"]), trim_blocks=True
    )
    env.filters["figure"] = display
    return env


def html(report, *, title: str, period_heading: str, commentary=None) -> str:
    return (
        _layout()
        .get_template("report.html")
        .render(
            report=report,
            title=title,
            period_heading=period_heading,
            commentary=commentary,
            changes=getattr(report, "changes", None),
            made_at=timezone.localtime(),
        )
    )


def pdf(report, **kwargs) -> bytes:
    from weasyprint import CSS, HTML

    return HTML(string=html(report, **kwargs)).write_pdf(
        stylesheets=[CSS(filename=str(LAYOUT / "report.css"))]
    )
