"""What the kiosk's browser may open: the site server and the official sites the flows link to.

The policy is generated from the flows, so a new guide's official site is allowed as soon as
the guide is installed, and everything else (search engines, social networks…) stays closed.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from kiosk.flows.engine import Flow


def site_domain(host: str) -> str:
    """Return the domain a site lives under: its login pages are often on another subdomain.

    impots.gouv.fr sends residents to cfspart.impots.gouv.fr, ameli.fr to assure.ameli.fr:
    the policy allows the domain and all its subdomains (on .gouv.fr, the ministry's domain).
    """
    labels = host.lower().split(".")
    keep = 3 if host.endswith(".gouv.fr") else 2
    return ".".join(labels[-keep:])


def official_hosts(flows: Iterable[Flow]) -> list[str]:
    """Return the domains of every official address shown to residents, sorted."""
    domains = set()
    for flow in flows:
        for url in (flow.official_url, *(step.link for step in flow.steps)):
            host = urlsplit(url).hostname if url else None
            if host:
                domains.add(site_domain(host))
    return sorted(domains)


def browser_policy(browser: str, site_url: str, hosts: list[str]) -> dict[str, Any]:
    """Return a managed-policy document for Chromium or Firefox allowing only these sites."""
    allowed = [site_url.rstrip("/"), *(f"https://{host}" for host in hosts)]
    if browser == "firefox":
        return {"policies": {
            "WebsiteFilter": {"Block": ["<all_urls>"],
                              "Exceptions": [f"{site_url.rstrip('/')}/*",
                                             *(pattern for host in hosts for pattern in
                                               (f"https://{host}/*", f"https://*.{host}/*"))]},
            "DisablePrivateBrowsing": False, "DisableDeveloperTools": True,
            "DisablePasswordReveal": True, "OfferToSaveLogins": False, "PasswordManagerEnabled": False,
            "DisableFormHistory": True, "DisplayBookmarksToolbar": "never",
            "SanitizeOnShutdown": True, "DontCheckDefaultBrowser": True,
        }}
    return {
        "URLBlocklist": ["*"],
        "URLAllowlist": allowed,
        "DeveloperToolsAvailability": 2,
        "PasswordManagerEnabled": False,
        "AutofillAddressEnabled": False,
        "AutofillCreditCardEnabled": False,
        "BrowserSignin": 0,
        "SyncDisabled": True,
        "IncognitoModeAvailability": 0,
        "DownloadRestrictions": 0,
        "PrintingEnabled": True,
        "TranslateEnabled": False,
        "DefaultBrowserSettingEnabled": False,
    }
