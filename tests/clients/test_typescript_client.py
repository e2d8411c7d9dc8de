"""A TypeScript client generated from /api/openapi.json (openapi-typescript types, openapi-fetch
calls) walks a buyer's and an artisan's journey against a live server. tsc checks the fields
the journey reads against the generated types; at run time every answer is compared with the
document's schema (tests/clients/ts/journey.mts).

The npm packages are pinned by tests/clients/ts/package-lock.json and installed once per
lockfile into tests/clients/ts/.cache/<lockfile hash>/ (gitignored); node and npm are required:
without them this test fails, it does not skip.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.clients.conftest import write_json
from tests.factories import media_files

pytestmark = pytest.mark.live

HERE = Path(__file__).resolve().parent / "ts"
# A property with a default is not thereby required (openapi-typescript 7 assumes it is).
TYPESCRIPT_OPTIONS = ["--output", "api.d.ts", "--default-non-nullable=false"]
TSCONFIG = {
    "compilerOptions": {
        "target": "ES2022",
        "module": "NodeNext",
        "moduleResolution": "NodeNext",
        "strict": True,
        "noEmitOnError": True,
        "skipLibCheck": True,
        "outDir": "out",
        "lib": ["ES2022", "DOM"],
        "types": ["node"],
    },
    "files": ["journey.mts", "api.d.ts"],
}


def run(command: list[str], cwd: Path, timeout: int = 300) -> str:
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def node_modules() -> Path:
    """The pinned packages, installed once per lockfile (``npm ci``) and kept between runs."""
    npm = shutil.which("npm")
    assert shutil.which("node") and npm, "node and npm are needed (Node.js 20 or later)"
    lock = (HERE / "package-lock.json").read_bytes()
    cache = HERE / ".cache"
    cache.mkdir(exist_ok=True)
    home = cache / hashlib.sha256(lock).hexdigest()[:16]
    # CI runs the SQLite and PostgreSQL suites side by side: one installs, the other waits.
    with (cache / ".lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        if not (home / "node_modules" / ".bin" / "tsc").exists():
            shutil.rmtree(home, ignore_errors=True)
            home.mkdir(parents=True)
            for name in ("package.json", "package-lock.json"):
                shutil.copy(HERE / name, home / name)
            run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], home, timeout=600)
    return home / "node_modules"


def test_a_buyer_and_an_artisan_through_the_generated_typescript_client(served, tmp_path):
    base_url, document = served
    bin_ = prepare(tmp_path, document)
    run([str(bin_ / "tsc"), "-p", "tsconfig.json"], tmp_path)
    node = shutil.which("node")
    output = run([node, "out/journey.mjs", base_url, "openapi.json", "photo.jpg"], tmp_path)
    assert json.loads(output.strip().splitlines()[-1])["checked"] >= 12


def prepare(where: Path, document: dict) -> Path:
    """The journey and the types generated from ``document`` in ``where``; the tools' folder."""
    modules = node_modules()
    (where / "node_modules").symlink_to(modules, target_is_directory=True)
    write_json(where / "openapi.json", document)
    write_json(where / "tsconfig.json", TSCONFIG)
    (where / "package.json").write_text('{"type": "module"}\n')
    shutil.copy(HERE / "journey.mts", where / "journey.mts")
    (where / "photo.jpg").write_bytes(media_files.jpeg())
    bin_ = modules / ".bin"
    run([str(bin_ / "openapi-typescript"), "openapi.json", *TYPESCRIPT_OPTIONS], where)
    return bin_


def attempt(command: list[str], where: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=where, capture_output=True, text=True, timeout=300, check=False
    )


def test_the_typescript_check_catches_a_document_that_drifted(served, tmp_path):
    """A document whose Shop lacks `slug` does not compile; one whose User has an invented
    `colour` compiles (the journey never reads it) but fails when the answer comes."""
    base_url, document = served
    drifted = json.loads(json.dumps(document))
    del drifted["components"]["schemas"]["OwnShop"]["properties"]["slug"]
    (tmp_path / "slug").mkdir()
    bin_ = prepare(tmp_path / "slug", drifted)
    compiled = attempt([str(bin_ / "tsc"), "-p", "tsconfig.json"], tmp_path / "slug")
    assert compiled.returncode != 0 and "slug" in compiled.stdout, compiled.stdout

    drifted = json.loads(json.dumps(document))
    drifted["components"]["schemas"]["User"]["properties"]["colour"] = {"type": "string"}
    (tmp_path / "colour").mkdir()
    bin_ = prepare(tmp_path / "colour", drifted)
    run([str(bin_ / "tsc"), "-p", "tsconfig.json"], tmp_path / "colour")
    journey = [shutil.which("node"), "out/journey.mjs", base_url, "openapi.json", "photo.jpg"]
    ran = attempt(journey, tmp_path / "colour")
    assert ran.returncode != 0
    assert "$.user.colour: in the document, not sent" in ran.stderr, ran.stderr
