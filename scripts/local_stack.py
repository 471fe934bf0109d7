"""`make run`: the whole service on one machine.

1. moto's server on 127.0.0.1:MOTO_PORT stands in for DynamoDB, SQS, SES and SNS;
2. the table and queues of infra/resources.yaml are created there;
3. a super admin and a consumer are bootstrapped (OBP_ADMIN_USERNAME / OBP_ADMIN_PASSWORD /
   OBP_CONSUMER_KEY, or the defaults printed below);
4. a poller feeds every SQS queue to its real `@app.on_sqs_message` handler and runs the
   scheduled work (the outbox sweeper, the payments sweeper, the recurring charges) every few
   seconds; any scheduled function (the daily settlements too) runs on request: a file
   `<function>.json` in LOCAL_SCHEDULE_DIR (.local/schedule), `{}` or `{"time": "2025-03-07T02:00:00Z",
   "id": "<any>"}`, is run as EventBridge would invoke it at that time, then replaced by
   `<id or function>.done.json` with the function's answer;
5. `chalice local --stage local` serves the API on http://127.0.0.1:PORT.
Ctrl-C or SIGTERM stops all of it.
"""
from __future__ import annotations

import ctypes
import importlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def local_environment(moto_port: int, port: int) -> dict[str, str]:
    """The environment every process of the local stack runs with."""
    env = dict(os.environ)
    env.setdefault("AWS_ACCESS_KEY_ID", "local")
    env.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    env["AWS_REGION"] = env["AWS_DEFAULT_REGION"]
    env["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{moto_port}"
    env["OBP_STAGE"] = "local"
    env.setdefault("OBP_HOSTNAME", f"http://127.0.0.1:{port}")
    env.setdefault("OUTBOX_DIR", str(ROOT / ".local" / "outbox"))
    env.setdefault("LOCAL_SCHEDULE_DIR", str(ROOT / ".local" / "schedule"))
    env.setdefault("OBP_GIT_COMMIT", _git_commit())
    env.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # EMF lines only mean something on AWS
    env.pop("AWS_PROFILE", None)
    return env


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=5).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


class _LambdaContext:
    """Enough of a Lambda context for handlers and their middleware."""

    def __init__(self, name: str):
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        self.memory_limit_in_mb = 512
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def scheduled_event(at: datetime) -> dict:
    """The event EventBridge sends a scheduled function at `at`."""
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"), "resources": [], "detail": {}}


