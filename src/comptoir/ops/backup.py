"""Backups: one archive holding the database, the uploaded files and a manifest; and back.

The archive is a ``.tar.gz`` with, in this order::

    database/comptoir.sqlite3    SQLite: a snapshot taken through sqlite3's online backup API
    database/comptoir.pgdump     PostgreSQL: ``pg_dump --format=custom``
    media/<path>                 every file under MEDIA_ROOT (documents, logos), unless S3
    manifest.json                last, since it carries the SHA-256 of every other member

The database is copied first, then the files: document versions are immutable and their file
is stored before their row commits, so every file the snapshot names is already on disk. A
file deleted while the backup runs (a company deleted meanwhile) is listed in the manifest's
``missing_files`` and reported.

``comptoir.ops.restore`` puts an archive back; PostgreSQL's client tools are found and run
by ``comptoir.ops.pgtools``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import FileField

from comptoir.core import crypto
from comptoir.ops import pgtools

FORMAT = "comptoir-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/comptoir.sqlite3"
PGDUMP_MEMBER = "database/comptoir.pgdump"
DATABASE_MEMBERS = {"sqlite": SQLITE_MEMBER, "postgresql": PGDUMP_MEMBER}
CHUNK = 1024 * 1024
KEY_CHECK = "comptoir-backup-key-check"

Say = Callable[[str], None]


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message is one line for the operator."""


# --- small helpers ------------------------------------------------------------------------------


def comptoir_version() -> str:
    try:
        return importlib.metadata.version("comptoir")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def human_size(size: float) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"


