"""Commands for `flask`: deploy (the platform's release step) and check-deploy. Each feature
adds its own commands, and its own steps to `flask deploy` (add_deploy_step).

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

import os
from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .checks import blocks_deploy, deployment_findings
from .migrations import unknown_database_revisions, upgrade_every_head


def register_commands(app: Flask) -> None:
    app.cli.add_command(deploy)
    app.cli.add_command(check_deploy)


def add_deploy_step(app: Flask, step: Callable[[], None]) -> None:
    """Have `flask deploy` run step() in the app's context once the database is up to date."""
    app.extensions.setdefault("deploy_steps", []).append(step)


@click.command()
@with_appcontext
def deploy() -> None:
    """Check the production settings, bring the database up to date, then run each feature's
    deploy steps. Safe to run on every release; an error in the checks stops it before any
    change."""
    if current_app.config["REFUSE_UNSAFE_CONFIGURATION"] and not report_findings():
        raise click.ClickException("Deploy stopped: fix the errors above (flask check-deploy).")
    unknown = unknown_database_revisions()
    if unknown:
        # A newer release migrated this database and this one is older: a rollback. Its
        # migrations cannot go back; leave the schema to the release that knows it.
        click.echo(
            f"Warning: the database is at revision {', '.join(unknown)}, which this release "
            "does not know (a rollback?). Migrations skipped; run `flask db downgrade` from "
            "the newer release to undo them.",
            err=True,
        )
    else:
        upgrade_every_head()
    for step in current_app.extensions.get("deploy_steps", []):
        step()
    click.echo("Deployed: the database is up to date.")


@click.command("check-deploy")
@with_appcontext
def check_deploy() -> None:
    """Report every production rule these settings break (docs/DEPLOYMENT.md lists them).
    Exits 1 on any error; warnings alone pass."""
    if not report_findings():
        raise SystemExit(1)


def report_findings() -> bool:
    """Print the findings of the production checks; False when one blocks a deploy."""
    findings = deployment_findings(current_app, os.environ)
    for rule in findings:
        click.echo(rule.describe(), err=True)
    errors = sum(rule.blocks_deploy for rule in findings)
    warnings = len(findings) - errors
    click.echo(f"check-deploy: {errors} error(s), {warnings} warning(s).", err=bool(findings))
    return not blocks_deploy(findings)
