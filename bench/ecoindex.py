"""The EcoIndex of a page (ecoindex.fr, cnumr): its DOM size, requests and bytes, against HTTP Archive.

Each measure is placed among 20 quantiles of the web's pages; the weighted positions (DOM 3,
requests 2, size 1) give a score out of 100. Grades: A above 80, B above 70, C above 55,
D above 40, E above 25, F above 10, else G.
"""
from __future__ import annotations

from bisect import bisect_right

DOM_QUANTILES = (0, 47, 75, 159, 233, 298, 358, 417, 476, 537, 603, 674, 753, 843, 949, 1076, 1237,
                 1459, 1801, 2479, 594601)
REQUEST_QUANTILES = (0, 2, 15, 25, 34, 42, 49, 56, 63, 70, 78, 86, 95, 105, 117, 130, 147, 170, 205,
                     281, 3920)
SIZE_KB_QUANTILES = (0, 1.37, 144.7, 319.53, 479.46, 631.97, 783.38, 937.91, 1098.62, 1265.47, 1448.32,
                     1648.27, 1876.08, 2142.06, 2465.37, 2866.31, 3401.59, 4155.73, 5400.08, 8037.54,
                     223212.26)
GRADES = ((80, "A"), (70, "B"), (55, "C"), (40, "D"), (25, "E"), (10, "F"))
# Elements counted: every element of the page except the inside of inline SVG pictures.
DOM_COUNT_SCRIPT = (
    "() => document.getElementsByTagName('*').length"
    " - Array.from(document.getElementsByTagName('svg'))"
    ".reduce((n, svg) => n + svg.getElementsByTagName('*').length, 0)"
)


def position(value: float, quantiles: tuple[float, ...]) -> float:
    """Return where a value sits among the quantiles: 0 to 20, interpolated inside its interval."""
    index = bisect_right(quantiles, value)
    if index >= len(quantiles):
        return float(len(quantiles) - 1)
    low, high = quantiles[index - 1], quantiles[index]
    return index - 1 + (value - low) / (high - low)


def ecoindex(dom: int, requests: int, size_kb: float) -> float:
    """Return the EcoIndex score (0-100, higher is lighter) of a page."""
    weighted = (3 * position(dom, DOM_QUANTILES) + 2 * position(requests, REQUEST_QUANTILES)
                + position(size_kb, SIZE_KB_QUANTILES))
    return 100 - 5 * weighted / 6


def grade(score: float) -> str:
    """Return the EcoIndex letter of a score."""
    return next((letter for limit, letter in GRADES if score > limit), "G")
