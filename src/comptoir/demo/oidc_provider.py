"""A small OpenID Connect provider on 127.0.0.1: the demo's and the tests' identity provider.

Stands in for a firm's Microsoft Entra ID or Google Workspace. It speaks the
authorization-code flow as they do, with the standard library's HTTP server and the
signing already in our dependencies (``cryptography`` for the RSA key, PyJWT for the tokens):

- ``GET /.well-known/openid-configuration``: the discovery document;
- ``GET /jwks``: the public key (RS256, with its ``kid``);
- ``GET /authorize``: checks the client, the registered ``redirect_uri``, ``response_type=code``,
  the ``openid`` scope and a PKCE challenge (``S256`` only: a request without one is refused),
  then shows a small login form (e-mail and password of a configured user); ``POST /authorize``
  sends the browser back to ``redirect_uri`` with a one-time code (60 s) and the ``state``;
- ``POST /token``: the client's secret (``client_secret_post`` or ``client_secret_basic``), the
  code (once), the same ``redirect_uri`` and the PKCE ``code_verifier``; answers an access token
  and an ID token signed RS256 with ``iss``, ``sub``, ``aud``, ``exp``, ``iat``, ``nonce`` (when
  the request had one), ``email``, ``email_verified``, ``name`` and the user's extra claims
  (``hd`` for a Google Workspace stand-in);
- ``GET /userinfo``: the same claims for the bearer of an access token.

Errors answer as OAuth does (``error`` in the redirect or a JSON body with 400/401). Nothing is
written to disk; ``notify`` gets one line per login.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from comptoir.demo import sso as demo
from comptoir.demo.sinks import Notify, Sink, free_port, port_is_free

CODE_SECONDS = 60
TOKEN_SECONDS = 600
ID_TOKEN_SECONDS = 300
MAX_BODY = 64 * 1024


@dataclass
class OidcUser:
    email: str
    password: str
    name: str = ""
    email_verified: bool = True
    claims: dict[str, Any] = field(default_factory=dict)  # extra ID-token claims (``hd``)


@dataclass
class OidcClient:
    client_id: str
    secret: str
    redirect_uris: list[str]  # exact matches; an entry ending in ``*`` is a prefix


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str
    user: OidcUser
    expires: float


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_b64(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def s256(verifier: str) -> str:
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


class OidcProvider:
    """The provider's state and rules; :class:`OidcServer` serves it over HTTP."""

    def __init__(self, *, notify: Notify | None = None, title: str = "Fournisseur d'identité"):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)
        self.issuer = ""
        self.claimed_issuer = ""  # tests: a provider whose documents name another issuer
        self.title = title
        self.clients: dict[str, OidcClient] = {}
        self.users: dict[str, OidcUser] = {}
        self.notify = notify or (lambda line: None)
        self.logins: list[str] = []  # e-mails signed in, for tests
        self.token_requests: list[dict[str, str]] = []  # what /token received, for tests
        self._grants: dict[str, _Grant] = {}
        self._tokens: dict[str, tuple[OidcUser, float, str]] = {}
        self._lock = threading.Lock()

    # --- configuration ---------------------------------------------------------------------

    def add_client(self, client_id: str, secret: str, redirect_uris: list[str]) -> OidcClient:
        client = OidcClient(client_id, secret, list(redirect_uris))
        self.clients[client_id] = client
        return client

    def add_user(self, email: str, password: str, **kwargs: Any) -> OidcUser:
        user = OidcUser(email=email.lower(), password=password, **kwargs)
        self.users[user.email] = user
        return user

    def sub_of(self, user: OidcUser) -> str:
        """Stable per issuer and user, as real providers' pairwise subjects are."""
        return hashlib.sha256(f"{self.issuer}|{user.email}".encode()).hexdigest()[:32]

    # --- documents -------------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.claimed_issuer or self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code"],
            "claims_supported": ["sub", "email", "email_verified", "name", "hd", "nonce"],
        }

    def jwks(self) -> dict[str, Any]:
        numbers = self.key.public_key().public_numbers()
        return {
            "keys": [
                {
                    "kty": "RSA",
                    "use": "sig",
                    "alg": "RS256",
                    "kid": self.kid,
                    "n": _int_b64(numbers.n),
                    "e": _int_b64(numbers.e),
                }
            ]
        }

    def claims(self, user: OidcUser) -> dict[str, Any]:
        return {
            "sub": self.sub_of(user),
            "email": user.email,
            "email_verified": user.email_verified,
            "name": user.name or user.email,
            **user.claims,
        }

    # --- authorization ---------------------------------------------------------------------

    def check_authorization(self, params: dict[str, str]) -> tuple[str | None, str | None]:
        """(error, redirect_uri): an error with no redirect_uri is shown, not redirected."""
        client = self.clients.get(params.get("client_id", ""))
        if client is None:
            return "unknown client_id", None
        redirect_uri = params.get("redirect_uri", "")
        if not any(
            redirect_uri == allowed
            or (allowed.endswith("*") and redirect_uri.startswith(allowed[:-1]))
            for allowed in client.redirect_uris
        ):
            return "redirect_uri not registered for this client", None
        if params.get("response_type") != "code":
            return "unsupported_response_type", redirect_uri
        if "openid" not in params.get("scope", "").split():
            return "invalid_scope", redirect_uri
        if not params.get("code_challenge") or params.get("code_challenge_method") != "S256":
            return "invalid_request", redirect_uri  # PKCE S256 is required
        return None, redirect_uri

    def issue_code(self, params: dict[str, str], user: OidcUser) -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._grants[code] = _Grant(
                client_id=params["client_id"],
                redirect_uri=params["redirect_uri"],
                challenge=params["code_challenge"],
                nonce=params.get("nonce", ""),
                user=user,
                expires=time.time() + CODE_SECONDS,
            )
        self.logins.append(user.email)
        self.notify(f"{user.email} signed in to {params['client_id']}")
        return code

    def exchange(self, form: dict[str, str], basic: tuple[str, str] | None) -> tuple[int, dict]:
        """The token endpoint: (status, JSON body)."""
        self.token_requests.append(dict(form))
        client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        client = self.clients.get(client_id)
        if client is None or not secrets.compare_digest(client.secret, secret):
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        with self._lock:
            grant = self._grants.pop(form.get("code", ""), None)  # a code works once
        if grant is None or grant.expires < time.time() or grant.client_id != client_id:
            return 400, {"error": "invalid_grant", "error_description": "unknown or used code"}
        if grant.redirect_uri != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}
        verifier = form.get("code_verifier", "")
        if not verifier or not secrets.compare_digest(s256(verifier), grant.challenge):
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        access = secrets.token_urlsafe(32)
        now = int(time.time())
        with self._lock:
            self._tokens[access] = (grant.user, now + TOKEN_SECONDS, client_id)
        id_claims = {
            "iss": self.claimed_issuer or self.issuer,
            "aud": client_id,
            "iat": now,
            "exp": now + ID_TOKEN_SECONDS,
            "auth_time": now,
            **self.claims(grant.user),
        }
        if grant.nonce:
            id_claims["nonce"] = grant.nonce
        id_token = jwt.encode(id_claims, self.key, algorithm="RS256", headers={"kid": self.kid})
        return 200, {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": TOKEN_SECONDS,
            "scope": "openid email profile",
            "id_token": id_token,
        }

    def userinfo(self, access: str) -> tuple[int, dict]:
        with self._lock:
            found = self._tokens.get(access)
        if found is None or found[1] < time.time():
            return 401, {"error": "invalid_token"}
        return 200, self.claims(found[0])


