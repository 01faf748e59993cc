"""Old browsers (RGESN 2.4): our CSS and script use nothing newer than 2021 without a fallback."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Features that became available in all major browsers after 2021 (caniuse / MDN baseline dates).
CSS_AFTER_2021 = {
    ":has(": "2023", "@container": "2023", "container-type": "2023", "@layer": "2022",
    "color-mix(": "2023", "text-wrap": "2024", "dvh": "2022", "svh": "2022", "lvh": "2022",
    "subgrid": "2023", "@scope": "2025", "light-dark(": "2024", "@starting-style": "2024",
    "@property": "2024", "field-sizing": "2025", "anchor-name": "2025", ":popover-open": "2024",
    "cqi": "2023", "cqw": "2023", ":user-invalid": "2023", "round(": "2024", "@view-transition": "2024",
    "text-box": "2025", "overflow: clip": "2022",
}
JS_AFTER_2021 = {
    "structuredClone": "2022", ".at(": "2022", "Object.hasOwn": "2022", ".findLast": "2022",
    ".toSorted": "2023", ".toReversed": "2023", ".toSpliced": "2023", "Array.fromAsync": "2024",
    "Promise.withResolvers": "2024", ".showModal(": "2022", ".inert": "2023", "popover": "2024",
    "AbortSignal.timeout": "2022", "Object.groupBy": "2024", "navigator.userActivation": "2023",
    ".replaceChildren(": "2021", "static {": "2023", "requestIdleCallback": "2026",
}
# Nested CSS rules (a selector starting with & inside a block) are from 2023 too.
CSS_NESTING = re.compile(r"(^|[{;])\s*&")
# Private class members: Safari 15 (2021) has fields but not methods; we write no classes.
JS_PRIVATE = re.compile(r"\s#[A-Za-z_]\w*\s*[=(;]")


def findings(path: Path, features: dict[str, str], patterns: tuple[re.Pattern[str], ...]) -> list[str]:
    found = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        code = re.sub(r"/\*.*?\*/", "", line)
        fallback = "fallback" in line
        for feature, year in features.items():
            if feature in code and not fallback:
                found.append(f"{path.name}:{number}: {feature!r} (everywhere in {year}), no fallback")
        for pattern in patterns:
            if pattern.search(code) and not fallback:
                found.append(f"{path.name}:{number}: {pattern.pattern!r} without a fallback")
    return found


@pytest.mark.parametrize("path", sorted((ROOT / "static" / "css").glob("*.css")), ids=lambda p: p.name)
def test_css_uses_nothing_newer_than_2021_without_a_fallback(path: Path) -> None:
    assert findings(path, CSS_AFTER_2021, (CSS_NESTING,)) == []


@pytest.mark.parametrize("path", sorted((ROOT / "static" / "js").glob("*.js")), ids=lambda p: p.name)
def test_script_uses_nothing_newer_than_2021_without_a_fallback(path: Path) -> None:
    assert findings(path, JS_AFTER_2021, (JS_PRIVATE,)) == []


def test_the_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    css = tmp_path / "new.css"
    css.write_text(".a:has(b) { color: red; }\n.b { & .c { color: blue; } }\n"
                   ".d { block-size: 100dvh; } /* fallback: vh above */\n")
    assert len(findings(css, CSS_AFTER_2021, (CSS_NESTING,))) == 2
    js = tmp_path / "new.js"
    js.write_text("const last = list.at(-1);\nclass A { #secret = 1; }\n"
                  "const copy = structuredClone(x); // fallback: JSON\n")
    assert len(findings(js, JS_AFTER_2021, (JS_PRIVATE,))) == 2


def test_ecoindex_formula() -> None:
    from bench.ecoindex import ecoindex, grade, position

    assert position(0, (0, 10, 20)) == 0 and position(15, (0, 10, 20)) == 1.5
    assert position(99, (0, 10, 20)) == 2  # beyond the last quantile
    assert round(ecoindex(47, 2, 1.37), 2) == 95.0  # each measure on its first quantile
    assert ecoindex(0, 0, 0) == 100
    assert grade(86) == "A" and grade(80) == "B" and grade(3) == "G"
    light, heavy = ecoindex(250, 5, 40), ecoindex(1500, 90, 3000)
    assert light > 80 > heavy
