"""Cold-start yardstick: median wall time of importing the app versus a bare `import chalice, boto3`,
each in a fresh interpreter, interleaved in the same run (a stage-like environment, no network).

    python -m scripts.import_time [RUNS]
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = {
    "python -c pass": "pass",
    "import chalice, boto3": "import chalice, boto3",
    "import app": "import app",
}


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OBP_", "AWS_"))}
    env.update({"OBP_STAGE": "prod", "OBP_RESOURCE_PREFIX": "obp-prod", "OBP_DATA_KEY_PARAMETER": "/obp-prod/data-key",
                "AWS_DEFAULT_REGION": "us-east-1", "PYTHONPATH": str(ROOT)})
    return env


def measure(runs: int) -> dict[str, float]:
    env = _environment()
    samples: dict[str, list[float]] = {name: [] for name in CASES}
    for name, code in CASES.items():  # warm the .pyc caches first
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    for _ in range(runs):
        for name, code in CASES.items():
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) * 1000 for name, values in samples.items()}


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    print(f"Python {sys.version.split()[0]}, median of {runs} fresh interpreters each:")
    for name, ms in measure(runs).items():
        print(f"  {name:<24} {ms:7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
