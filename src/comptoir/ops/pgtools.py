"""PostgreSQL's client tools (pg_dump, pg_restore) for backups: finding one that fits the
server, and running it with the connection's settings (the password through PGPASSWORD).

pg_dump refuses a server newer than itself and pg_restore an archive from a newer pg_dump,
so :func:`find_tool` looks on PATH and in Debian's side-by-side installs
(``/usr/lib/postgresql/<major>/bin``) for one of the needed major or newer, and otherwise
says which package to install.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from django.db import connection


class ToolError(Exception):
    """No usable client tool, or the tool failed; the message is one line."""


DEBIAN_ROOT = Path("/usr/lib/postgresql")  # postgresql-client-<major> installs side by side
_VERSION_RE = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")


def tool_version(path: str) -> tuple[int, str]:
    """(major, "15.20") of a pg_dump / pg_restore binary."""
    try:
        output = subprocess.run(  # noqa: S603 (a pg tool found on PATH or in Debian's folder)
            [path, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return 0, ""
    match = _VERSION_RE.search(output)
    if not match:
        return 0, ""
    return int(match.group(1)), ".".join(part for part in match.groups() if part)


def tool_candidates(name: str) -> Iterator[str]:
    """PATH first, then Debian's side-by-side installs, newest major first."""
    seen: set[str] = set()
    on_path = shutil.which(name)
    if on_path:
        seen.add(os.path.realpath(on_path))
        yield on_path
    debian = sorted(
        DEBIAN_ROOT.glob(f"*/bin/{name}"),
        key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
        reverse=True,
    )
    for path in debian:
        if os.path.realpath(path) not in seen:
            seen.add(os.path.realpath(path))
            yield str(path)


def find_tool(name: str, at_least: int) -> tuple[str, str]:
    """The path and version of ``name`` (pg_dump, pg_restore) of major ``at_least`` or newer.

    pg_dump refuses a server newer than itself, and pg_restore an archive written by a newer
    pg_dump: a client older than needed gets a one-line message naming the package to install.
    The exact major is preferred when several are installed.
    """
    found: list[tuple[int, str, str]] = []
    for path in tool_candidates(name):
        major, version = tool_version(path)
        if major:
            found.append((major, version, path))
    if not found:
        raise ToolError(
            f"{name} is not installed: install PostgreSQL's client tools "
            f"(Debian: apt-get install postgresql-client-{at_least})."
        )
    usable = [item for item in found if item[0] >= at_least]
    if not usable:
        newest = max(found)
        raise ToolError(
            f"{name} {newest[1]} is older than PostgreSQL {at_least}, which it must handle: "
            f"install postgresql-client-{at_least} (Debian) or put a {name} {at_least} or newer "
            "first on PATH."
        )
    exact = [item for item in usable if item[0] == at_least]
    major, version, path = (exact or sorted(usable))[0]
    return path, version


def connection_args() -> tuple[list[str], dict[str, str]]:
    """Command-line arguments and environment for libpq tools, from Django's settings."""
    db = connection.settings_dict
    args = ["--no-password"]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    options = db.get("OPTIONS") or {}
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
    ):
        if options.get(option):
            env[variable] = str(options[option])
    return args, env


def server_major() -> int:
    connection.ensure_connection()
    return int(connection.pg_version) // 10000  # type: ignore[attr-defined]


def run_tool(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(  # noqa: S603 (pg_dump / pg_restore, arguments as a list)
        command, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = " ".join((result.stderr or result.stdout).split())[:400]
        raise ToolError(f"{what} failed: {detail or f'exit code {result.returncode}'}")
