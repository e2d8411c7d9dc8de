"""Test hosts on one machine: network namespaces (``ip netns``) on a bridge, and TCP forwarders
that let them reach the services the machine keeps on loopback.

Layout (``N`` drawn per run so that two runs do not collide)::

    root namespace                                namespace cp-<id>-a   namespace cp-<id>-b
    br cp<id> 10.213.N.1/24 ─── veth ─────────── 10.213.N.2/24        │
                             └── veth ──────────────────────────────── 10.213.N.3/24
    nginx 127.0.0.1:<port> → 10.213.N.2:8000, 10.213.N.3:8000
    socat 10.213.N.1:5432 → 127.0.0.1:5432 (PostgreSQL), 10.213.N.1:6379 → 127.0.0.1:6379 (Redis)
    moto S3 on 10.213.N.1:<port>

PostgreSQL and Redis listen on 127.0.0.1 only, and a namespace has a loopback of its own, so
the hosts reach them through the bridge's address, where a ``socat`` per service forwards each
connection to loopback (a process per connection, outside the test's interpreter: the load the
test drives does not slow the forwarding). Nothing on the machine is reconfigured: the bridge,
the namespaces and the forwarders are the test's own and removed at the end. Every address
used is one of these namespaces' or loopback.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from dataclasses import dataclass, field


class NamespacesUnavailable(RuntimeError):
    """This machine (or user) cannot make network namespaces."""


def _ip(*args: str) -> None:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=20)
    if result.returncode != 0:
        raise subprocess.CalledProcessError(
            result.returncode, ["ip", *args], result.stdout, result.stderr
        )


def probe() -> None:
    """Raise NamespacesUnavailable, saying why, unless a namespace can be made here."""
    if shutil.which("ip") is None:
        raise NamespacesUnavailable("iproute2's `ip` is not installed")
    if shutil.which("socat") is None:
        raise NamespacesUnavailable("socat is not installed (apt-get install socat)")
    name = f"cp-probe-{os.getpid()}"
    try:
        _ip("netns", "add", name)
    except subprocess.CalledProcessError as exc:
        raise NamespacesUnavailable(
            f"`ip netns add` failed ({exc.stderr.strip()}): it needs root (CAP_SYS_ADMIN)"
        ) from None
    _ip("netns", "delete", name)


@dataclass
class HostNetwork:
    """The bridge, the namespaces and the forwarders of one run."""

    hosts: list[str]
    tag: str = field(default_factory=lambda: f"{os.getpid() % 10000:04d}")
    subnet: int = field(default_factory=lambda: random.randint(1, 250))  # noqa: S311
    forwarders: list[subprocess.Popen] = field(default_factory=list)
    made: list[tuple[str, str]] = field(default_factory=list)

    @property
    def bridge(self) -> str:
        return f"cp{self.tag}"

    @property
    def gateway(self) -> str:
        """The root namespace's address on the bridge: where the hosts find the services."""
        return f"10.213.{self.subnet}.1"

    def address(self, host: str) -> str:
        return f"10.213.{self.subnet}.{self.hosts.index(host) + 2}"

    def namespace(self, host: str) -> str:
        return f"cp-{self.tag}-{host}"

    def up(self) -> None:
        _ip("link", "add", self.bridge, "type", "bridge")
        self.made.append(("link", self.bridge))
        _ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        for n, host in enumerate(self.hosts):
            ns = self.namespace(host)
            outside, inside = f"cp{self.tag}h{n}", f"cp{self.tag}n{n}"
            _ip("netns", "add", ns)
            self.made.append(("netns", ns))
            _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
            self.made.append(("link", outside))
            _ip("link", "set", outside, "master", self.bridge)
            _ip("link", "set", outside, "up")
            _ip("link", "set", inside, "netns", ns)
            _ip("-n", ns, "addr", "add", f"{self.address(host)}/24", "dev", inside)
            _ip("-n", ns, "link", "set", inside, "up")
            _ip("-n", ns, "link", "set", "lo", "up")

    def forward(self, port: int, target_port: int | None = None) -> None:
        """Connections to the gateway's ``port`` go to 127.0.0.1:``target_port``."""
        process = subprocess.Popen(  # noqa: S603
            [
                "socat",
                f"TCP-LISTEN:{port},bind={self.gateway},reuseaddr,fork,backlog=256",
                f"TCP:127.0.0.1:{target_port or port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.forwarders.append(process)

    def run_in(self, host: str, command: list[str], **popen) -> subprocess.Popen:
        """``command`` in ``host``'s namespace, in a session of its own (killed as a group)."""
        return subprocess.Popen(  # noqa: S603
            ["ip", "netns", "exec", self.namespace(host), *command],
            start_new_session=True,
            **popen,
        )

    def down(self) -> None:
        for process in self.forwarders:
            process.terminate()
        for process in self.forwarders:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for kind, name in reversed(self.made):
            args = ["netns", "delete", name] if kind == "netns" else ["link", "delete", name]
            subprocess.run(["ip", *args], capture_output=True, timeout=20)
