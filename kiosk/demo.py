"""Demonstration data for `make run`: a site to show what a centre's server looks like."""
from __future__ import annotations

from kiosk.sites import Site


def load() -> None:
    """Create the demonstration data once; running it again changes nothing."""
    Site.ensure(
        code="demo-montreuil",
        name="Espace numérique de démonstration",
        commune="Montreuil",
        insee="93048",
    )
