"""Charts as SVG drawn on the server with matplotlib (Agg backend): no JavaScript.

Each chart is an `<svg>` to inline in a page, made to pass a strict content security policy
(style-src 'self', candour/config/settings.py): matplotlib writes its colours as `style`
attributes and a `<style>` element, which such a policy refuses inline, so `inline_svg`
turns every style declaration into the equivalent presentation attribute (fill="…",
stroke-width="…"), which no policy governs. Ids are prefixed with the chart's key, so that
several charts on one page never share an id, and ids nothing refers to are dropped.

Every chart is `role="img"` with a `<title>` and a `<desc>` saying in words what it shows;
the page puts the numbers beside it in a table (WCAG 1.1.1).

Colours: NHS blue and NHS.UK greys for the figures; the SPC charts use Making Data Count's
colours (grey common cause, blue improvement, orange concern, purple where neither
direction is better), each special cause also marked by its shape, not by colour alone.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import re
from dataclasses import dataclass
from html import escape

import matplotlib
from django.core.cache import cache

matplotlib.use("Agg")

from matplotlib.figure import Figure

from candour.reporting import spc

NHS_BLUE = "#005eb8"
NHS_DARK_BLUE = "#003087"
NHS_DARK_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_WARM_YELLOW = "#ffb81c"
NHS_RED = "#d5281b"
TEXT = "#212b32"

# Making Data Count's SPC colours.
MDC = {
    spc.Variation.COMMON: "#7b7d7d",
    spc.Variation.IMPROVEMENT: "#289de0",
    spc.Variation.CONCERN: "#fab428",
    spc.Variation.NEUTRAL: "#361475",
}
MDC_MARKERS = {
    spc.Variation.COMMON: "o",
    spc.Variation.IMPROVEMENT: "s",
    spc.Variation.CONCERN: "D",
    spc.Variation.NEUTRAL: "^",
}
MDC_LABELS = {
    spc.Variation.COMMON: "Common cause",
    spc.Variation.IMPROVEMENT: "Special cause: improvement",
    spc.Variation.CONCERN: "Special cause: concern",
    spc.Variation.NEUTRAL: "Special cause (neither better nor worse)",
}

RC = {
    "svg.fonttype": "none",  # text stays text: selectable, and read by the browser
    "font.family": "sans-serif",
    "font.size": 10,
    "axes.edgecolor": NHS_MID_GREY,
    "axes.labelcolor": TEXT,
    "text.color": TEXT,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    description: str
    svg: str  # safe to inline: made by inline_svg from matplotlib's own output

    def __html__(self) -> str:
        return self.svg


# Bump when the drawing changes, so that cached charts are drawn again.
DRAWING_VERSION = 1
CACHE_SECONDS = 24 * 60 * 60


def _styled(draw):
    """Draw (and save) the chart with Candour's settings, leaving matplotlib's global
    settings alone for anything else in the process.

    Drawing takes a few hundred milliseconds a chart, so a chart is kept in Django's cache
    under a hash of everything it is drawn from (its numbers and labels): the same numbers
    give the same picture, new numbers a new key, so a cached chart is never stale. The key
    is made from the figures themselves, so it tells nothing to anyone who has not got them.
    """

    @functools.wraps(draw)
    def drawn(*args, **kwargs):
        basis = repr(
            _stable((DRAWING_VERSION, matplotlib.__version__, draw.__name__, args, kwargs))
        )
        key = "candour-chart:" + hashlib.sha256(basis.encode()).hexdigest()
        chart = cache.get(key)
        if chart is None:
            with matplotlib.rc_context(RC):
                chart = draw(*args, **kwargs)
            cache.set(key, chart, CACHE_SECONDS)
        return chart

    return drawn


def _stable(value):
    """`value` with its sets sorted, so that its repr is the same in every process (a set of
    strings is ordered by a hash that differs between processes)."""
    if isinstance(value, set | frozenset):
        return ("set", sorted(map(repr, value)))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            [_stable(getattr(value, f.name)) for f in dataclasses.fields(value)],
        )
    if isinstance(value, dict):
        return ("dict", sorted((repr(k), _stable(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return [_stable(v) for v in value]
    return value


def _figure(width: float = 7.5, height: float = 3.6) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    fig.add_subplot()
    return fig


def _render(fig: Figure, key: str, title: str, description: str) -> Chart:
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": key}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return Chart(key, title, description, inline_svg(buffer.getvalue(), key, title, description))


_STYLE = re.compile(r'\sstyle="([^"]*)"')
_ID = re.compile(r'\sid="([^"]*)"')
_REF = re.compile(r'(url\(#|xlink:href="#|href="#)([^")]+)')


def _attributes(match: re.Match) -> str:
    out = []
    for declaration in match.group(1).split(";"):
        if ":" not in declaration:
            continue
        name, value = (part.strip() for part in declaration.split(":", 1))
        if re.fullmatch(r"[a-z-]+", name):
            out.append(f' {name}="{escape(value, quote=True)}"')
    return "".join(out)


def inline_svg(svg: str, key: str, title: str, description: str) -> str:
    """matplotlib's SVG document as an element to put in a page under a strict CSP."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    # The one rule of matplotlib's <style>: inherited from the root instead.
    svg = re.sub(r"<style[^>]*>.*?</style>\s*", "", svg, flags=re.S)
    svg = re.sub(r"<defs>\s*</defs>\s*", "", svg)
    svg = _STYLE.sub(_attributes, svg)
    referred = {m.group(2) for m in _REF.finditer(svg)}
    svg = _ID.sub(lambda m: f' id="{key}-{m.group(1)}"' if m.group(1) in referred else "", svg)
    svg = _REF.sub(lambda m: f"{m.group(1)}{key}-{m.group(2)}", svg)
    opening = re.match(r"<svg\b[^>]*>", svg).group(0)
    viewbox = re.search(r'viewBox="([^"]*)"', opening).group(1)
    root = (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        f' viewBox="{viewbox}" class="candour-chart" role="img"'
        f' aria-labelledby="{key}-title {key}-desc"'
        f' stroke-linejoin="round" stroke-linecap="butt">'
        f'<title id="{key}-title">{escape(title)}</title>'
        f'<desc id="{key}-desc">{escape(description)}</desc>'
    )
    return root + svg[len(opening) :].strip()


