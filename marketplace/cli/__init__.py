"""flask commands. Each module exposes ``group``, a click group named after its subject, or
``command``, a command of its own (``flask worker``)."""

from __future__ import annotations

import importlib

from flask import Flask

MODULES = (
    "users",
    "demo",
    "orders",
    "media",
    "payments",
    "ocop",
    "livestreams",
    "reports",
    "worker",
)


def register_commands(app: Flask) -> None:
    for name in MODULES:
        module = importlib.import_module(f"marketplace.cli.{name}")
        for name in ("group", "command"):
            command = getattr(module, name, None)
            if command is not None:
                app.cli.add_command(command)
