"""Flask and werkzeug, minus work paid on every request whose answer cannot change.

Each class keeps the framework's behaviour and only stops redoing something: asking whether a
hook is a coroutine, walking the URL rules for a path already matched, building a multi-value
dict of cookies. A kept page costs the app ~0.1 ms here, over a third of it Flask's own work.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from flask import Flask, Request
from werkzeug.routing import Map, Rule, RuleFactory
from werkzeug.routing.matcher import StateMachineMatcher
from werkzeug.sansio.http import parse_cookie
from werkzeug.utils import cached_property

MATCHES_KEPT = 1024


class RememberingMatcher(StateMachineMatcher):
    """werkzeug's URL matcher, remembering the rule and values each path matched.

    A path matches the same rule with the same values until the rules change (`add`), so the
    ~10 µs walk of the state machine is done once per path. Only matches are kept: a path
    that raises (not found, redirect to a slash, wrong method) is walked every time. Values go
    out as a copy, as Flask's URL processors take some out (the language).
    """

    def __init__(self, merge_slashes: bool) -> None:
        super().__init__(merge_slashes)
        self._found: dict[tuple[str, str, str, bool], tuple[Rule, dict[str, Any]]] = {}

    def add(self, rule: Rule) -> None:
        super().add(rule)
        self._found = {}

    def update(self) -> None:
        super().update()
        self._found = {}

    def match(self, domain: str, path: str, method: str, websocket: bool) -> tuple[Rule, dict[str, Any]]:
        key = (domain, path, method, websocket)
        found = self._found.get(key)
        if found is None:
            rule, values = super().match(domain, path, method, websocket)
            found = (rule, dict(values))
            if len(self._found) >= MATCHES_KEPT:
                self._found = {}  # a crawler's endless paths: start again rather than grow
            self._found[key] = found
        return found[0], dict(found[1])


class KioskMap(Map):
    """werkzeug's Map with a matcher that remembers its matches."""

    def __init__(self, rules: Iterable[RuleFactory] | None = None, **options: Any) -> None:
        super().__init__(None, **options)
        self._matcher = RememberingMatcher(self._matcher.merge_slashes)
        for rule in rules or ():
            self.add(rule)


class KioskRequest(Request):
    """Flask's request, reading its cookies into a plain read-only mapping.

    werkzeug builds an ImmutableMultiDict (~4 µs, and a raise-and-catch for each missing name
    looked up); a browser sends each name once, and the first one counts, as in werkzeug.
    """

    @cached_property
    def cookies(self) -> Mapping[str, str]:  # type: ignore[override]
        header = self.environ.get("HTTP_COOKIE", "")
        pairs = parse_cookie(header, cls=list) if header else []  # type: ignore[arg-type]
        return MappingProxyType(dict(reversed(pairs)))


class KioskFlask(Flask):
    """Flask with the classes above, and the check for async views made once per function.

    Flask asks `inspect` whether each hook and view is a coroutine function on every call
    (seven hooks a page view here); Kiosque's never are, and the check is now made once each.
    """

    request_class = KioskRequest
    url_map_class = KioskMap
    _sync_checked: dict[Any, Any]

    def ensure_sync(self, func: Any) -> Any:
        checked = self.__dict__.setdefault("_sync_checked", {})
        found = checked.get(func)
        if found is None:
            found = checked[func] = super().ensure_sync(func)
        return found
