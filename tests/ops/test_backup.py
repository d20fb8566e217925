"""``comptoir backup`` and ``comptoir restore`` for real, in child processes, on a SQLite file
and on a PostgreSQL database of their own: a firm's document, its file bytes and its send
history survive a backup, a wipe and a restore; bad archives and busy targets are refused in
one line, before anything is written."""

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.ops.backup_fixture import command
from tests.subprocess_env import clean_env, run_comptoir

PROJECT = Path(__file__).resolve().parents[2]
PG_URL = "postgres://postgres@127.0.0.1:5432/{name}"
PG_TEST_DATABASE = "comptoir_backup_test"


def environment(var_dir: Path, **variables: str) -> dict[str, str]:
    """A test-mode installation under ``var_dir`` (SQLite file and media in it by default)."""
    defaults = {
        "COMPTOIR_MODE": "test",
        "DATABASE_URL": f"sqlite:///{var_dir / 'comptoir.sqlite3'}",
        "TASKS_BACKEND": "database",  # the fixture sends its delivery itself, explicitly
        "SECRET_KEY": "backup-test-" + "k" * 50,  # the same key on both sides, as it must be
    }
    var_dir.mkdir(parents=True, exist_ok=True)
    return clean_env(var_dir, **{**defaults, **variables})


def comptoir(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return run_comptoir(*args, env=env, timeout=180)


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def refused(result: subprocess.CompletedProcess) -> str:
    """The one line a refusal prints, after checking that it is one line and no traceback."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def state(env: dict[str, str], action: str = "describe") -> dict:
    result = subprocess.run(
        command(action), env=env, cwd=PROJECT, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def populated(env: dict[str, str], template: Path | None = None) -> dict:
    if template is None:
        ok(comptoir(env, "migrate", "--verbosity", "0"))
    else:
        installed(env, template)
    before = state(env, "populate")
    versions = before["documents"][0]["versions"]
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[0]["deliveries"] == [
        {
            "app": "Automatiser Saisix",
            "status": "sent",
            "to": "achats@saisix.test",
            "attempts": [[1, "sent"]],
        }
    ]
    return before


def back_up(env: dict[str, str], output: Path) -> Path:
    out = ok(comptoir(env, "backup", "--output", str(output)))
    archive = Path(out.strip().splitlines()[-1])
    assert archive.parent == output and archive.name.endswith(".tar.gz"), out
    assert archive.stat().st_mode & 0o077 == 0, "a backup holds everything: owner-only"
    return archive


def manifest_of(archive: Path) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        return json.load(tar.extractfile("manifest.json"))


def installed(env: dict[str, str], template: Path) -> dict[str, str]:
    """``env``'s SQLite database made a copy of ``template`` (migrated once per module)."""
    shutil.copyfile(template, env["DATABASE_URL"].removeprefix("sqlite:///"))
    return env


def tables(env: dict[str, str]) -> int:
    path = env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        return db.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """An empty, migrated SQLite database to copy: one migration run for the whole module."""
    env = environment(tmp_path_factory.mktemp("template") / "var")
    ok(comptoir(env, "migrate", "--verbosity", "0"))
    return Path(env["DATABASE_URL"].removeprefix("sqlite:///"))


@pytest.fixture(scope="module")
def sqlite_backup(tmp_path_factory, template):
    """A populated SQLite installation, its state and one backup of it."""
    root = tmp_path_factory.mktemp("sqlite-source")
    env = environment(root / "var")
    before = populated(env, template)
    archive = back_up(env, root / "backups")
    return env, before, archive


# --- SQLite --------------------------------------------------------------------------------------


def test_the_archive_holds_the_database_the_files_and_a_manifest(sqlite_backup):
    env, before, archive = sqlite_backup
    manifest = manifest_of(archive)

    assert manifest["format"] == "comptoir-backup"
    assert manifest["comptoir_version"] == "0.1.0"
    assert manifest["database"]["vendor"] == "sqlite"
    assert "accounts.0001_initial" in manifest["migrations"]["applied"]
    assert manifest["migrations"]["count"] == len(manifest["migrations"]["applied"])
    files = [v["file"] for v in before["documents"][0]["versions"]]
    assert sorted(manifest["members"]) == sorted(
        ["database/comptoir.sqlite3", *(f"media/{name}" for name in files)]
    )
    assert manifest["media"] == {
        "storage": "filesystem",
        "root": str(Path(env["COMPTOIR_VAR_DIR"]) / "media"),
        "files": 2,
        "bytes": manifest["media"]["bytes"],
    }
    assert manifest["file_count"] == 3
    assert manifest["missing_files"] == []
    hashes = {f"media/{v['file']}": v["sha256"] for v in before["documents"][0]["versions"]}
    for name, sha256 in hashes.items():
        assert manifest["members"][name]["sha256"] == sha256


def test_restore_into_a_fresh_installation_brings_everything_back(
    sqlite_backup, template, tmp_path
):
    _env, before, archive = sqlite_backup
    fresh = installed(environment(tmp_path / "var"), template)  # empty, migrated
    assert state(fresh)["documents"] == []

    out = ok(comptoir(fresh, "restore", str(archive)))

    assert "every checksum matches" in out
    assert "Files: 2 restored" in out
    assert out.strip().endswith("Restore complete.")
    assert state(fresh) == before  # documents, file bytes, deliveries and attempts, users


def test_restore_also_works_where_the_database_does_not_exist_yet(sqlite_backup, tmp_path):
    _env, before, archive = sqlite_backup
    fresh = environment(tmp_path / "var", DATABASE_URL=f"sqlite:///{tmp_path}/new/db.sqlite3")

    ok(comptoir(fresh, "restore", str(archive)))

    assert state(fresh) == before


def test_a_database_with_users_is_not_replaced_without_force(sqlite_backup, tmp_path):
    _env, before, archive = sqlite_backup
    target = environment(tmp_path / "var")
    ok(comptoir(target, "restore", str(archive)))
    marker = tmp_path / "var" / "media" / "kept.txt"
    marker.write_text("not from the backup")

    line = refused(comptoir(target, "restore", str(archive)))

    assert "The target database is not empty (1 user(s))" in line
    assert "--force" in line
    ok(comptoir(target, "restore", "--force", str(archive)))
    assert state(target) == before
    assert marker.read_text() == "not from the backup"  # files not in the backup stay


def test_other_keys_are_refused_unless_asked_for(sqlite_backup, tmp_path):
    _env, before, archive = sqlite_backup
    assert manifest_of(archive)["key_check"]
    other = environment(tmp_path / "var", SECRET_KEY="another-installation-" + "z" * 50)

    line = refused(comptoir(other, "restore", str(archive)))

    assert "This installation's keys (FIELD_ENCRYPTION_KEY, or SECRET_KEY" in line
    assert "--other-keys" in line
    assert not (tmp_path / "var" / "media").exists()
    ok(comptoir(other, "restore", "--other-keys", str(archive)))
    assert state(other)["documents"] == before["documents"]


def test_a_missing_archive_is_refused_in_one_line(tmp_path):
    env = environment(tmp_path / "var")
    line = refused(comptoir(env, "restore", str(tmp_path / "nowhere.tar.gz")))
    assert line == f"CommandError: No such backup: {tmp_path / 'nowhere.tar.gz'}."


def test_a_truncated_archive_is_refused_and_nothing_is_written(sqlite_backup, tmp_path):
    _env, _before, archive = sqlite_backup
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    env = environment(tmp_path / "var")

    line = refused(comptoir(env, "restore", str(broken)))

    assert "is not a readable Comptoir backup" in line
    assert not (tmp_path / "var" / "media").exists()


def test_a_file_that_is_not_an_archive_is_refused(tmp_path):
    junk = tmp_path / "notes.tar.gz"
    junk.write_text("hello")
    line = refused(comptoir(environment(tmp_path / "var"), "restore", str(junk)))
    assert "is not a readable Comptoir backup" in line


def rewrite(archive: Path, target: Path, change) -> Path:
    """A copy of ``archive`` whose members go through ``change(name, bytes)`` (None drops)."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz") as out:
        for member in source:
            data = source.extractfile(member).read()
            result = change(member.name, data)
            if result is None:
                continue
            name, data = result
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    return target


def test_a_damaged_member_fails_its_checksum_and_nothing_is_restored(sqlite_backup, tmp_path):
    _env, _before, archive = sqlite_backup

    def damage(name, data):
        return name, (data + b"tampered" if name.startswith("media/") else data)

    tampered = rewrite(archive, tmp_path / "tampered.tar.gz", damage)
    env = environment(tmp_path / "var")

    line = refused(comptoir(env, "restore", str(tampered)))

    assert "does not match its checksum: the archive is damaged" in line
    assert tables(env) == 0
    assert not (tmp_path / "var" / "media").exists()


def test_a_member_outside_the_layout_is_refused(sqlite_backup, tmp_path):
    _env, _before, archive = sqlite_backup

    def escape(name, data):
        return ("media/../../evil.txt", data) if name.startswith("media/") else (name, data)

    hostile = rewrite(archive, tmp_path / "hostile.tar.gz", escape)
    line = refused(comptoir(environment(tmp_path / "var"), "restore", str(hostile)))
    assert "unexpected member 'media/../../evil.txt'" in line
    assert not (tmp_path / "evil.txt").exists()


def test_an_archive_without_manifest_is_refused(sqlite_backup, tmp_path):
    _env, _before, archive = sqlite_backup
    bare = rewrite(
        archive,
        tmp_path / "bare.tar.gz",
        lambda name, data: None if name == "manifest.json" else (name, data),
    )
    line = refused(comptoir(environment(tmp_path / "var"), "restore", str(bare)))
    assert "it has no manifest.json" in line


def test_a_backup_from_a_newer_comptoir_is_refused(sqlite_backup, tmp_path):
    _env, _before, archive = sqlite_backup

    def newer(name, data):
        if name != "manifest.json":
            return name, data
        manifest = json.loads(data)
        manifest["migrations"]["applied"].append("documents.9999_from_the_future")
        return name, json.dumps(manifest).encode()

    future = rewrite(archive, tmp_path / "future.tar.gz", newer)
    line = refused(comptoir(environment(tmp_path / "var"), "restore", str(future)))
    assert "comes from a newer Comptoir (migration documents.9999_from_the_future" in line


def test_backup_refuses_an_unwritable_output(sqlite_backup, tmp_path):
    env, _before, _archive = sqlite_backup
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    line = refused(comptoir(env, "backup", "--output", str(blocker / "inside")))
    assert "Cannot create the backup folder" in line


def test_backups_kept_inside_media_root_are_not_archived_again(template, tmp_path):
    env = installed(environment(tmp_path / "var"), template)
    media = tmp_path / "var" / "media"
    (media / "firm-logos").mkdir(parents=True)
    (media / "firm-logos" / "logo.png").write_bytes(b"png")
    inside = media / "backups"
    first = back_up(env, inside)

    second = back_up(env, inside)

    assert sorted(manifest_of(second)["members"]) == [
        "database/comptoir.sqlite3",
        "media/firm-logos/logo.png",
    ]
    assert first.exists()


def test_keep_deletes_all_but_the_newest_archives_and_nothing_else(sqlite_backup, tmp_path):
    env, _before, _archive = sqlite_backup
    output = tmp_path / "backups"
    output.mkdir()
    (output / "notes.txt").write_text("mine")
    old = output / "comptoir-backup-20200101T000000Z.tar.gz"
    old.write_bytes(b"an old archive")
    os.utime(old, (1_577_836_800, 1_577_836_800))
    first = back_up(env, output)

    out = ok(comptoir(env, "backup", "--output", str(output), "--keep", "2"))

    newest = Path(out.strip().splitlines()[-1])
    assert f"Deleted the older archive {old.name}." in out
    assert sorted(p.name for p in output.iterdir()) == sorted(
        [first.name, newest.name, "notes.txt"]
    )
    line = refused(comptoir(env, "backup", "--output", str(output), "--keep", "0"))
    assert line == "CommandError: --keep must be at least 1."


def test_with_s3_the_archive_says_where_the_files_are(template, tmp_path):
    env = environment(tmp_path / "var", S3_BUCKET="comptoir-documents", S3_PREFIX="cabinet/")
    installed(env, template)
    out = ok(comptoir(env, "backup", "--output", str(tmp_path / "backups")))
    archive = Path(out.strip().splitlines()[-1])

    assert "Files: in the S3 bucket comptoir-documents, not in this archive" in out
    manifest = manifest_of(archive)
    assert manifest["media"]["storage"] == "s3"
    assert manifest["media"]["bucket"] == "comptoir-documents"
    assert manifest["media"]["prefix"] == "cabinet"
    assert list(manifest["members"]) == ["database/comptoir.sqlite3"]


# --- PostgreSQL ----------------------------------------------------------------------------------


def postgres_or_skip() -> None:
    psycopg = pytest.importorskip("psycopg")
    try:
        psycopg.connect(PG_URL.format(name="postgres"), connect_timeout=3).close()
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must answer on 127.0.0.1:5432 in CI: {error}")
        pytest.skip(f"PostgreSQL is not reachable on 127.0.0.1:5432: {error}")


def recreate_database(name: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(PG_URL.format(name="postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            admin.execute(f'CREATE DATABASE "{name}"')


@pytest.fixture
def pg_database():
    postgres_or_skip()
    recreate_database(PG_TEST_DATABASE)
    yield PG_URL.format(name=PG_TEST_DATABASE)
    recreate_database(PG_TEST_DATABASE, drop_only=True)


def test_postgresql_backup_wipe_and_restore(pg_database, tmp_path, sqlite_backup):
    source = environment(tmp_path / "var", DATABASE_URL=pg_database)
    before = populated(source)
    archive = back_up(source, tmp_path / "backups")
    manifest = manifest_of(archive)
    assert manifest["database"]["vendor"] == "postgresql"
    assert (
        manifest["database"]["pg_dump_version"].split(".")[0]
        == (manifest["database"]["server_version"].split(".")[0])
    )
    assert "database/comptoir.pgdump" in manifest["members"]

    # The wipe: a new, bare database (no table at all) and an empty media folder.
    recreate_database(PG_TEST_DATABASE)
    wiped = environment(tmp_path / "wiped", DATABASE_URL=pg_database)
    assert not (tmp_path / "wiped" / "media").exists()
    out = ok(comptoir(wiped, "restore", str(archive)))

    assert "every checksum matches" in out
    assert state(wiped) == before
    assert not ok(comptoir(wiped, "migrate", "--check", "--verbosity", "0")).strip()

    line = refused(comptoir(wiped, "restore", str(archive)))
    assert "The target database is not empty" in line

    # A SQLite archive cannot go into this PostgreSQL installation.
    _sqlite_env, _before, sqlite_archive = sqlite_backup
    line = refused(comptoir(wiped, "restore", "--force", str(sqlite_archive)))
    assert "holds a sqlite database but this installation uses postgresql" in line
