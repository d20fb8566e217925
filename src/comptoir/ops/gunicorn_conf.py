"""gunicorn's configuration for ``comptoir serve`` (``-c python:comptoir.ops.gunicorn_conf``).

Every value comes from the environment (see the README's table); the defaults suit one
machine behind a reverse proxy (nginx, Caddy, a load balancer) that terminates HTTPS.
"""

import os
import shutil
from pathlib import Path

from comptoir.ops.env import env_choice, env_int, env_str

_host = env_str("HOST", "127.0.0.1").strip() or "127.0.0.1"
_port = env_int("PORT", 8000, minimum=1, maximum=65535)
bind = [item.strip() for item in env_str("BIND", "").split(",") if item.strip()] or [
    f"[{_host}]:{_port}" if ":" in _host else f"{_host}:{_port}"
]
wsgi_app = "comptoir.wsgi:application"
workers = env_int("WEB_CONCURRENCY", 2, minimum=1, maximum=64)
threads = env_int("WEB_THREADS", 1, minimum=1, maximum=64)
worker_class = "gthread" if threads > 1 else "sync"
timeout = env_int("WEB_TIMEOUT", 30, minimum=1, unit="seconds")
graceful_timeout = env_int("WEB_GRACEFUL_TIMEOUT", 30, minimum=1, unit="seconds")
keepalive = env_int("WEB_KEEPALIVE", 5, minimum=0, unit="seconds")
# A worker is replaced after this many requests (0: never), staggered by the jitter.
max_requests = env_int("WEB_MAX_REQUESTS", 1000, minimum=0)
max_requests_jitter = max(1, max_requests // 10) if max_requests else 0
limit_request_line = 8190
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
proc_name = "comptoir-web"
control_socket_disable = True  # gunicornc is not used; several servers may share a home
# forwarded_allow_ips: gunicorn reads FORWARDED_ALLOW_IPS itself (default 127.0.0.1,::1).

accesslog = "-"
errorlog = "-"
_json = env_choice("LOG_FORMAT", "text", ("text", "json")) == "json"
_level = env_choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error", "critical"))
loglevel = _level
# text: the combined log format plus the time taken and the request id.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s" request_id=%({x-request-id}o)s'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"()": "comptoir.ops.logs.TextFormatter"},
        "json": {"()": "comptoir.ops.logs.JsonFormatter"},
        "access_json": {"()": "comptoir.ops.logs.AccessJsonFormatter"},
        "access_text": {"format": "%(asctime)s INFO gunicorn.access %(message)s"},
    },
    "filters": {"context": {"()": "comptoir.ops.logs.ContextFilter"}},
    "handlers": {
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if _json else "text",
            "filters": ["context"],
            "stream": "ext://sys.stderr",
        },
        "access_console": {
            "class": "logging.StreamHandler",
            "formatter": "access_json" if _json else "access_text",
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"level": _level.upper(), "handlers": []},
    "loggers": {
        "gunicorn.error": {
            "level": _level.upper(),
            "handlers": ["error_console"],
            "propagate": False,
        },
        "gunicorn.access": {"level": "INFO", "handlers": ["access_console"], "propagate": False},
    },
}


# --- Prometheus across workers -----------------------------------------------------------------
# ``comptoir serve`` sets PROMETHEUS_MULTIPROC_DIR: each worker writes its counters there and
# /metrics (answered by any worker) adds them all up.


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        if path.exists():
            shutil.rmtree(path)  # counters of a previous run would be added to this one's
        path.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
