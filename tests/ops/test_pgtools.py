"""Finding pg_dump / pg_restore of the right major version: PATH first, then Debian's
side-by-side installs; a client too old for the server is refused in one line that names the
package to install. Fake tools (shell scripts printing a version) stand in for the real ones."""

import os

import pytest

from comptoir.ops import pgtools


def fake_tool(folder, name: str, version: str):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {version} (Debian {version}-1)'\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def machine(tmp_path, monkeypatch):
    """An empty PATH and an empty Debian folder, to fill per test."""
    path_dir = tmp_path / "bin"
    path_dir.mkdir()
    monkeypatch.setenv("PATH", str(path_dir))
    monkeypatch.setattr(pgtools, "DEBIAN_ROOT", tmp_path / "usr-lib-postgresql")
    return tmp_path


def test_the_version_is_read_from_the_tool(machine):
    tool = fake_tool(machine / "bin", "pg_dump", "15.20")
    assert pgtools.tool_version(str(tool)) == (15, "15.20")


def test_the_tool_on_path_serves_when_its_major_is_the_servers(machine):
    on_path = fake_tool(machine / "bin", "pg_dump", "15.20")
    assert pgtools.find_tool("pg_dump", 15) == (str(on_path), "15.20")


def test_the_exact_major_is_preferred_to_a_newer_one(machine):
    fake_tool(machine / "bin", "pg_dump", "17.2")
    exact = fake_tool(machine / "usr-lib-postgresql" / "15" / "bin", "pg_dump", "15.20")
    assert pgtools.find_tool("pg_dump", 15) == (str(exact), "15.20")


def test_a_newer_client_is_used_when_no_exact_one_exists(machine):
    newer = fake_tool(machine / "usr-lib-postgresql" / "17" / "bin", "pg_restore", "17.2")
    fake_tool(machine / "usr-lib-postgresql" / "13" / "bin", "pg_restore", "13.9")
    assert pgtools.find_tool("pg_restore", 15) == (str(newer), "17.2")


def test_a_client_older_than_the_server_is_refused_naming_the_package(machine):
    fake_tool(machine / "bin", "pg_dump", "13.9")
    with pytest.raises(pgtools.ToolError) as error:
        pgtools.find_tool("pg_dump", 16)
    assert str(error.value) == (
        "pg_dump 13.9 is older than PostgreSQL 16, which it must handle: install "
        "postgresql-client-16 (Debian) or put a pg_dump 16 or newer first on PATH."
    )


def test_no_client_at_all_says_what_to_install(machine):
    with pytest.raises(pgtools.ToolError, match=r"^pg_dump is not installed: .*client-15\)\.$"):
        pgtools.find_tool("pg_dump", 15)


def test_the_connection_settings_become_arguments_and_pgpassword(settings):
    from django.db import connection

    original = dict(connection.settings_dict)
    connection.settings_dict.update(
        {"HOST": "db.example", "PORT": "6543", "USER": "comptoir", "PASSWORD": "s3cret"}
    )
    connection.settings_dict["OPTIONS"] = {"sslmode": "require"}
    try:
        args, env = pgtools.connection_args()
    finally:
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    assert args == [
        "--no-password",
        "--host",
        "db.example",
        "--port",
        "6543",
        "--username",
        "comptoir",
    ]
    assert env["PGPASSWORD"] == "s3cret" and env["PGSSLMODE"] == "require"
    assert "s3cret" not in " ".join(args)  # never on a command line that ps can show
    assert env["PATH"] == os.environ["PATH"]
