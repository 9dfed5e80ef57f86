"""Serve the page with Solara's own server, bound to this machine unless told otherwise."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

APP = "gpfed.viz.app"
# Solara sends usage telemetry by default (its version check is off in the command line below):
# neither is wanted from a modelling tool that must work offline.
NO_TELEMETRY = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false"}
# Solara warns on every first visit to an address other than "localhost" that it cannot set the
# cross-site cookie it needs inside an https iframe; the page is served plainly on 127.0.0.1.
COOKIE_WARNING = "ignore:Cookies with samesite=none require https:UserWarning"


def server_command(host: str = "127.0.0.1", port: int = 8765) -> list[str]:
    """The command line that runs the page's Solara server (production mode, no browser)."""
    return [
        sys.executable, "-m", "solara", "run", APP, "--host", host, "--port", str(port),
        "--production", "--no-open", "--no-check-version", "--log-level", "warning",
    ]  # fmt: skip


def server_environment(environment: Mapping[str, str]) -> dict[str, str]:
    """The server's environment: the caller's, without telemetry or the cookie warning."""
    warnings = ",".join(filter(None, [environment.get("PYTHONWARNINGS"), COOKIE_WARNING]))
    return {**environment, **NO_TELEMETRY, "PYTHONWARNINGS": warnings}


def serve(host: str = "127.0.0.1", port: int = 8765) -> None:
    """Print the page's address and become its Solara server, until interrupted (Ctrl+C).

    The process is replaced by the server (``exec``), so stopping this process stops the server
    and no child is left behind.

    Args:
        host: interface to listen on; the default keeps the page on this machine. ``0.0.0.0``
            opens it to the network: every visitor can run models on this machine.
        port: TCP port.
    """
    print(f"gpfed viz: open {page_url(host, port)} (Ctrl+C stops the server)", flush=True)
    command = server_command(host, port)
    os.execve(command[0], command, server_environment(os.environ))


def page_url(host: str, port: int) -> str:
    """The page's address on ``host`` (an IPv6 address in brackets)."""
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` now (the system's choice)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(
    host: str = "127.0.0.1", port: int | None = None, timeout_s: float = 60.0
) -> Iterator[str]:
    """Run the page's server in a child process while the block runs; yield its address.

    For scripts and tests: the server is ``python -m gpfed.viz`` on ``port`` (a free one by
    default), ready once it answers; it is stopped, and waited for, on the way out.

    Raises:
        RuntimeError: the port is taken, or the server exited or did not answer within
            ``timeout_s`` (its output is in the message).
    """
    port = free_port(host) if port is None else port
    # Checked first: another server on the port would answer in this one's place.
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            raise RuntimeError(f"cannot serve on {host}:{port}: {error}") from None
    url = page_url(host, port)
    command = [sys.executable, "-m", "gpfed.viz", "--host", host, "--port", str(port)]
    with tempfile.TemporaryFile(mode="w+") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_answering(url, server, timeout_s, log)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_answering(url: str, server: subprocess.Popen, timeout_s: float, log) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    log.seek(0)
    state = "exited" if server.poll() is not None else f"did not answer within {timeout_s:g} s"
    raise RuntimeError(f"the viz server at {url} {state}; its output:\n{log.read()}")
