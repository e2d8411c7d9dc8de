"""Media benchmark: a 12-megapixel photo uploaded through POST /api/v1/media.

    .venv/bin/python bench/media.py [--uploads 10] [--megapixels 12]

Makes a photo-like JPEG (gradients, shapes, mild noise — not pure noise, which no phone takes),
serves the app with ONE gunicorn worker on a temporary SQLite database and local storage, and
prints the median seconds per upload, the worker's peak memory (VmHWM), the bytes of the
``thumb`` and ``medium`` variants, and the ratio to a baseline measured in the same run: the
same image work (decode, re-encode, two WebP variants) done in-process without HTTP or storage.
Targets (issue 4): under 1.5 s per upload and 300 MB peak; thumb under 25 KB.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageChops, ImageDraw, ImageFilter  # noqa: E402
from servers import app_env, free_port, migrate, run_flask, start_gunicorn, stop, wait_ready  # noqa: E402

TARGET_SECONDS = 1.5
TARGET_PEAK_MB = 300
TARGET_THUMB_BYTES = 25_000


def photo_jpeg(megapixels: float) -> bytes:
    """A photo-like JPEG: smooth gradients, overlapping shapes, soft edges and sensor noise."""
    width = int((megapixels * 1e6 * 4 / 3) ** 0.5)
    height = int(width * 3 / 4)
    size = (width, height)
    red = Image.linear_gradient("L").resize(size)
    green = Image.radial_gradient("L").resize(size)
    blue = red.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    image = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(image)
    for i in range(40):
        x, y = (i * 7919) % width, (i * 104729) % height
        r = 80 + (i * 37) % 400
        colour = ((i * 53) % 256, (i * 97) % 256, (i * 151) % 256)
        if i % 3:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.rectangle((x, y, x + r * 2, y + r), fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(3))
    noise = Image.effect_noise(size, 12).convert("RGB")
    image = ImageChops.add(image, noise, scale=1.0, offset=-128)  # noise centred on 0
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def multipart(data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def request(url: str, *, data: bytes | None = None, headers: dict | None = None, timeout=60):
    req = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310 (loopback)
    with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310
        return response.status, response.read()


def worker_pids(master: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(entry.name))
    return pids


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def baseline_seconds(data: bytes, runs: int) -> float:
    from marketplace.services.media.imaging import process_image

    times = []
    for _ in range(runs):
        started = time.perf_counter()
        process_image(data, 40_000_000)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--uploads", type=int, default=10)
    parser.add_argument("--megapixels", type=float, default=12)
    args = parser.parse_args()

    photo = photo_jpeg(args.megapixels)
    with Image.open(io.BytesIO(photo)) as probe:
        dimensions = probe.size
    print(
        f"photo: {dimensions[0]}x{dimensions[1]} "
        f"({dimensions[0] * dimensions[1] / 1e6:.1f} MP), {len(photo) / 1e6:.2f} MB JPEG"
    )

    with tempfile.TemporaryDirectory(prefix="bench-media-") as tmp:
        env = app_env(f"sqlite:///{tmp}/bench.db", MEDIA_STORAGE="local", MEDIA_ROOT=f"{tmp}/media")
        migrate(env)
        password = uuid.uuid4().hex
        run_flask(
            env,
            "users",
            "create",
            "--email",
            "bench@bench.example",
            "--password",
            password,
            "--role",
            "artisan",
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_gunicorn(
            "wsgi:app", port, env, workers=1, options=["--timeout", "120"], discard_output=True
        )
        try:
            wait_ready(server, base)
            _, body = request(
                f"{base}/api/v1/auth/token",
                data=json.dumps({"login": "bench@bench.example", "password": password}).encode(),
                headers={"Content-Type": "application/json"},
            )
            token = json.loads(body)["token"]
            payload, content_type = multipart(photo)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
            request(f"{base}/api/v1/media", data=payload, headers=headers)  # warm-up
            times, media = [], None
            for _ in range(args.uploads):
                started = time.perf_counter()
                status, body = request(f"{base}/api/v1/media", data=payload, headers=headers)
                times.append(time.perf_counter() - started)
                if status != 201:
                    raise SystemExit(f"upload answered {status}: {body[:200]!r}")
                media = json.loads(body)
            workers = worker_pids(server.pid)
            peak = max(peak_rss_mb(pid) for pid in workers)
            sizes = {
                name: len(request(url.replace("http://localhost", base))[1])
                for name, url in media["variants"].items()
            }
        finally:
            stop(server)

    median = statistics.median(times)
    baseline = baseline_seconds(photo, max(3, args.uploads // 2))
    print(f"uploads: {args.uploads} through one gunicorn worker, SQLite, local storage")
    print(f"median seconds per upload: {median:.3f}  (min {min(times):.3f}, max {max(times):.3f})")
    print(
        f"baseline (same image work in-process): {baseline:.3f} s; ratio app/baseline "
        f"{median / baseline:.2f}"
    )
    print(f"worker peak RSS (VmHWM): {peak:.0f} MB")
    print(
        f"stored: original {media['size']} bytes ({media['width']}x{media['height']}), "
        f"medium {sizes['medium']} bytes, thumb {sizes['thumb']} bytes"
    )
    checks = [
        ("median < 1.5 s", median < TARGET_SECONDS),
        ("peak < 300 MB", peak < TARGET_PEAK_MB),
        ("thumb < 25 KB", sizes["thumb"] < TARGET_THUMB_BYTES),
    ]
    print("targets: " + ", ".join(f"{name}: {'ok' if ok else 'MISSED'}" for name, ok in checks))


if __name__ == "__main__":
    main()
