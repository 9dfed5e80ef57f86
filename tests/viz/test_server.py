"""How the page is served: the command, its environment, the entry point."""

import socket
import sys

import pytest

from gpfed.viz import __main__ as entry
from gpfed.viz import server
from gpfed.viz.server import (
    COOKIE_WARNING,
    free_port,
    page_url,
    running_server,
    server_command,
    server_environment,
)


def test_the_server_runs_the_app_in_production_on_the_given_address():
    command = server_command("127.0.0.1", 9123)
    assert command[:5] == [sys.executable, "-m", "solara", "run", "gpfed.viz.app"]
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--port") + 1] == "9123"
    assert {"--production", "--no-open", "--no-check-version"} <= set(command)


def test_the_server_sends_no_telemetry_and_keeps_the_callers_warning_filters():
    environment = server_environment({"PATH": "/bin", "PYTHONWARNINGS": "error"})
    assert environment["PATH"] == "/bin"
    assert environment["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"
    assert environment["PYTHONWARNINGS"] == f"error,{COOKIE_WARNING}"
    assert server_environment({})["PYTHONWARNINGS"] == COOKIE_WARNING


def test_page_urls():
    assert page_url("127.0.0.1", 8765) == "http://127.0.0.1:8765/"
    assert page_url("::1", 8765) == "http://[::1]:8765/"


def test_a_free_port_is_a_port():
    assert 0 < free_port() < 65536


def test_the_entry_point_serves_on_loopback_by_default(monkeypatch):
    calls = []
    monkeypatch.setattr(entry, "serve", lambda host, port: calls.append((host, port)))
    entry.main([])
    entry.main(["--host", "0.0.0.0", "--port", "9000"])
    assert calls == [("127.0.0.1", 8765), ("0.0.0.0", 9000)]


def test_serve_prints_the_address_then_becomes_the_server(monkeypatch, capsys):
    exec_calls = []
    monkeypatch.setattr(server.os, "execve", lambda *args: exec_calls.append(args))
    server.serve("127.0.0.1", 9124)
    assert capsys.readouterr().out.startswith("gpfed viz: open http://127.0.0.1:9124/")
    path, argv, environment = exec_calls[0]
    assert path == sys.executable
    assert argv == server_command("127.0.0.1", 9124)
    assert environment["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"


def test_a_taken_port_is_refused_before_any_server_starts():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        refused = pytest.raises(RuntimeError, match=f"cannot serve on 127.0.0.1:{port}")
        with refused, running_server(port=port):
            pass