def _month_axis(ax, labels: list[str]) -> None:
    ax.set_xticks(range(len(labels)))
    step = 1 if len(labels) <= 12 else 2
    ax.set_xticklabels(
        [label if i % step == 0 else "" for i, label in enumerate(labels)],
        rotation=45,
        ha="right",
    )
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="y", color="#d8dde0", linewidth=0.8)
    ax.set_axisbelow(True)


def _describe(label: str, labels: list[str], values: list) -> str:
    if not values:
        return f"{label}: no figures."
    shown = [v for v in values if v is not None]
    if not shown:
        return f"{label}: no figures in {labels[0]} to {labels[-1]}."
    return (
        f"{label} by month, {labels[0]} to {labels[-1]}: lowest {min(shown):g}, "
        f"highest {max(shown):g}, latest {shown[-1]:g}. The figures are in the table beside."
    )


@_styled
def bars(key: str, title: str, labels: list[str], series: list[tuple[str, list[int], str]]):
    """Monthly bars, side by side for each series (label, values, colour)."""
    fig = _figure()
    ax = fig.axes[0]
    n = len(series)
    width = 0.8 / n
    for i, (label, values, colour) in enumerate(series):
        xs = [x - 0.4 + width * (i + 0.5) for x in range(len(labels))]
        ax.bar(xs, values, width=width, color=colour, label=label)
    _month_axis(ax, labels)
    ax.legend(loc="upper left", frameon=False, ncols=min(n, 3), fontsize=9)
    ax.margins(y=0.2)
    description = " ".join(_describe(label, labels, v) for label, v, _ in series)
    return _render(fig, key, title, description)


