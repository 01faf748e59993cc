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
    from kiosk.mediation.views import purge_expired

    click.echo(f"{purge_expired()} beneficiaries purged")


def init_app(app: Flask) -> None:
    """Add the `kiosk` command group to `flask`."""
    app.cli.add_command(kiosk_cli)
