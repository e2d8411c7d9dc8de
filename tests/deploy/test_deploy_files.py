"""deploy/ is what production runs, so it is tested: gunicorn's config loads (and serves, in
tests/web/test_metrics.py and tests/hosts/), nginx accepts the site (`nginx -t`), the systemd
units and env.example name what exists."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from gunicorn.config import Config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
NGINX_SITE = DEPLOY / "nginx" / "cho-phien.conf"


def nginx_binary() -> str:
    """Debian's nginx; .ci/run installs it. Elsewhere the test says why it cannot run."""
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None
    )
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is not installed: .ci/run installs Debian's nginx-light")
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    return found


def load_gunicorn_config(monkeypatch, **env) -> Config:
    for name in list(os.environ):
        if name.startswith("GUNICORN_") or name in ("LOG_FORMAT", "MARKETPLACE_ENV"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = Config()
    # gunicorn's own loader: executes the file and takes every setting it knows.
    from gunicorn.app.base import Application

    namespace = Application.get_config_from_filename(None, str(GUNICORN_CONF))
    for key, value in namespace.items():
        if key in config.settings:
            config.set(key, value)
    return config


def test_the_gunicorn_config_loads_with_its_production_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    config = load_gunicorn_config(monkeypatch, GUNICORN_WORKERS="3")
    assert config.workers == 3
    assert config.worker_class_str == "sync"
    assert config.timeout == 30
    assert config.graceful_timeout == 25
    assert config.graceful_timeout < config.timeout
    assert config.max_requests == 2000
    assert 0 < config.max_requests_jitter < config.max_requests
    assert config.limit_request_line == 8190
    assert config.bind == ["127.0.0.1:8000"]
    assert config.accesslog is None  # the app logs each request itself
    assert callable(config.on_starting) and callable(config.child_exit)


def test_gunicorn_logs_json_in_production(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    config = load_gunicorn_config(monkeypatch, MARKETPLACE_ENV="production")
    formatter = config.logconfig_dict["formatters"]["json"]
    assert formatter["()"] == "pythonjsonlogger.json.JsonFormatter"
    text = load_gunicorn_config(monkeypatch, LOG_FORMAT="text")
    assert text.logconfig_dict == {}


def test_gunicorn_checks_the_config_and_loads_the_app(tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'check.db'}",
        "SECRET_KEY": "check-config",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run(
        [str(gunicorn), "--check-config", "-c", str(GUNICORN_CONF), "wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def nginx_site_for_test(tmp_path: Path, upstreams: list[str], port: int) -> str:
    """The site file as shipped, with what only a test changes: its port, its app servers,
    its cache and log paths (the lines marked "tests/hosts")."""
    site = NGINX_SITE.read_text()
    servers = "\n".join(f"    server {u} max_fails=1 fail_timeout=5s;" for u in upstreams)
    site, n = re.subn(
        r"^\s*server 127\.0\.0\.1:8000 .*# tests/hosts: app servers$", servers, site, flags=re.M
    )
    assert n == 1
    site, n = re.subn(r"^\s*listen 80;.*$", f"    listen 127.0.0.1:{port};", site, flags=re.M)
    assert n == 1
    site, n = re.subn(r"^\s*listen \[::\]:80;.*$", "", site, flags=re.M)
    assert n == 1
    site = site.replace("/var/cache/nginx/cho-phien", str(tmp_path / "cache"))
    site = site.replace("/var/log/nginx/cho-phien.access.log", str(tmp_path / "access.log"))
    return site


def nginx_main_config(tmp_path: Path, site: str) -> Path:
    """A main nginx.conf like Debian's (mime types, the site included in http {}), running
    as the current user with everything under ``tmp_path``."""
    (tmp_path / "site.conf").write_text(site)
    main = tmp_path / "nginx.conf"
    # As root, nginx's workers would run as nobody, who cannot enter the test's folders.
    user = "user root;" if os.geteuid() == 0 else ""
    main.write_text(
        f"""
{user}
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log warn;
daemon off;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/site.conf;
}}
"""
    )
    return main


def test_nginx_accepts_the_site_as_shipped(tmp_path):
    nginx = nginx_binary()
    # As shipped, in Debian's own nginx.conf layout (http {} includes sites-enabled/*).
    site = (
        NGINX_SITE.read_text()
        .replace("/var/cache/nginx/cho-phien", str(tmp_path / "cache"))
        .replace("/var/log/nginx/cho-phien.access.log", str(tmp_path / "access.log"))
    )
    main = nginx_main_config(tmp_path, site)
    result = subprocess.run(
        [nginx, "-t", "-c", str(main), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def test_the_nginx_site_forwards_what_the_app_needs():
    site = NGINX_SITE.read_text()
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
    assert "proxy_set_header X-Request-ID $request_id;" in site
    assert re.search(r"location = /metrics \{\s*return 404;", site)
    assert "client_max_body_size 17m;" in site  # MEDIA_MAX_BYTES (15 MB) + framing
    assert "client_max_body_size 210m;" in site  # MEDIA_MAX_VIDEO_BYTES (200 MB) + framing


def test_the_systemd_units_run_the_shipped_config():
    web = (DEPLOY / "systemd" / "cho-phien-web.service").read_text()
    worker = (DEPLOY / "systemd" / "cho-phien-worker.service").read_text()
    assert "gunicorn -c deploy/gunicorn.conf.py wsgi:app" in web
    assert "PROMETHEUS_MULTIPROC_DIR=/run/cho-phien/metrics" in web
    assert "RuntimeDirectory=cho-phien" in web
    assert "KillMode=mixed" in web
    assert "flask --app marketplace worker" in worker
    for unit in (web, worker):
        assert "EnvironmentFile=/etc/cho-phien/env" in unit
        for section in ("[Unit]", "[Service]", "[Install]"):
            assert section in unit


def test_env_example_names_only_documented_settings():
    readme = (ROOT / "README.md").read_text()
    names = re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (DEPLOY / "env.example").read_text(), re.M)
    assert "SECRET_KEY" in names and "METRICS_TOKEN" in names and "LOG_FORMAT" in names
    undocumented = sorted(
        n for n in set(names) if f"`{n}`" not in readme and not n.startswith("AWS_")
    )
    assert undocumented == []
