"""Start the local stack exactly as `make run` does (scripts/local_stack.py) on free ports, and
talk HTTP to it. One stack per test module; its outbox directory is the module's tmp dir."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from tests.e2e.http import Http

ROOT = Path(__file__).resolve().parents[2]
# make run's own variables (chalicelib/settings.py LocalStackSettings): never the developer's.
_STACK_VARIABLES = {"PORT", "MOTO_PORT", "OUTBOX_DIR", "DEMO", "DEMO_DIR", "LOCAL_SCHEDULE_DIR"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalStack:
    def __init__(self, outbox_dir: Path, extra_env: dict | None = None, ports: tuple[int, int] | None = None):
        """`ports`: (PORT, MOTO_PORT), free ones unless given."""
        self.outbox_dir = outbox_dir
        self.schedule_dir = outbox_dir.parent / f"{outbox_dir.name}-schedule"
        self.port, self.moto_port = ports or (free_port(), free_port())
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OBP_")) and k not in _STACK_VARIABLES}
        env.update({
            "MOTO_PORT": str(self.moto_port), "PORT": str(self.port), "OUTBOX_DIR": str(outbox_dir),
            "DEMO_DIR": str(outbox_dir.parent / f"{outbox_dir.name}-demo"),
            "LOCAL_SCHEDULE_DIR": str(self.schedule_dir),
            "OBP_ADMIN_USERNAME": "e2e-admin", "OBP_ADMIN_PASSWORD": "E2e-Admin-Passw0rd!",
            "OBP_CONSUMER_KEY": "e2econsumerkey", **(extra_env or {}),
        })
        self.lines: list[str] = []
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scripts.local_stack"], cwd=ROOT, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )
        self.ready = threading.Event()
        self.info: dict = {}
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip())
            if line.startswith("READY "):
                self.info = json.loads(line[len("READY "):])
                self.ready.set()

    def wait(self, timeout: float = 90) -> None:
        if not self.ready.wait(timeout):
            self.stop()
            raise RuntimeError("local stack did not start:\n" + "\n".join(self.lines[-40:]))
        self.startup_seconds = time.monotonic() - self.started_at

    def exit_status(self, timeout: float) -> int:
        """For a stack expected to give up: its exit status, once all it printed is in `lines`."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError("the stack did not exit:\n" + "\n".join(self.lines[-40:])) from None
        self._reader.join(timeout=10)
        return code

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    @property
    def url(self) -> str:
        return self.info["url"]

    def http(self) -> Http:
        return Http(self.url)

    def outbox_messages(self, channel: str | None = None) -> list[dict]:
        out = []
        for path in sorted(self.outbox_dir.glob("*.json")):
            doc = json.loads(path.read_text())
            if channel is None or doc["channel"] == channel:
                out.append(doc)
        return out

    def wait_for_outbox(self, predicate, timeout: float = 20.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for doc in self.outbox_messages():
                if predicate(doc):
                    return doc
            time.sleep(0.1)
        raise AssertionError("no matching message reached the local outbox")

    def run_schedule(self, function: str, at: datetime, timeout: float = 60.0) -> dict:
        """Have the stack run a scheduled function as EventBridge would at `at`; its answer."""
        request_id = uuid.uuid4().hex
        self.schedule_dir.mkdir(parents=True, exist_ok=True)
        partial = self.schedule_dir / f"{function}.json.part"
        partial.write_text(json.dumps({"time": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "id": request_id}))
        partial.rename(self.schedule_dir / f"{function}.json")
        done = self.schedule_dir / f"{request_id}.done.json"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if done.exists():
                answer = json.loads(done.read_text())
                assert "error" not in answer, answer
                return answer["result"]
            time.sleep(0.1)
        raise AssertionError(f"the local stack did not run {function} within {timeout} s")

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    s = LocalStack(tmp_path_factory.mktemp("outbox"))
    s.wait()
    yield s
    s.stop()
