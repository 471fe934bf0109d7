"""The packaged template, built once per session by the real `scripts.package` in a subprocess
that cannot reach the network (tests/infra/offline), without wheels (--no-deps: same template)."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OFFLINE = Path(__file__).resolve().parent / "offline"
STAGE = "prod"


def offline_environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OBP_", "AWS_", "POWERTOOLS_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(OFFLINE), str(ROOT)])
    env.update(extra)
    return env


@dataclass
class Packaged:
    template: dict
    path: Path

    @property
    def resources(self) -> dict:
        return self.template["Resources"]

    def of_type(self, kind: str) -> dict[str, dict]:
        return {name: res for name, res in self.resources.items() if res["Type"] == kind}


@pytest.fixture(scope="session")
def packaged(tmp_path_factory) -> Packaged:
    from scripts.package import load_packaged

    out = tmp_path_factory.mktemp("package")
    result = subprocess.run(
        [sys.executable, "-m", "scripts.package", STAGE, "--out", str(out), "--no-deps"],
        cwd=ROOT, env=offline_environment(), capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return Packaged(load_packaged(out / "sam.yaml"), out / "sam.yaml")