class Poller(threading.Thread):
    """Feeds SQS messages to the app's real SQS handlers, as Lambda's event source mapping does:
    batches of up to 10, only messages not reported in batchItemFailures are deleted. Runs the
    scheduled work every `sweep_every` seconds, and scheduled functions asked for in the schedule
    directory."""

    # Run through their handlers on every sweep, as if their schedule came round (the sweepers'
    # own functions are called directly: the outbox's with a shorter minimum age).
    PERIODIC = ("recurring_charges",)

    def __init__(self, sweep_every: float = 5.0):
        super().__init__(name="sqs-poller", daemon=True)
        self.stop_event = threading.Event()
        self.sweep_every = sweep_every
        self.schedule_dir = Path(os.environ.get("LOCAL_SCHEDULE_DIR", ROOT / ".local" / "schedule"))

    def run(self) -> None:
        import boto3

        from chalicelib import outbox
        from chalicelib.services.enterprise import payments

        app_module = importlib.import_module("app")
        sqs = boto3.client("sqs")
        sources, scheduled = [], {}
        for source in app_module.app.event_sources:
            module_name, _, attr = source.handler_string.rpartition(".")
            handler = getattr(importlib.import_module(module_name), attr)
            if getattr(source, "queue", None):
                url = sqs.get_queue_url(QueueName=source.queue)["QueueUrl"]
                arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
                sources.append((source.name, handler, url, arn, source.batch_size))
            elif getattr(source, "schedule_expression", None) is not None:
                scheduled[source.name] = handler
        self.schedule_dir.mkdir(parents=True, exist_ok=True)
        last_sweep = 0.0
        while not self.stop_event.is_set():
            busy = False
            for name, handler, url, arn, batch_size in sources:
                busy |= self._poll_once(sqs, name, handler, url, arn, batch_size)
            if time.monotonic() - last_sweep > self.sweep_every:
                last_sweep = time.monotonic()
                try:
                    outbox.sweep(min_age_seconds=int(self.sweep_every))
                    payments.sweep()
                    for name in self.PERIODIC:
                        scheduled[name](scheduled_event(datetime.now(timezone.utc)), _LambdaContext(name))
                except Exception as err:  # noqa: BLE001 - keep polling
                    print(f"[local] sweep failed: {err}", file=sys.stderr)
            busy |= self._run_requested(scheduled)
            if not busy:
                self.stop_event.wait(0.2)

    def _run_requested(self, scheduled: dict) -> bool:
        """Run each scheduled function asked for by a `<function>.json` file in the schedule directory."""
        ran = False
        for request in sorted(self.schedule_dir.glob("*.json")):
            if request.name.endswith(".done.json"):
                continue
            name = request.stem
            try:
                asked = json.loads(request.read_text() or "{}")
            except (OSError, ValueError):
                continue  # still being written
            at = datetime.fromisoformat(asked["time"].replace("Z", "+00:00")) if asked.get("time") else datetime.now(timezone.utc)
            try:
                answer = {"result": scheduled[name](scheduled_event(at), _LambdaContext(name))} if name in scheduled else {
                    "error": f"no scheduled function {name}; there are {', '.join(sorted(scheduled))}"}
            except Exception as err:  # noqa: BLE001 - report it to whoever asked
                answer = {"error": f"{type(err).__name__}: {err}"}
            request.unlink(missing_ok=True)
            done = self.schedule_dir / f"{asked.get('id') or name}.done.json"
            partial = done.with_name(done.name + ".part")
            partial.write_text(json.dumps({"function": name, "time": at.isoformat(), **answer}, default=str))
            partial.rename(done)
            print(f"[local] ran {name} for {at.isoformat()}: {answer}", flush=True)
            ran = True
        return ran

    def _poll_once(self, sqs, name, handler, url, arn, batch_size) -> bool:
        try:
            received = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=min(batch_size, 10), AttributeNames=["All"], WaitTimeSeconds=0
            ).get("Messages", [])
        except Exception as err:  # noqa: BLE001 - moto stopping underneath us
            if not self.stop_event.is_set():
                print(f"[local] receive from {name} failed: {err}", file=sys.stderr)
            return False
        if not received:
            return False
        event = {"Records": [{
            "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
            "attributes": m.get("Attributes", {}), "messageAttributes": m.get("MessageAttributes", {}),
            "md5OfBody": m.get("MD5OfBody", ""), "eventSource": "aws:sqs", "eventSourceARN": arn,
            "awsRegion": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        } for m in received]}
        try:
            result = handler(event, _LambdaContext(name)) or {}
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        except Exception as err:  # noqa: BLE001 - the whole batch failed, as on Lambda
            print(f"[local] handler {name} raised: {err}", file=sys.stderr)
            failed = {m["MessageId"] for m in received}
        for m in received:
            if m["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return True


def _one_request_at_a_time(wsgi_app):
    """moto's backends are not thread-safe (a transaction copies a table another request is
    changing); AWS is. The API, the poller and the webhook handler's threads all call moto, so its
    server answers one request at a time."""
    lock = threading.Lock()

    def app(environ, start_response):
        with lock:
            return list(wsgi_app(environ, start_response))

    return app


def _die_with_parent() -> None:
    """Run in the child before exec: it gets SIGTERM if this process dies (Linux)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _wait_until_ready(url: str, timeout: float, child: subprocess.Popen, stopping: threading.Event) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and child.poll() is None and not stopping.is_set():
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def main() -> int:
    moto_port = int(os.environ.get("MOTO_PORT", "5055"))
    port = int(os.environ.get("PORT", "8000"))
    env = local_environment(moto_port, port)
    os.environ.clear()
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    started = time.monotonic()

    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log

    from chalicelib.settings import reload_settings
    from scripts import bootstrap
    from scripts.aws_resources import create_all

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    moto.start()
    moto._server.app = _one_request_at_a_time(moto._server.app)
    settings = reload_settings()
    create_all(boto3.client("dynamodb"), boto3.client("sqs"))
    boto3.client("ses").verify_email_identity(EmailAddress=settings.email_sender)
    creds = bootstrap.from_environment()

    poller = Poller()
    poller.start()

    chalice = subprocess.Popen(
        [str(Path(sys.executable).parent / "chalice"), "local", "--stage", "local", "--host", "127.0.0.1",
         "--port", str(port), "--no-autoreload"],
        cwd=ROOT, env=env, preexec_fn=_die_with_parent,
    )
    stopping = threading.Event()

    def stop(*_):
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    base = f"http://127.0.0.1:{port}"
    ready = _wait_until_ready(f"{base}/obp/v5.1.0/root", timeout=60, child=chalice, stopping=stopping)
    if ready:
        info = {
            "url": base, "admin_username": creds.username, "admin_password": creds.password,
            "consumer_key": creds.consumer_key, "outbox_dir": env["OUTBOX_DIR"],
            "moto_endpoint": env["AWS_ENDPOINT_URL"], "started_in_seconds": round(time.monotonic() - started, 2),
        }
        print(
            "\nOBP Serverless is running (local stage)\n"
            f"  API            {base}   (try {base}/obp/v5.1.0/root)\n"
            f"  admin          username={creds.username}  password={creds.password}\n"
            f"  consumer key   {creds.consumer_key}\n"
            f"  outbox         {env['OUTBOX_DIR']}   (emails and SMS land here as files)\n"
            f"  local AWS      {env['AWS_ENDPOINT_URL']}\n"
            f"  log in with:   curl -X POST {base}/my/logins/direct -H 'DirectLogin: username={creds.username}, "
            f"password={creds.password}, consumer_key={creds.consumer_key}'\n"
            "Ctrl-C stops everything.\n"
            f"READY {json.dumps(info)}",
            flush=True,
        )
    else:
        print("[local] the API did not become ready within 60 s", file=sys.stderr, flush=True)
        stopping.set()

    while not stopping.is_set() and chalice.poll() is None:
        stopping.wait(0.5)

    poller.stop_event.set()
    if chalice.poll() is None:
        chalice.terminate()
        try:
            chalice.wait(timeout=10)
        except subprocess.TimeoutExpired:
            chalice.kill()
    poller.join(timeout=5)
    moto.stop()
    print("[local] stopped", flush=True)
    return 0 if ready else 1


if __name__ == "__main__":
    sys.exit(main())
