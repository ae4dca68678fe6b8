"""User commands: who may sign in to ``legcheck serve``, and with which role."""

from __future__ import annotations

import sys

import click

from ..records.vocabulary import ROLES
from ..textsafe import shown
from ._common import db_option, emit, handles_errors, open_db, output_options


def read_password(confirm: bool = True) -> str:
    """The new password: typed at a hidden prompt (twice), or the first line of standard input when it is not a terminal."""
    if sys.stdin is not None and sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line.rstrip("\r\n")


@click.group()
def user():
    """Users of the web app (legcheck serve): add, list, change."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="practitioner: everything clinical; assistant: photos and checks only; admin: also users.")
@db_option
@handles_errors
def user_add(name, role, db_path, create_db):
    """Add a user NAME; the password is asked for (or read from standard input)."""
    with open_db(db_path, create_db) as st:  # a missing database fails before the password is asked for
        password = read_password()
        st.add_user(name, role, password)
        u = st.user(name)
    click.echo(f"Added user {shown(u['name'])} ({u['role']})")


@user.command("list")
@output_options
@db_option
@handles_errors
def user_list(as_json, as_csv, db_path, create_db):
    """List users with their role and whether they may sign in."""
    with open_db(db_path, create_db) as st:
        rows = st.users()
    emit(rows, ["name", "role", "active", "created_at", "author", "reason"], as_json, as_csv)


@user.command("set")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default=None)
@click.option("--password", "new_password", is_flag=True, help="Set a new password (asked for, or read from stdin).")
@click.option("--disable/--enable", "disable", default=None, help="Stop (or allow again) signing in.")
@click.option("--reason", default=None, help="Why (kept with the change; default: what changed).")
@db_option
@handles_errors
def user_set(name, role, new_password, disable, reason, db_path, create_db):
    """Change a user: role, password, or whether they may sign in (a new record; the old one stays)."""
    with open_db(db_path, create_db) as st:
        st.user(name)  # an unknown user fails before the password is asked for
        password = read_password() if new_password else None
        st.update_user(name, role=role, password=password, active=None if disable is None else not disable,
                       reason=reason)
        u = st.user(name)
    click.echo(f"User {shown(u['name'])}: {u['role']}, " + ("may sign in" if u["active"] else "may not sign in"))
