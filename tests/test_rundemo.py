"""``comptoir rundemo`` (what ``make demo`` runs) for real: prepare, serve, log in, mail, stop."""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest

from comptoir.demo.data import DEMO_PASSWORD
from comptoir.demo.sinks import free_port, port_is_free
from tests.subprocess_env import clean_env

READY = "Press Ctrl-C to stop everything."


class Demo:
    """The demo in a child process of its own session; its output collected line by line."""

    def __init__(self, env: dict[str, str], port: int, *options: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "comptoir", "rundemo", "--port", str(port), *options],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"rundemo never printed {text!r}:\n{self.output[-3000:]}")
            time.sleep(0.2)

    def kill(self) -> None:
        """Stop it as Ctrl-C does, so that it stops its children (each in a session of its
        own, which a SIGKILL of this group would leave running), then kill what is left."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def log_in(base: str, email: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=10)
    page = client.get("/connexion/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = client.post(
        "/connexion/",
        data={"csrfmiddlewaretoken": token, "username": email, "password": DEMO_PASSWORD},
        headers={"Referer": f"{base}/connexion/"},
    )
    assert answer.status_code == 302, f"{email} could not log in"
    return client


def test_rundemo_serves_the_seeded_demo_sends_mail_and_stops_cleanly(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = clean_env(tmp_path / "var", COMPTOIR_MODE="demo")
    demo = Demo(env, port)
    try:
        demo.wait_for(READY, timeout=180)
        assert f"Comptoir demo: open {base}/" in demo.output
        assert "sophie.durand@cabinet-durand.test" in demo.output
        assert f"the same password for all: {DEMO_PASSWORD}" in demo.output

        for email in ("sophie.durand@cabinet-durand.test", "pierre.martin@boulangerie-martin.test"):
            client = log_in(base, email)
            assert client.get("/", follow_redirects=True).status_code == 200

        # An invitation goes through the worker to the SMTP sink, which keeps it in var/mail/.
        admin = log_in(base, "sophie.durand@cabinet-durand.test")
        clients = admin.get("/cabinet/clients/", params={"q": "Boulangerie Martin"}).text
        company_id = re.search(r'href="/cabinet/clients/(\d+)/"', clients).group(1)
        users_url = f"/cabinet/clients/{company_id}/utilisateurs/"
        token = re.search(
            r'name="csrfmiddlewaretoken" value="([^"]+)"', admin.get(users_url).text
        ).group(1)
        admin.post(
            users_url,
            data={"csrfmiddlewaretoken": token, "email": "new.user@example.test", "role": "invite"},
            headers={"Referer": base + users_url},
        )
        demo.wait_for("[mail] e-mail to new.user@example.test", timeout=30)
        saved = [p.read_text() for p in (tmp_path / "var" / "mail").glob("*.eml")]
        assert sum("To: new.user@example.test" in text for text in saved) == 1

        # The seeded documents reach the local partners: the HTTPS receiver (signed JSON,
        # verified with the reference library) and the SFTP server, with its real host key.
        demo.wait_for("[sftp] ", timeout=60)
        demo.wait_for("facture-metro.pdf", timeout=60)
        [uploaded] = list((tmp_path / "var" / "sftp").iterdir())
        assert uploaded.name.startswith("GRANDCHENE01_")
        assert uploaded.read_bytes().startswith(b"%PDF")
        demo.wait_for("releve-horizon-avril.pdf", timeout=60)
        assert "bad or missing signature" not in demo.output

        os.kill(demo.process.pid, signal.SIGTERM)  # what Ctrl-C does, for a background process
        assert demo.process.wait(timeout=30) == 0
        demo.reader.join(timeout=5)
        assert demo.lines[-1] == "Demo stopped."
        with pytest.raises(httpx.ConnectError):
            httpx.get(base + "/connexion/", timeout=2)
    finally:
        demo.kill()

    # Started again at once on the same port (its last connections wait in TIME-WAIT).
    again = Demo(env, port, "--skip-setup")
    try:
        again.wait_for(READY, timeout=90)
        assert "already in use" not in again.output
        assert log_in(base, "sophie.durand@cabinet-durand.test")
    finally:
        again.kill()


def test_rundemo_refuses_a_port_in_use(tmp_path):
    env = clean_env(tmp_path / "var", COMPTOIR_MODE="demo")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "comptoir", "rundemo", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode != 0
    assert f"Port {port} on 127.0.0.1 is already in use" in result.stderr


def test_rundemo_runs_in_demo_mode_only(tmp_path):
    env = clean_env(tmp_path / "var", COMPTOIR_MODE="test")

    result = subprocess.run(
        [sys.executable, "-m", "comptoir", "rundemo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    assert "needs COMPTOIR_MODE=demo" in result.stderr


def test_a_port_left_in_time_wait_is_free_again_but_a_listening_one_is_not():
    """Ctrl-C then ``make demo`` again: the last connections wait in TIME-WAIT on the port."""
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert not port_is_free("127.0.0.1", port)  # someone listens: busy
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the server closes first, as runserver does: its end waits
        assert client.recv(1) == b""
        client.close()
    with socket.socket() as bare, pytest.raises(OSError):
        bare.bind(("127.0.0.1", port))  # what the old check did: "already in use"
    assert port_is_free("127.0.0.1", port)
