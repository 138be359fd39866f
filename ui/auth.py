"""Who may use a served app, and what they may do: credentials, roles, and the loopback rule.

Credentials come from the file ``Settings.auth_file`` (``POLICYQA_AUTH_FILE`` or ``serve --auth-file``)
and/or the environment variable named by ``Settings.auth_users_env`` (``POLICYQA_UI_USERS`` by default);
never from the code. One entry per line in the file, comma-separated in the variable::

    # user:password:role   (role: reader — may ask, browse, export, rate; editor — may also add and remove)
    alice:correct-horse-battery:editor
    bob:another-long-secret:reader

A password may be stored as ``pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>`` instead of in clear
(:func:`hash_password` makes one). Without credentials the app is for the machine it runs on only:
:func:`require_auth` refuses any host but a loopback one.

>>> c = parse_credentials("alice:pw1:editor\\n# comment\\nbob:pw2:reader")
>>> c.check("alice", "pw1"), c.check("alice", "nope"), c.role("bob"), c.role("alice")
(True, False, 'reader', 'editor')
>>> c.check("bob", hash_password("pw2"))  # a hash is not the password
False
>>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("::1"), is_loopback("0.0.0.0")
(True, True, True, False)
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from settings import Settings

log = logging.getLogger(__name__)

ROLES = ("reader", "editor")
EDITOR = "editor"
_PBKDF2 = "pbkdf2_sha256"


class AuthConfigError(ValueError):
    """The server cannot start as configured (no credentials for a shared host, a malformed entry)."""


@dataclass(frozen=True)
class User:
    name: str
    secret: str  # the password, or its pbkdf2_sha256$… hash
    role: str = "reader"


def hash_password(password: str, iterations: int = 200_000, salt: str | None = None) -> str:
    """A ``pbkdf2_sha256$iterations$salt$hash`` entry for the credentials file."""
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), iterations).hex()
    return f"{_PBKDF2}${iterations}${salt}${digest}"


def _matches(secret: str, password: str) -> bool:
    if secret.startswith(_PBKDF2 + "$"):
        try:
            _, iterations, salt, digest = secret.split("$")
            given = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), int(iterations))
        except ValueError:
            return False
        return hmac.compare_digest(given.hex(), digest)
    return hmac.compare_digest(secret.encode("utf-8"), password.encode("utf-8"))


@dataclass(frozen=True)
class Credentials:
    """The users who may sign in, by name."""

    users: dict[str, User] = field(default_factory=dict)

    def check(self, username: object, password: object) -> bool:
        """Gradio's ``auth`` callable: whether this name and password sign in."""
        if not isinstance(username, str) or not isinstance(password, str):
            return False
        user = self.users.get(username)
        ok = user is not None and _matches(user.secret, password)
        if not ok:
            log.warning("failed sign-in for %r", username[:64])
        return ok

    def role(self, username: str | None) -> str | None:
        """The signed-in user's role (None for no such user)."""
        user = self.users.get(username or "")
        return user.role if user else None

    def __bool__(self) -> bool:
        return bool(self.users)


def parse_credentials(text: str, origin: str = "credentials", commas: bool = False) -> Credentials:
    """Entries ``user:password:role``, one per line (or comma-separated with ``commas``, as in the
    environment variable); a line starting with ``#`` is a comment."""
    users: dict[str, User] = {}
    entries = [e.strip() for line in text.splitlines() for e in (line.split(",") if commas else [line])]
    for n, entry in enumerate(entries, 1):
        if not entry or entry.startswith("#"):
            continue
        name, sep, rest = entry.partition(":")
        secret, sep2, role = rest.rpartition(":")
        if not sep or not sep2 or not name.strip() or not secret:
            raise AuthConfigError(f"{origin}: entry {n} is not user:password:role (role reader or editor)")
        if role not in ROLES:
            raise AuthConfigError(f"{origin}: entry {n} has role {role!r}; use reader or editor")
        users[name.strip()] = User(name.strip(), secret, role)
    return Credentials(users)


def load_credentials(settings: Settings, environ: Mapping[str, str] | None = None) -> Credentials:
    """The users of ``settings.auth_file`` and of the variable ``settings.auth_users_env`` (empty when neither)."""
    env = os.environ if environ is None else environ
    users: dict[str, User] = {}
    if settings.auth_file is not None:
        path = Path(settings.auth_file)
        if not path.is_file():
            raise AuthConfigError(f"the credentials file {path} does not exist (POLICYQA_AUTH_FILE / --auth-file)")
        if path.stat().st_mode & 0o077:
            log.warning("%s is readable by other users: chmod 600 it", path)
        users.update(parse_credentials(path.read_text("utf-8"), str(path)).users)
    if env.get(settings.auth_users_env):
        users.update(parse_credentials(env[settings.auth_users_env], settings.auth_users_env, commas=True).users)
    return Credentials(users)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    if host.strip().lower() in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[] ")).is_loopback
    except ValueError:
        return False


def require_auth(host: str, credentials: Credentials, settings: Settings) -> None:
    """Refuse a non-loopback host without credentials, naming the fix."""
    if is_loopback(host) or credentials:
        return
    raise AuthConfigError(
        f"refusing to serve on {host} without sign-in: anyone who reaches the port could ask, add and remove "
        f"documents. Give credentials in a file (lines user:password:role, role reader or editor) with "
        f"--auth-file FILE or POLICYQA_AUTH_FILE=FILE, or in the variable {settings.auth_users_env} "
        f"(comma-separated entries); or serve on --host 127.0.0.1, for this machine only (README, Shared deployment).")