class _HashingReader:
    """A file wrapper that hashes what is read through it (tarfile reads, we hash)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        return data


def sqlite_path() -> Path:
    name = str(connection.settings_dict["NAME"])
    if not name or name == ":memory:" or name.startswith("file::memory:"):
        raise BackupError("The database is an in-memory SQLite database: nothing to back up.")
    return Path(name)


def uses_s3() -> bool:
    return bool(getattr(settings, "S3_BUCKET", ""))


def _s3_description() -> dict[str, Any]:
    storage: dict[str, Any] = settings.STORAGES["default"]
    options: dict[str, Any] = storage.get("OPTIONS") or {}
    return {
        "storage": "s3",
        "bucket": settings.S3_BUCKET,
        "prefix": options.get("location", ""),
        "endpoint_url": options.get("endpoint_url") or "",
        "files": 0,
        "bytes": 0,
    }


# --- what the database holds ---------------------------------------------------------------------


def _applied_migrations_live() -> list[str]:
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return []
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def _applied_migrations_in_sqlite(path: Path) -> list[str]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        try:
            rows = db.execute("SELECT app, name FROM django_migrations").fetchall()
        except sqlite3.OperationalError:
            return []
    return sorted(f"{app}.{name}" for app, name in rows)


def known_migrations() -> set[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


def pending_migrations() -> int:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def referenced_files() -> set[str]:
    """Every stored file name that a file field of any model points at."""
    names: set[str] = set()
    for model in apps.get_models():
        for model_field in model._meta.get_fields():
            if isinstance(model_field, FileField) and model_field.concrete:
                values = (
                    model._base_manager.exclude(**{model_field.name: ""})
                    .exclude(**{f"{model_field.name}__isnull": True})
                    .values_list(model_field.name, flat=True)
                )
                names.update(str(value) for value in values.iterator())
    return names


def target_user_count() -> int:
    """Users in the target database, or 0 when it has no applied migration or no user table."""
    tables = set(connection.introspection.table_names())
    if MigrationRecorder.Migration._meta.db_table not in tables:
        return 0
    if not MigrationRecorder(connection).applied_migrations():
        return 0
    user_table = get_user_model()._meta.db_table
    if user_table not in tables:
        return 0
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(user_table)  # the model's own table name, quoted
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
        return int(cursor.fetchone()[0])


# --- backup -------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    missing_files: list[str] = field(default_factory=list)


def _snapshot_database(workdir: Path, say: Say) -> tuple[Path, str, dict[str, Any]]:
    """The database copied into ``workdir``: (file, archive member name, manifest entry)."""
    vendor = connection.vendor
    if vendor == "sqlite":
        source_path = sqlite_path()
        if not source_path.exists():
            raise BackupError(f"The SQLite database {source_path} does not exist.")
        target = workdir / "comptoir.sqlite3"
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
        try:
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)  # one step, one read transaction: a consistent snapshot
            finally:
                copy.close()
        except sqlite3.Error as error:
            raise BackupError(f"Could not copy the SQLite database: {error}") from None
        finally:
            source.close()
        entry = {
            "vendor": "sqlite",
            "member": SQLITE_MEMBER,
            "server_version": sqlite3.sqlite_version,
            "migrations": _applied_migrations_in_sqlite(target),
        }
        say(f"Database: SQLite snapshot of {source_path} ({human_size(target.stat().st_size)}).")
        return target, SQLITE_MEMBER, entry
    if vendor == "postgresql":
        server_major = pgtools.server_major()
        server_version = str(connection.connection.info.server_version)  # type: ignore[union-attr]
        pg_dump, pg_dump_version = pgtools.find_tool("pg_dump", server_major)
        migrations = _applied_migrations_live()
        target = workdir / "comptoir.pgdump"
        args, env = pgtools.connection_args()
        name = str(connection.settings_dict["NAME"])
        pgtools.run_tool(
            [pg_dump, "--format=custom", "--file", str(target), *args, "--dbname", name],
            env,
            "pg_dump",
        )
        entry = {
            "vendor": "postgresql",
            "member": PGDUMP_MEMBER,
            "server_version": f"{int(server_version) // 10000}.{int(server_version) % 10000}",
            "pg_dump_version": pg_dump_version,
            "migrations": migrations,
        }
        say(f"Database: pg_dump {pg_dump_version} of {name} ({human_size(target.stat().st_size)}).")
        if int(pg_dump_version.split(".")[0]) != server_major:
            say(
                f"Note: the server runs PostgreSQL {entry['server_version']} and pg_dump is "
                f"{pg_dump_version}; a restore needs pg_restore {pg_dump_version.split('.')[0]} "
                "or newer."
            )
        return target, PGDUMP_MEMBER, entry
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")


def _media_files(root: Path, *, skip: Path) -> Iterator[tuple[Path, str]]:
    """Every regular file under ``root``, except under ``skip`` (the backups themselves, if
    someone keeps them inside MEDIA_ROOT: an archive must not swallow its own parts)."""
    if not root.is_dir():
        return
    skip = skip.resolve()
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and not path.resolve().is_relative_to(skip):
            yield path, path.relative_to(root).as_posix()


def _add(tar: tarfile.TarFile, path: Path, arcname: str) -> dict[str, Any]:
    stat = path.stat()
    info = tarfile.TarInfo(arcname)
    info.size = stat.st_size
    info.mtime = int(stat.st_mtime)
    info.mode = 0o600
    with path.open("rb") as handle:
        reader = _HashingReader(handle)
        tar.addfile(info, reader)  # type: ignore[arg-type]
    return {"sha256": reader.digest.hexdigest(), "size": info.size}


def _archive_path(output_dir: Path, now: datetime) -> Path:
    stem = f"comptoir-backup-{now:%Y%m%dT%H%M%SZ}"
    path = output_dir / f"{stem}.tar.gz"
    number = 2
    while path.exists():
        path = output_dir / f"{stem}-{number}.tar.gz"
        number += 1
    return path


def create_backup(output_dir: Path, say: Say) -> BackupResult:
    """Write one archive into ``output_dir``; returns its path and manifest."""
    try:
        return _create_backup(output_dir, say)
    except DatabaseError as error:
        raise BackupError(f"Cannot read the database: {one_line(error)}") from None
    except pgtools.ToolError as error:
        raise BackupError(str(error)) from None


def one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:300] or type(error).__name__


def _create_backup(output_dir: Path, say: Say) -> BackupResult:
    output_dir = Path(output_dir)
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(f"Cannot create the backup folder {output_dir}: {error}") from None
    if not os.access(output_dir, os.W_OK):
        raise BackupError(f"The backup folder {output_dir} is not writable.")
    now = datetime.now(UTC).replace(microsecond=0)
    final = _archive_path(output_dir, now)
    partial = final.with_name(f".{final.name}.partial")
    workdir = Path(tempfile.mkdtemp(prefix="comptoir-backup-", dir=output_dir))
    try:
        db_file, db_member, db_entry = _snapshot_database(workdir, say)
        members: dict[str, dict[str, Any]] = {}
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            members[db_member] = _add(tar, db_file, db_member)
            db_file.unlink()  # no second copy of the database on disk longer than needed
            missing: list[str] = []
            if uses_s3():
                media = _s3_description()
                say(
                    f"Files: in the S3 bucket {settings.S3_BUCKET}, not in this archive; "
                    "back the bucket up with the object store's own tools (versioning, "
                    "replication)."
                )
            else:
                root = Path(settings.MEDIA_ROOT)
                total = 0
                for path, relative in _media_files(root, skip=output_dir):
                    try:
                        members[f"media/{relative}"] = _add(tar, path, f"media/{relative}")
                    except FileNotFoundError:  # deleted between the listing and the copy
                        continue
                    total += members[f"media/{relative}"]["size"]
                media = {
                    "storage": "filesystem",
                    "root": str(root),
                    "files": len(members) - 1,
                    "bytes": total,
                }
                archived = {name.removeprefix("media/") for name in members if name != db_member}
                missing = sorted(referenced_files() - archived)
                say(f"Files: {media['files']} from {root} ({human_size(total)}).")
                if missing:
                    say(
                        f"Warning: {len(missing)} file(s) named by the database are not in "
                        f"{root}, e.g. {missing[0]}."
                    )
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "comptoir_version": comptoir_version(),
                "created_at": now.isoformat(),
                "database": {key: value for key, value in db_entry.items() if key != "migrations"},
                "migrations": {
                    "count": len(db_entry["migrations"]),
                    "applied": db_entry["migrations"],
                },
                "media": media,
                "missing_files": missing,
                # Only the keys this installation uses can read this token back: a restore
                # checks with it that the partners' secrets in the database stay readable.
                "key_check": crypto.encrypt_str(KEY_CHECK),
                "file_count": len(members),
                "members": members,
            }
            data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(now.timestamp())
            info.mode = 0o600
            tar.addfile(info, io.BytesIO(data))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, final)
    except OSError as error:
        raise BackupError(f"Could not write the backup: {error}") from None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if partial.exists():
            partial.unlink()
    return BackupResult(path=final, manifest=manifest, missing_files=missing)


def prune_backups(output_dir: Path, *, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest archives of ``output_dir``; returns those deleted.

    Only files named like ours (``comptoir-backup-*.tar.gz``) are considered, newest first by
    modification time (two archives of the same second sort wrongly by name).
    """
    if keep < 1:
        raise BackupError("--keep must be at least 1.")
    archives = sorted(
        (path for path in Path(output_dir).glob("comptoir-backup-*.tar.gz") if path.is_file()),
        key=lambda path: (path.stat().st_mtime_ns, path.name),
        reverse=True,
    )
    deleted = []
    for path in archives[keep:]:
        path.unlink(missing_ok=True)
        deleted.append(path)
    return deleted
