"""flask commands. Each module exposes ``group``, a click group named after its subject."""

from __future__ import annotations

import importlib

from flask import Flask

MODULES = ("users", "demo", "orders", "media", "payments", "ocop", "livestreams")


def register_commands(app: Flask) -> None:
    for name in MODULES:
        module = importlib.import_module(f"marketplace.cli.{name}")
        group = getattr(module, "group", None)
        if group is not None:
            app.cli.add_command(group)
