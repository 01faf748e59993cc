"""`flask --app app kiosk …`: the commands an IT person runs on a site or central server."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from kiosk import backups, db

kiosk_cli = AppGroup("kiosk", help="Kiosque administration: accounts, backups, restore, browser policy.")


def _sqlite_file() -> Path:
    database = db.database.obj
    if db.is_postgres() or database is None or not hasattr(database, "database"):
        raise click.ClickException("backups here are for SQLite; on PostgreSQL use pg_dump")
    return Path(database.database)


def _backup_dir() -> Path:
    configured = current_app.config["KIOSK_BACKUP_DIR"]
    return Path(configured) if configured else Path(current_app.config["KIOSK_DATA_DIR"]) / "backups"


@kiosk_cli.command("backup")
def backup_command() -> None:
    """Copy the database while the server runs; keep the newest KIOSK_BACKUP_KEEP copies."""
    try:
        made = backups.backup(_sqlite_file(), _backup_dir(), current_app.config["KIOSK_BACKUP_KEEP"])
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"backup written and checked: {made}")


@kiosk_cli.command("restore")
@click.argument("copy", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(copy: Path | None, yes: bool) -> None:
    """Put a backup back in place (the newest one if none is named)."""
    if copy is None:
        found = backups.backups(_backup_dir())
        if not found:
            raise click.ClickException(f"no backup in {_backup_dir()}")
        copy = found[0]
    if not yes:
        click.confirm(f"Replace the database with {copy}? Everything written since is lost", abort=True)
    try:
        backups.restore(copy, _sqlite_file())
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"restored from {copy}")


@kiosk_cli.command("browser-policy")
@click.option("--site-url", default="http://127.0.0.1:8080", show_default=True,
              help="The site server's address the kiosk browser opens.")
@click.option("--browser", type=click.Choice(["chromium", "firefox"]), default="chromium",
              show_default=True)
def browser_policy_command(site_url: str, browser: str) -> None:
    """Print the kiosk browser's policy: the site and the flows' official sites, nothing else."""
    from kiosk.deploy import browser_policy, official_hosts
    from kiosk.flows import library

    policy = browser_policy(browser, site_url, official_hosts(library().flows.values()))
    click.echo(json.dumps(policy, indent=2))


@kiosk_cli.command("create-admin")
@click.option("--login", prompt=True, help="The admin's login.")
@click.option("--name", prompt=True, help="The admin's name, as shown to colleagues.")
@click.option("--role", type=click.Choice(["site_admin", "central_admin"]), default="site_admin",
              show_default=True)
@click.password_option(help="At least 10 characters (asked twice when not given).")
def create_admin_command(login: str, name: str, role: str, password: str) -> None:
    """Create the first admin account; admins then create médiateur accounts on the web."""
    from kiosk.mediation import accounts

    try:
        account = accounts.create_account(login, name, password, role, by="cli")
    except accounts.AccountError as error:
        reasons = {"taken": "this login is already used", "short": "the password needs 10 characters",
                   "login": "the login must be 1 to 80 characters without spaces", "role": "unknown role"}
        raise click.ClickException(reasons[str(error)]) from error
    click.echo(f"account {account.login} ({account.role}) created")


@kiosk_cli.command("purge")
def purge_command() -> None:
    """Purge followed beneficiaries past KIOSK_RETENTION_DAYS now (the janitor does it daily)."""
    from kiosk.mediation.exports import purge_expired

    click.echo(f"{purge_expired()} beneficiaries purged")


@kiosk_cli.command("sync")
def sync_command() -> None:
    """Send the waiting records to central now (the server also does it every KIOSK_SYNC_INTERVAL)."""
    from kiosk.sync import sync_now
    from kiosk.sync.client import queue_depth

    report = sync_now(current_app)
    if report is None:
        raise click.ClickException("no sync configured: set KIOSK_SYNC_URL, KIOSK_SYNC_SITE, KIOSK_SYNC_KEY")
    click.echo(f"sent {report.sent}, acknowledged {report.acked}, conflicts {report.conflicts}, "
               f"rejected {report.rejected}; still waiting: {queue_depth()}")
    if not report.ok:
        raise click.ClickException(report.error)


site_cli = AppGroup("site", help="Central: the sites allowed to sync, and their keys.")


def _central_only() -> None:
    if current_app.config["KIOSK_ROLE"] != "central":
        raise click.ClickException("this command runs on the central server (KIOSK_ROLE=central)")


def _print_credentials(site_id: str, key: str) -> None:
    click.echo("Give these to the site (in its /etc/kiosque/kiosque.env); the key is not shown again:")
    click.echo(f"KIOSK_SYNC_SITE={site_id}")
    click.echo(f"KIOSK_SYNC_KEY={key}")


@site_cli.command("add")
@click.option("--code", required=True, help="A short code, e.g. montreuil-mediatheque.")
@click.option("--name", required=True)
@click.option("--commune", required=True)
@click.option("--insee", required=True, help="The commune's INSEE code, e.g. 93048.")
@click.option("--siret", default="", help="The structure's SIRET (14 digits).")
def site_add_command(code: str, name: str, commune: str, insee: str, siret: str) -> None:
    """Register a site and print its credentials once."""
    from kiosk.central import registry

    _central_only()
    try:
        site, key = registry.add_site(code, name, commune, insee, siret)
    except registry.RegistryError as error:
        raise click.ClickException(str(error)) from error
    _print_credentials(site.id, key)


@site_cli.command("rotate")
@click.argument("code")
def site_rotate_command(code: str) -> None:
    """Give a site a new key (the old one stops working) and print it once."""
    from kiosk.central import registry

    _central_only()
    try:
        site, key = registry.rotate(code)
    except registry.RegistryError as error:
        raise click.ClickException(str(error)) from error
    _print_credentials(site.id, key)


@site_cli.command("revoke")
@click.argument("code")
@click.option("--undo", is_flag=True, help="Accept the site again.")
def site_revoke_command(code: str, undo: bool) -> None:
    """Refuse everything a site sends (or accept it again with --undo)."""
    from kiosk.central import registry

    _central_only()
    try:
        site = registry.set_revoked(code, not undo)
    except registry.RegistryError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{site.code}: {'revoked' if site.revoked else 'accepted'}")


@site_cli.command("list")
def site_list_command() -> None:
    """List the registered sites."""
    from kiosk.central.models import CentralSite

    _central_only()
    for site in CentralSite.select().order_by(CentralSite.code):
        state = "revoked" if site.revoked else "active"
        click.echo(f"{site.code}\t{site.name}\t{site.commune} ({site.insee})\t{state}\t"
                   f"last sync: {site.last_sync_at or 'never'}")


@kiosk_cli.command("import-passes")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_passes_command(path: Path) -> None:
    """Central: import issued pass books from a CSV (carnet;premier;dernier;…)."""
    from kiosk.central.ledger import import_books

    _central_only()
    result = import_books(path.read_text(encoding="utf-8"))
    for line, problem in result.errors[:50]:
        click.echo(f"line {line}: {problem}", err=True)
    if result.errors:
        raise click.ClickException(f"{len(result.errors)} rows refused; nothing imported")
    click.echo(f"{result.books} books, {result.cheques} cheques imported")


@kiosk_cli.command("publish-pack")
@click.option("--content", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of flows (default: the built-in kiosk/flows/content).")
def publish_pack_command(content: Path | None) -> None:
    """Central: publish the flows and their translations as a new content pack, if they changed."""
    from kiosk.central.packs import publish
    from kiosk.flows import CONTENT_DIR
    from kiosk.flows.packs import PackError

    _central_only()
    try:
        pack = publish(content or CONTENT_DIR, Path(current_app.root_path) / "translations")
    except PackError as error:
        raise click.ClickException(str(error)) from error
    if pack is None:
        click.echo("nothing changed since the last pack")
    else:
        click.echo(f"content pack {pack.version} published (sha256 {pack.sha256})")


kiosk_cli.add_command(site_cli)


def init_app(app: Flask) -> None:
    """Add the `kiosk` command group to `flask`."""
    app.cli.add_command(kiosk_cli)