_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font:16px system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem}}
label{{display:block;margin:.8rem 0 .2rem}}input{{width:100%;padding:.4rem;box-sizing:border-box}}
button{{margin-top:1rem;padding:.5rem 1rem}}.error{{color:#b91c1c}}</style></head>
<body><h1>{title}</h1><p>Connexion à <strong>{client}</strong> (fournisseur de démonstration).</p>
{error}<form method="post" action="authorize">{hidden}
<label for="email">Adresse e-mail</label>
<input id="email" name="email" type="email" value="{email}" required autofocus>
<label for="password">Mot de passe</label>
<input id="password" name="password" type="password" required>
<button type="submit">Se connecter</button></form>{hint}</body></html>"""


class _Handler(BaseHTTPRequestHandler):
    server: OidcServer

    def _send(self, status: int, body: bytes, content_type: str, headers=()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: dict) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _redirect(self, url: str) -> None:
        self._send(302, b"", "text/plain", [("Location", url)])

    def _form(self) -> dict[str, str]:
        length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
        raw = self.rfile.read(length).decode("utf-8", "replace")
        return {key: values[0] for key, values in parse_qs(raw).items()}

    def _query(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(urlsplit(self.path).query).items()}

    def _path(self) -> str:
        return urlsplit(self.path).path.removeprefix(self.server.prefix) or "/"

    def do_GET(self) -> None:
        provider = self.server.provider
        path = self._path()
        if path == "/.well-known/openid-configuration":
            self._json(200, provider.discovery())
        elif path == "/jwks":
            self._json(200, provider.jwks())
        elif path == "/authorize":
            self._authorize(self._query(), None)
        elif path == "/userinfo":
            bearer = self.headers.get("Authorization", "")
            status, body = provider.userinfo(bearer.removeprefix("Bearer ").strip())
            self._json(status, body)
        else:
            self._json(404, {"error": "not_found"})

    def do_POST(self) -> None:
        path = self._path()
        form = self._form()
        if path == "/authorize":
            self._authorize(form, form)
        elif path == "/token":
            basic = None
            header = self.headers.get("Authorization", "")
            if header.startswith("Basic "):
                try:
                    decoded = base64.b64decode(header[6:]).decode()
                except ValueError:
                    decoded = ":"
                client_id, _, secret = decoded.partition(":")
                basic = (client_id, secret)
            status, body = self.server.provider.exchange(form, basic)
            self._json(status, body)
        else:
            self._json(404, {"error": "not_found"})

    def _authorize(self, params: dict[str, str], login: dict[str, str] | None) -> None:
        provider = self.server.provider
        error, redirect_uri = provider.check_authorization(params)
        if error and redirect_uri is None:
            self._send(400, html.escape(error).encode(), "text/plain; charset=utf-8")
            return
        assert redirect_uri is not None
        if error:
            self._redirect(_with_query(redirect_uri, error=error, state=params.get("state", "")))
            return
        problem = ""
        if login is not None:
            user = provider.users.get(login.get("email", "").strip().lower())
            if user is not None and secrets.compare_digest(
                user.password, login.get("password", "")
            ):
                code = provider.issue_code(params, user)
                self._redirect(_with_query(redirect_uri, code=code, state=params.get("state", "")))
                return
            problem = '<p class="error" role="alert">E-mail ou mot de passe incorrect.</p>'
        wanted = ("client_id", "redirect_uri", "response_type", "scope", "state", "nonce")
        wanted += ("code_challenge", "code_challenge_method", "login_hint")
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(params[name])}">'
            for name in wanted
            if name in params
        )
        hint = ""
        if self.server.hint:
            hint = f"<p><small>{html.escape(self.server.hint)}</small></p>"
        page = _PAGE.format(
            title=html.escape(provider.title),
            client=html.escape(params.get("client_id", "")),
            error=problem,
            hidden=hidden,
            email=html.escape((login or {}).get("email") or params.get("login_hint", "")),
            hint=hint,
        )
        self._send(200 if not problem else 401, page.encode(), "text/html; charset=utf-8")

    def log_message(self, format, *args):  # notify says what matters
        pass


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit(parts._replace(query=query))


class OidcServer(ThreadingHTTPServer):
    """Serves one provider under ``prefix`` (its issuer is ``http://host:port<prefix>``)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, provider: OidcProvider, *, host="127.0.0.1", port=0, prefix="", hint=""):
        super().__init__((host, port), _Handler)
        self.provider = provider
        self.prefix = prefix.rstrip("/")
        self.hint = hint
        self.host = host
        self.port = self.server_address[1]
        provider.issuer = f"http://{host}:{self.port}{self.prefix}"
        self._thread: threading.Thread | None = None

    def start(self) -> OidcServer:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


# --- the demo ------------------------------------------------------------------------------

DEMO_OIDC_PORT = 8090


class OidcSink(Sink):
    """The demo's identity provider for Fiducia Conseil: ``comptoir rundemo`` starts it and
    points the firm's single sign-on at it (``comptoir.demo.sso``)."""

    name = "oidc"

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.server: OidcServer | None = None
        self.issuer = ""

    def start(self, *, var_dir: Path, notify: Notify) -> dict[str, str]:
        from django.db import close_old_connections, connections

        port = DEMO_OIDC_PORT if port_is_free(self.host, DEMO_OIDC_PORT) else free_port(self.host)
        provider = OidcProvider(notify=notify, title="Fiducia Conseil — Microsoft Entra (démo)")
        self.server = OidcServer(
            provider,
            host=self.host,
            port=port,
            prefix="/fiducia",
            hint=f"Démo : {demo.DEMO_SSO_HINT}",
        ).start()
        self.issuer = provider.issuer
        close_old_connections()  # rundemo's own process: no connection left for its children
        try:
            demo.configure_demo_provider(provider)
        finally:
            connections.close_all()
        notify(f"Fiducia Conseil now signs in through {self.issuer}")
        return {"DELIVERY_ALLOW_LOOPBACK": "true"}

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def describe(self) -> str:
        return f"OpenID Connect {self.issuer} (Fiducia Conseil's single sign-on)"
