"""What every store offers about the users of the web app (part of :class:`legcheck.records.protocol.Store`).

Users are versioned like patients (schema migration 2): a change of role, of password or of
access is a new row superseding the user's current one, with a reason; nothing is deleted. A
user's ``name`` is what they sign in with and the author recorded for what they write (the store
opened with ``open_store(location, actor=name)``); names are unique case-folded NFKC
(:func:`legcheck.records.inputs.normalize_user_name`). Passwords are kept as Argon2id hashes only
(:mod:`legcheck.records.users`), and no method returns a hash. What each role may do:
:func:`legcheck.records.users.may`.
"""

from __future__ import annotations

from typing import Protocol


class UserStore(Protocol):
    """The user methods of a store."""

    def add_user(self, name: str, role: str, password: str) -> int:
        """Add a user who may sign in to the web app; the password is stored as its Argon2id hash.

        Parameters
        ----------
        name : str
            The sign-in name (:func:`~legcheck.records.inputs.normalize_user_name`): the author
            recorded for what they write.
        role : {"practitioner", "assistant", "admin"}
        password : str
            At least :data:`legcheck.records.users.MIN_PASSWORD_CHARS` characters.

        Returns
        -------
        int
            The user's id.

        Raises
        ------
        UsageError
            A name the rules refuse, an unknown role, a short password.
        RecordConflictError
            The name (case-folded) is taken.
        """

    def update_user(self, name: str, role: str | None = None, password: str | None = None,
                    active: bool | None = None, reason: str | None = None) -> int:
        """Change a user's role, password or whether they may sign in: a new row supersedes the current one.

        Parameters
        ----------
        name : str
            The user (any case).
        role : {"practitioner", "assistant", "admin"}, optional
        password : str, optional
            The new password (hashed; :data:`~legcheck.records.users.MIN_PASSWORD_CHARS` at least).
        active : bool, optional
            Whether the user may sign in.
        reason : str, optional
            Why; default: what changed ("role assistant -> practitioner; new password").

        Returns
        -------
        int
            The new row's id (the user's ``version_id``).

        Raises
        ------
        UsageError
            Nothing to change, an unknown role, a short password.
        RecordNotFoundError
            No such user.
        """

    def user(self, name: str) -> dict:
        """The user now: ``id``, ``version_id``, ``name``, ``role``, ``active`` (bool), ``author``, ``reason``,
        ``created_at`` (of the current row); never the hash.

        Raises
        ------
        RecordNotFoundError
            No such user.
        """

    def users(self) -> list[dict]:
        """Every user now, by name (as :meth:`user`), those who may no longer sign in included."""

    def authenticate(self, name: str, password: str) -> dict | None:
        """The user (as :meth:`user`) when ``password`` is theirs and they may sign in, else None.

        An unknown name costs the same Argon2 time as a wrong password, and the answer does
        not say which it was.
        """
