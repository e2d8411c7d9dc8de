"""Where a catalogue request's time goes: pyinstrument over N in-process requests.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_catalog \\
        .venv/bin/python bench/profile_catalog.py [--requests 300] [path ...]

Uses the database bench/catalog.py seeded; the hot-read cache is off (fresh answers). Prints
each path's mean time and pyinstrument's tree, and the share of the time spent in SQL (the
driver and the database), the ORM, serialization (marshmallow, JSON) and Flask/Werkzeug.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyinstrument import Profiler  # noqa: E402

from marketplace import create_app  # noqa: E402

DEFAULT_PATHS = [
    "/api/v1/products",
    "/api/v1/products?category=handicraft&min_price=100000&max_price=800000&sort=price_asc",
]
BUCKETS = {
    "SQL (driver, database)": ("psycopg", "sqlite3"),
    "ORM (SQLAlchemy)": ("sqlalchemy",),
    "serialization": ("marshmallow", "json", "fast_dump", "schemas"),
    "framework (Flask, Werkzeug)": ("flask", "werkzeug", "flask_smorest", "flask_login"),
}


def shares(session) -> dict[str, float]:
    """Self time of each frame, bucketed by the package of the frame's file."""
    totals = dict.fromkeys([*BUCKETS, "app code"], 0.0)

    def walk(frame):
        path = frame.file_path or ""
        for bucket, needles in BUCKETS.items():
            if any(f"/{needle}" in path for needle in needles):
                totals[bucket] += frame.total_self_time
                break
        else:
            totals["app code"] += frame.total_self_time
        for child in frame.children:
            walk(child)

    walk(session.root_frame())
    whole = sum(totals.values()) or 1
    return {bucket: seconds / whole for bucket, seconds in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--tree", action="store_true", help="print pyinstrument's tree")
    parser.add_argument("paths", nargs="*", default=DEFAULT_PATHS)
    args = parser.parse_args()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"],
            "SECRET_KEY": "bench",
            "HOT_CACHE_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    client = app.test_client()
    for path in args.paths:
        for _ in range(20):
            assert client.get(path).status_code == 200
        profiler = Profiler(interval=0.0005)
        began = time.perf_counter()
        profiler.start()
        for _ in range(args.requests):
            client.get(path)
        profiler.stop()
        mean = (time.perf_counter() - began) / args.requests * 1000
        print(f"\n{path}: {mean:.2f} ms a request (in process, profiled)")
        for bucket, share in shares(profiler.last_session).items():
            print(f"  {bucket:<28} {share:6.1%}")
        if args.tree:
            print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
