"""gunicorn's settings for Chợ Phiên: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Each may be overridden by the environment named beside it (the systemd unit reads them from
/etc/cho-phien/env) or by a command-line option (``make run`` passes its own bind and workers).
Loaded by tests/deploy/test_deploy_files.py, served by the metrics and several-hosts tests.
"""

from __future__ import annotations

import os
import shutil
import tempfile

# Where every worker keeps its metrics for /metrics to add up. Set before the app (and so
# prometheus_client) is imported by the workers; emptied when the server starts (on_starting),
# and removed when it stops if it is the temporary folder chosen here.
_MADE_HERE = "PROMETHEUS_MULTIPROC_DIR" not in os.environ
os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR",
    os.path.join(tempfile.gettempdir(), f"cho-phien-metrics-{os.getpid()}"),
)


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Two per core is a fair start for a sync worker spending much of its time on the database.
workers = _int("GUNICORN_WORKERS", 2 * (os.cpu_count() or 1))
worker_class = "sync"
# A request longer than this has its worker killed and replaced (the app's own database
# timeouts, 5 and 10 s, answer 503 long before).
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM (systemctl stop, a deploy), workers finish the requests they hold for up to this.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 25)
# nginx keeps connections to us open between requests.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Each worker is replaced after about this many requests (memory that grows stays bounded);
# the jitter keeps workers from all restarting at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# The largest request line (gunicorn's default is 4094): every query the API allows fits.
limit_request_line = 8190
# The app writes one line per request itself (request id, user, error code): no access log.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Behind nginx on the same host: trust its X-Forwarded-* (the app's TRUSTED_PROXIES decides
# how many hops it believes).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "cho-phien"
# gunicorn 27's control socket sits at one path per user (~/.gunicorn): several servers on a
# host would take it from each other. Nothing of ours uses it (systemd signals the master).
control_socket_disable = True

if (
    os.environ.get(
        "LOG_FORMAT", "json" if os.environ.get("MARKETPLACE_ENV") == "production" else "text"
    )
    == "json"
):
    # gunicorn's own messages (workers started, killed, timed out) as JSON lines too.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(levelname)s %(name)s %(message)s",
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": "time",
            }
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        # The app adds its own handler to the root logger when a worker loads it.
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": [], "level": "INFO", "propagate": False},
        },
    }


def on_starting(server):
    """A fresh metrics folder: values left by an earlier run would be counted again."""
    path = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    if os.path.isdir(path):
        shutil.rmtree(path)
    os.makedirs(path, exist_ok=True)


def child_exit(server, worker):
    """A worker that died or was replaced: its gauges (pool use) stop counting; its counters
    stay, so that totals never go down."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _MADE_HERE:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
