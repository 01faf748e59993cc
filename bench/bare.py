"""Baseline for the benchmark: one Flask route answering "hello", served by waitress."""
from __future__ import annotations

import sys

from flask import Flask
from waitress import serve

app = Flask(__name__)


@app.get("/")
def hello() -> tuple[str, int, dict[str, str]]:
    """Answer with plain text."""
    return "hello", 200, {"Content-Type": "text/plain; charset=utf-8"}


if __name__ == "__main__":
    serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=int(sys.argv[2]), ident="bare")
