"""Restoring a ``comptoir backup`` archive (see ``comptoir.ops.backup`` for its layout).

Everything is checked before anything is written: member names (no path outside the layout),
sizes and SHA-256 against the manifest, the manifest's format, the database engine, migrations
this code knows, the keys (the backup's secrets must stay readable) unless ``other_keys``, the
target's files storage, and an empty target (no user) unless ``force``.
Then the database (SQLite: the online backup API into the target file; PostgreSQL:
``pg_restore --clean --if-exists --no-owner`` in one transaction) and the files.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection

from comptoir.core import crypto
from comptoir.ops import pgtools
from comptoir.ops.backup import (
    CHUNK,
    DATABASE_MEMBERS,
    FORMAT,
    FORMAT_VERSION,
    KEY_CHECK,
    MANIFEST,
    BackupError,
    Say,
    known_migrations,
    one_line,
    pending_migrations,
    sqlite_path,
    target_user_count,
    uses_s3,
)


def _safe_member_name(name: str) -> bool:
    if name == MANIFEST or name in DATABASE_MEMBERS.values():
        return True
    path = PurePosixPath(name)
    return (
        len(path.parts) >= 2
        and path.parts[0] == "media"
        and not path.is_absolute()
        and all(part not in ("", ".", "..") for part in path.parts)
        and "\\" not in name
        and "\x00" not in name
    )


def _extract(archive: Path, staging: Path) -> dict[str, dict[str, Any]]:
    """Every member written under ``staging``, with its size and SHA-256 as read."""
    found: dict[str, dict[str, Any]] = {}
    unreadable = (
        f"{archive} is not a readable Comptoir backup (not a .tar.gz, or truncated or damaged)."
    )
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for member in tar:
                if not member.isfile() or not _safe_member_name(member.name):
                    raise BackupError(
                        f"{archive} is not a Comptoir backup: unexpected member {member.name!r}."
                    )
                if member.name in found:
                    raise BackupError(f"{archive} holds {member.name!r} twice: it is damaged.")
                source = tar.extractfile(member)
                if source is None:
                    raise BackupError(unreadable)
                target = staging / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                size = 0
                with target.open("wb") as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                found[member.name] = {"sha256": digest.hexdigest(), "size": size}
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        if isinstance(error, FileNotFoundError | PermissionError | IsADirectoryError):
            raise BackupError(f"Cannot read {archive}: {error.strerror}.") from None
        raise BackupError(unreadable) from None
    return found


def _read_manifest(archive: Path, staging: Path, found: dict[str, dict[str, Any]]) -> dict:
    if MANIFEST not in found:
        raise BackupError(f"{archive} is not a Comptoir backup: it has no manifest.json.")
    try:
        manifest = json.loads((staging / MANIFEST).read_text("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"The manifest of {archive} is not valid JSON: it is damaged.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a Comptoir backup (its manifest says otherwise).")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(
            f"{archive} was written by a newer Comptoir (backup format {version}): upgrade "
            "Comptoir before restoring it."
        )
    members = manifest.get("members")
    database = manifest.get("database")
    if not isinstance(members, dict) or not isinstance(database, dict):
        raise BackupError(f"The manifest of {archive} is incomplete: it is damaged.")
    return manifest


def _check_members(archive: Path, manifest: dict, found: dict[str, dict[str, Any]]) -> None:
    expected = manifest["members"]
    present = {name for name in found if name != MANIFEST}
    absent = sorted(set(expected) - present)
    if absent:
        raise BackupError(f"{archive} is incomplete: {absent[0]} is missing from it.")
    extra = sorted(present - set(expected))
    if extra:
        raise BackupError(f"{archive} holds {extra[0]}, which its manifest does not list.")
    for name, facts in expected.items():
        if not isinstance(facts, dict) or facts.get("sha256") != found[name]["sha256"]:
            raise BackupError(
                f"{name} in {archive} does not match its checksum: the archive is damaged."
            )
    database_member = DATABASE_MEMBERS.get(manifest["database"].get("vendor", ""))
    if database_member is None or database_member not in present:
        raise BackupError(f"{archive} holds no database: it is damaged.")


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    files: int
    pending_migrations: int
    notes: list[str] = field(default_factory=list)


def _restore_sqlite(snapshot: Path) -> None:
    target_path = sqlite_path()
    target_path.parent.mkdir(parents=True, exist_ok=True)
    connection.close()
    try:
        source = sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True)
        try:
            target = sqlite3.connect(target_path, timeout=10)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise BackupError(
                f"The database {target_path} is in use: stop the web servers and the "
                "workers, then restore."
            ) from None
        raise BackupError(f"Could not restore the SQLite database: {error}") from None


def _restore_postgresql(dump: Path, manifest: dict) -> None:
    dumped_by = str(manifest["database"].get("pg_dump_version") or "0")
    needed = max(int(dumped_by.split(".")[0] or 0), pgtools.server_major())
    pg_restore, _version = pgtools.find_tool("pg_restore", needed)
    args, env = pgtools.connection_args()
    name = str(connection.settings_dict["NAME"])
    connection.close()
    pgtools.run_tool(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            *args,
            "--dbname",
            name,
            str(dump),
        ],
        env,
        "pg_restore",
    )


def _restore_media(staging: Path, manifest: dict) -> int:
    source_root = staging / "media"
    if not source_root.is_dir():
        return 0
    root = Path(settings.MEDIA_ROOT)
    count = 0
    for path in sorted(source_root.rglob("*")):
        if path.is_file():
            target = root / path.relative_to(source_root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(path), str(target))
            count += 1
    return count


def _staging_parent() -> str | None:
    """Next to MEDIA_ROOT when possible, so that moving the files in is a rename."""
    parent = Path(settings.MEDIA_ROOT).parent
    return str(parent) if parent.is_dir() and os.access(parent, os.W_OK) else None


def restore_archive(
    archive: Path, *, force: bool, say: Say, other_keys: bool = False
) -> RestoreResult:
    """Check ``archive`` entirely, then restore its database and files."""
    try:
        return _restore_archive(Path(archive), force=force, other_keys=other_keys, say=say)
    except DatabaseError as error:
        raise BackupError(f"Cannot reach the target database: {one_line(error)}") from None
    except pgtools.ToolError as error:
        raise BackupError(str(error)) from None


def _keys_match(manifest: dict) -> bool:
    token = manifest.get("key_check")
    if not isinstance(token, str):
        return True  # nothing to compare with
    try:
        return crypto.decrypt_str(token) == KEY_CHECK
    except crypto.DecryptionError:
        return False


def _restore_archive(archive: Path, *, force: bool, other_keys: bool, say: Say) -> RestoreResult:
    if not archive.exists():
        raise BackupError(f"No such backup: {archive}.")
    if not archive.is_file():
        raise BackupError(f"{archive} is not a file.")
    staging = Path(tempfile.mkdtemp(prefix="comptoir-restore-", dir=_staging_parent()))
    try:
        found = _extract(archive, staging)
        manifest = _read_manifest(archive, staging, found)
        _check_members(archive, manifest, found)
        vendor = manifest["database"]["vendor"]
        if vendor != connection.vendor:
            raise BackupError(
                f"{archive} holds a {vendor} database but this installation uses "
                f"{connection.vendor}: restore it on an installation with the same database "
                "engine."
            )
        applied = manifest.get("migrations", {}).get("applied", [])
        unknown = sorted(set(applied) - known_migrations())
        if unknown:
            raise BackupError(
                f"{archive} comes from a newer Comptoir (migration {unknown[0]} is unknown "
                "here): upgrade Comptoir, then restore."
            )
        if not other_keys and not _keys_match(manifest):
            raise BackupError(
                "This installation's keys (FIELD_ENCRYPTION_KEY, or SECRET_KEY when it is not "
                "set) are not those of the backup: the partners' secrets in it would be "
                "unreadable. Set the backed-up installation's keys, or add --other-keys."
            )
        media = manifest.get("media") or {}
        if media.get("storage") == "filesystem" and media.get("files") and uses_s3():
            raise BackupError(
                f"{archive} holds its files itself, but this installation keeps files in the "
                f"S3 bucket {settings.S3_BUCKET}: restore without S3_BUCKET, then copy "
                "MEDIA_ROOT into the bucket."
            )
        if vendor == "sqlite":  # a fresh installation may not have its folder yet
            sqlite_path().parent.mkdir(parents=True, exist_ok=True)
        users = target_user_count()
        if users and not force:
            raise BackupError(
                f"The target database is not empty ({users} user(s)): restoring would replace "
                "it. Restore into an empty database, or add --force to replace it."
            )
        say(
            f"Backup of {manifest.get('created_at', '?')} checked: Comptoir "
            f"{manifest.get('comptoir_version', '?')}, {vendor}, {len(applied)} migrations, "
            f"{len(manifest['members']) - 1} file(s), every checksum matches."
        )
        database_file = staging / DATABASE_MEMBERS[vendor]
        if vendor == "sqlite":
            _restore_sqlite(database_file)
        else:
            _restore_postgresql(database_file, manifest)
        database_file.unlink()
        say("Database restored.")
        notes = []
        files = _restore_media(staging, manifest)
        if media.get("storage") == "s3":
            note = f"Files: in the S3 bucket {media.get('bucket')}, not in this archive."
            if not uses_s3():
                note += f" Set S3_BUCKET={media.get('bucket')} to reach them."
            notes.append(note)
        else:
            notes.append(f"Files: {files} restored into {settings.MEDIA_ROOT}.")
        for note in notes:
            say(note)
        connection.close()
        pending = pending_migrations()
        if pending:
            say(f"{pending} migration(s) of this version to apply: run `comptoir migrate`.")
        return RestoreResult(
            manifest=manifest, files=files, pending_migrations=pending, notes=notes
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
