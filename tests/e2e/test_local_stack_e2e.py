"""`make run` refuses to start, at once and with a non-zero status, when a port is taken or a
setting is bad; the message names the variable to change. Before: a busy MOTO_PORT hung for ever,
a busy PORT printed READY (its probe reached the other server) and exited 0, and a bad setting
ended in a bare ValueError traceback."""
from __future__ import annotations

import os
import socket
import subprocess

import pytest

from tests.e2e.conftest import ROOT, LocalStack, free_port

pytestmark = pytest.mark.e2e


def test_a_second_stack_on_the_same_ports_stops_at_once_naming_both_variables(stack, tmp_path):
    second = LocalStack(tmp_path / "outbox", ports=(stack.port, stack.moto_port))
    assert second.exit_status(timeout=60) == 2
    out = second.output
    assert f"PORT={stack.port} is in use" in out and f"MOTO_PORT={stack.moto_port} is in use" in out, out
    assert f"choose another port: PORT={stack.port + 1} make run" in out
    assert "READY" not in out and "Traceback" not in out
    assert not (tmp_path / "outbox").exists()  # it stopped before starting anything
    assert stack.http().get("/obp/v5.1.0/root").status == 200  # the first one serves on

    # `make run` itself: the check runs before installing anything, and make exits non-zero.
    env = {**os.environ, "PORT": str(stack.port), "MOTO_PORT": str(stack.moto_port), "PYTHON": "python3"}
    made = subprocess.run(["make", "--no-print-directory", "run"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert made.returncode != 0
    assert f"PORT={stack.port} is in use" in made.stderr and f"MOTO_PORT={stack.moto_port} is in use" in made.stderr
    assert "Installing" not in made.stdout


@pytest.mark.parametrize("busy", ["PORT", "MOTO_PORT"])
def test_one_busy_port_is_named_alone(busy, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ports = (port, free_port()) if busy == "PORT" else (free_port(), port)
        stack = LocalStack(tmp_path / "outbox", ports=ports)
        assert stack.exit_status(timeout=60) == 2
    lines = [line for line in stack.lines if "is in use" in line]
    assert lines == [f"[local] {busy}={port} is in use: another program (perhaps another `make run`) listens on "
                     f"127.0.0.1:{port}, the port of {'the API' if busy == 'PORT' else 'the embedded local AWS'}."]


def test_a_bad_setting_stops_start_up_naming_the_variable_the_value_and_what_it_takes(tmp_path):
    stack = LocalStack(tmp_path / "outbox", extra_env={"OBP_CONSENT_MAX_TTL_SECONDS": "1h", "PORT": "http"})
    assert stack.exit_status(timeout=60) == 2
    assert stack.lines[0] == "[local] bad setting:"
    assert stack.lines[1].startswith("  PORT='http': expected a TCP port, 1-65535")
    assert len(stack.lines) == 2, stack.output  # the ports come first: the application's settings are next

    stack = LocalStack(tmp_path / "outbox", extra_env={"OBP_CONSENT_MAX_TTL_SECONDS": "1h"})
    assert stack.exit_status(timeout=60) == 2
    assert stack.lines == [
        "[local] bad setting:",
        "  OBP_CONSENT_MAX_TTL_SECONDS='1h': expected a whole number of seconds greater than 0 "
        "(Input should be a valid integer, unable to parse string as an integer)",
    ]
    assert not (tmp_path / "outbox").exists()