@_styled
def stacked(key: str, title: str, labels: list[str], series: list[tuple[str, list[int], str]]):
    """Monthly bars, each series stacked on the one before."""
    fig = _figure()
    ax = fig.axes[0]
    bottom = [0] * len(labels)
    for label, values, colour in series:
        ax.bar(range(len(labels)), values, bottom=bottom, color=colour, label=label, width=0.7)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    _month_axis(ax, labels)
    ax.legend(loc="upper left", frameon=False, ncols=len(series), fontsize=9)
    ax.margins(y=0.2)
    description = " ".join(_describe(label, labels, v) for label, v, _ in series)
    return _render(fig, key, title, description)


@_styled
def lines(key: str, title: str, labels: list[str], series: list[tuple[str, list[int], str]]):
    fig = _figure()
    ax = fig.axes[0]
    for (label, values, colour), marker in zip(series, "os^D", strict=False):
        ax.plot(range(len(labels)), values, color=colour, marker=marker, label=label)
    _month_axis(ax, labels)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", frameon=False, fontsize=9)
    ax.margins(y=0.2)
    description = " ".join(_describe(label, labels, v) for label, v, _ in series)
    return _render(fig, key, title, description)


@_styled
def ranked(key: str, title: str, rows: list[tuple[str, int]], top: int = 10) -> Chart:
    """Horizontal bars of the `top` largest categories, largest at the top."""
    shown = rows[:top]
    fig = _figure(height=max(1.6, 0.42 * len(shown) + 0.8))
    ax = fig.axes[0]
    if shown:
        names = [name if len(name) <= 40 else name[:39] + "…" for name, _ in shown][::-1]
        values = [n for _, n in shown][::-1]
        ax.barh(names, values, color=NHS_BLUE, height=0.6)
        for y, v in enumerate(values):
            ax.annotate(str(v), (v, y), xytext=(3, 0), textcoords="offset points", va="center")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.margins(x=0.12)
        description = "; ".join(f"{name}: {n}" for name, n in shown) + "."
        if len(rows) > top:
            description += f" The {top} largest of {len(rows)}; the table beside lists all."
    else:
        ax.set_axis_off()
        ax.text(0.5, 0.5, "No complaints in the period", ha="center", va="center")
        description = "No complaints in the period."
    return _render(fig, key, title, description)


@_styled
def xmr(key: str, title: str, labels: list[str], chart: spc.XmR, unit: str = "") -> Chart:
    """An XmR chart: the values joined by a grey line, the mean solid, the process limits
    dashed, and each point coloured and shaped by its variation."""
    fig = _figure(height=3.9)
    ax = fig.axes[0]
    xs = list(range(len(chart.values)))
    if chart.values:
        ax.plot(xs, chart.values, color=MDC[spc.Variation.COMMON], linewidth=1.5, zorder=2)
        ax.axhline(chart.mean, color="#000000", linewidth=1.2, label=f"Mean {chart.mean:.1f}")
        ax.axhline(
            chart.upper,
            color="#231f20",
            linewidth=1,
            linestyle="--",
            label=f"Process limits {chart.lower:.1f} to {chart.upper:.1f}",
        )
        ax.axhline(chart.lower, color="#231f20", linewidth=1, linestyle="--")
        for variation in spc.Variation:
            picked = [i for i, p in enumerate(chart.points) if p.variation is variation]
            if not picked:
                continue
            ax.scatter(
                picked,
                [chart.values[i] for i in picked],
                color=MDC[variation],
                marker=MDC_MARKERS[variation],
                s=28 if variation is spc.Variation.COMMON else 60,
                edgecolors="#000000" if variation is not spc.Variation.COMMON else "none",
                linewidths=0.6,
                zorder=3,
                label=MDC_LABELS[variation],
            )
        ax.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.32), ncols=3, frameon=False, fontsize=8
        )
    else:
        ax.text(0.5, 0.5, "No figures in the period", ha="center", va="center")
    _month_axis(ax, labels)
    if unit:
        ax.set_ylabel(unit)
    return _render(fig, key, title, chart.summary())
