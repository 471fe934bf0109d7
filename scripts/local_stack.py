"""`make run`: the whole service on one machine.

0. the settings and both ports (PORT, MOTO_PORT) are checked before anything starts: a bad value
   or a busy port ends it at once, with status 2 and a message naming the variable;
1. moto's server on 127.0.0.1:MOTO_PORT stands in for DynamoDB, SQS, SES and SNS (its dashboard:
   /moto-api/); everything lives in its memory and is gone when the stack stops;
2. the table and queues of infra/resources.yaml are created there;
3. a super admin and a consumer are bootstrapped (OBP_ADMIN_USERNAME / OBP_ADMIN_PASSWORD /
   OBP_CONSUMER_KEY, or the defaults printed below);
4. a poller feeds every SQS queue to its real `@app.on_sqs_message` handler and runs the
   scheduled work every few seconds: the outbox sweeper (outbox messages and bookings a request
   left unfinished), the payments sweeper and the recurring charges; any scheduled function (the
   daily settlements too) runs on request: a file `<function>.json` in LOCAL_SCHEDULE_DIR
   (.local/schedule), `{}` or `{"time": "2025-03-07T02:00:00Z", "id": "<any>"}`, is run as
   EventBridge would invoke it at that time, then replaced by `<id or function>.done.json` with the
   function's answer;
5. scripts/local_api.py serves the API on http://127.0.0.1:PORT as `chalice local --stage local`
   does, printing one line per request;
6. with DEMO=1 (`make demo`) the steps of README's walkthrough (scripts/walkthrough.py) run first,
   and the banner lists the demo users, the third-party app, the Enterprise partner and its payment.
Ctrl-C or SIGTERM stops all of it. The last line printed at start is `READY {json}` (the e2e tests
read it), or the process exits non-zero.
"""
from __future__ import annotations

import ctypes
import importlib
import json
import os
import select
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

    def __init__(self, schedule_dir: Path | None = None, sweep_every: float = 5.0):
        super().__init__(name="sqs-poller", daemon=True)
        self.stop_event = threading.Event()
        self.sweep_every = sweep_every
        self.schedule_dir = schedule_dir  # None: no scheduled function runs on request
        self._idle = threading.Condition()
        self.idle_rounds = 0  # rounds that found nothing to do

    def wait_until_idle(self, timeout: float = 10.0) -> bool:
        """Until a round that started after the call found nothing to do: whatever was being handled
        at the call (a delivery whose receiver already answered, say) has finished and said so."""
        with self._idle:
            target = self.idle_rounds + 2  # of two idle rounds, the second surely started after the call
            return self._idle.wait_for(lambda: self.idle_rounds >= target, timeout)

    def run(self) -> None:
        import boto3

        from chalicelib import outbox
        from chalicelib.services import booking
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
        if self.schedule_dir is not None:
            self.schedule_dir.mkdir(parents=True, exist_ok=True)
        last_sweep = 0.0
        while not self.stop_event.is_set():
            busy = False
            for name, handler, url, arn, batch_size in sources:
                busy |= self._poll_once(sqs, name, handler, url, arn, batch_size)
            if time.monotonic() - last_sweep > self.sweep_every:
                last_sweep = time.monotonic()
                # What the outbox_sweeper, payments_sweeper and the periodic schedules do; one failing
                # does not stop the others.
                periodic = [lambda name=name: scheduled[name](scheduled_event(datetime.now(timezone.utc)),
                                                              _LambdaContext(name)) for name in self.PERIODIC]
                for sweep in (lambda: outbox.sweep(min_age_seconds=int(self.sweep_every)),
                              lambda: booking.sweep(min_age_seconds=int(self.sweep_every)), payments.sweep,
                              *periodic):
                    try:
                        sweep()
                    except Exception as err:  # noqa: BLE001 - keep polling
                        print(f"[local] sweep failed: {err!r}", file=sys.stderr)
            busy |= self._run_requested(scheduled)
            if not busy:
                with self._idle:
                    self.idle_rounds += 1
                    self._idle.notify_all()
                self.stop_event.wait(0.2)

    def _run_requested(self, scheduled: dict) -> bool:
        """Run each scheduled function asked for by a `<function>.json` file in the schedule directory."""
        ran = False
        if self.schedule_dir is None:
            return ran
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


class _FirstComeFirstServed:
    """A lock taken in the order it was asked for (threading.Lock lets any waiter, or the thread
    that just released it, win): under load every request waits its turn, none waits forever."""

    def __init__(self):
        self._turns = threading.Condition()
        self._next_ticket = self._serving = 0

    def __enter__(self):
        with self._turns:
            ticket, self._next_ticket = self._next_ticket, self._next_ticket + 1
            self._turns.wait_for(lambda: self._serving == ticket)

    def __exit__(self, *exc):
        with self._turns:
            self._serving += 1
            self._turns.notify_all()
        return False


def _one_request_at_a_time(wsgi_app):
    """moto's backends are not thread-safe (a transaction copies a table another request is
    changing); AWS is. The API, the poller and the webhook handler's threads all call moto, so its
    server answers one request at a time, in the order they came."""
    turn = _FirstComeFirstServed()

    def app(environ, start_response):
        with turn:
            return list(wsgi_app(environ, start_response))

    return app


def _die_with_parent() -> None:
    """Run in the child before exec: it gets SIGTERM if this process dies (Linux)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class MotoServer:
    """moto's server on 127.0.0.1:port, serving from a thread, tuned for good (scripts/local_aws.py:
    transactions, queries and SQS at a cost that does not grow with the data). Binds in the caller's
    thread, so a busy port is an error here (moto's ThreadedMotoServer waits forever when its thread
    cannot bind)."""

    def __init__(self, port: int):
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        from scripts.local_aws import tune_moto

        tune_moto()

        app = _one_request_at_a_time(DomainDispatcherApplication(create_backend_app))
        try:
            self.server = make_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
        except (OSError, SystemExit):  # werkzeug exits when the address is in use
            raise PortInUse("MOTO_PORT", port, "the embedded local AWS") from None
        self.thread = threading.Thread(target=self.server.serve_forever, name="moto", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


class PortInUse(Exception):
    def __init__(self, variable: str, port: int, what: str):
        from scripts.ports import busy_port_message

        super().__init__(busy_port_message(variable, port, what))


def _wait_until_bound(ready_fd: int, child: subprocess.Popen, timeout: float, stopping: threading.Event) -> bool:
    """Until the API process says it holds its port (a line on `ready_fd`), or exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stopping.is_set():
        readable, _, _ = select.select([ready_fd], [], [], 0.2)
        if readable:
            return bool(os.read(ready_fd, 64))
        if child.poll() is not None:
            return False
    return False


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
    from chalicelib.settings import BootstrapSettings, LocalStackSettings, SettingsError, load, reload_settings
    from scripts import ports

    try:
        local = load(LocalStackSettings)
        env = local_environment(local.moto_port, local.port)
        os.environ.clear()
        os.environ.update(env)
        settings = reload_settings()
        admin = load(BootstrapSettings)
    except SettingsError as err:
        print(f"[local] {err}", file=sys.stderr, flush=True)
        return 2
    busy = ports.problems(env)
    if busy:
        print("\n".join(busy), file=sys.stderr, flush=True)
        return 2
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    started = time.monotonic()

    import logging

    import boto3

    from scripts import bootstrap
    from scripts.aws_resources import create_all

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log
    try:
        moto = MotoServer(local.moto_port)
    except PortInUse as err:
        print(err, file=sys.stderr, flush=True)
        return 2
    create_all(boto3.client("dynamodb"), boto3.client("sqs"))
    boto3.client("ses").verify_email_identity(EmailAddress=settings.email_sender)
    creds = bootstrap.bootstrap(admin.admin_username, admin.admin_password, admin.admin_email, admin.consumer_key)

    poller = Poller(ROOT / local.schedule_dir)
    poller.start()

    ready_read, ready_write = os.pipe()
    api = subprocess.Popen(
        [sys.executable, "-m", "scripts.local_api", str(local.port)],
        cwd=ROOT, env={**env, "LOCAL_API_READY_FD": str(ready_write)}, pass_fds=(ready_write,),
        preexec_fn=_die_with_parent,
    )
    os.close(ready_write)
    stopping, in_demo = threading.Event(), threading.Event()

    def stop(*_):
        stopping.set()
        if in_demo.is_set():
            raise KeyboardInterrupt  # the demo is a run of HTTP calls: end it now, not at its end

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    base = f"http://127.0.0.1:{local.port}"
    # The port is ours once the API process says so; only then can the probe not reach another server.
    ready = (_wait_until_bound(ready_read, api, timeout=60, stopping=stopping)
             and _wait_until_ready(f"{base}/obp/v5.1.0/root", timeout=60, child=api, stopping=stopping))
    os.close(ready_read)
    demo, failed = None, False
    if ready and local.demo:
        in_demo.set()
        demo, failed = _run_demo(base, creds, env["OUTBOX_DIR"], local.demo_dir)
        in_demo.clear()
        poller.wait_until_idle()  # the demo's last deliveries print their lines before the banner
    if ready and not failed:
        _print_banner(base, creds, env, demo, round(time.monotonic() - started, 2))
    elif not failed and not stopping.is_set() and api.poll() is None:
        print("[local] the API did not become ready within 60 s", file=sys.stderr, flush=True)
    if failed:
        stopping.set()

    while ready and not stopping.is_set() and api.poll() is None:
        stopping.wait(0.5)
    unexpected_exit = api.poll() if not stopping.is_set() else None

    poller.stop_event.set()
    if api.poll() is None:
        api.terminate()
        try:
            api.wait(timeout=10)
        except subprocess.TimeoutExpired:
            api.kill()
    poller.join(timeout=5)
    if demo is not None:
        from scripts import walkthrough

        walkthrough.stop_receiver(demo)
    moto.stop()
    print("[local] stopped", flush=True)
    if unexpected_exit is not None:
        return unexpected_exit or 1
    return 0 if ready and not failed else 1


def _run_demo(base: str, creds, outbox_dir: str, demo_dir: str) -> tuple[dict | None, bool]:
    """README's walkthrough against the fresh stack: the demo data. Returns its variables, and
    whether it failed (then the stack stops: the walkthrough and the code disagree)."""
    from scripts import walkthrough

    print("[local] DEMO=1: running README's walkthrough (scripts/walkthrough.py) for the demo data", flush=True)
    try:
        variables = walkthrough.run(base, admin_username=creds.username, admin_password=creds.password,
                                    consumer_key=creds.consumer_key, outbox=outbox_dir, demo_dir=demo_dir,
                                    show=lambda line: print(f"[demo] {line}", flush=True), verbose=False)
    except walkthrough.StepFailed as failure:
        print(f"[local] the demo walkthrough failed: {failure}", file=sys.stderr, flush=True)
        return None, True
    except KeyboardInterrupt:
        return None, True
    return variables, False


def _print_banner(base: str, creds, env: dict, demo: dict | None, started_in: float) -> None:
    moto_url = env["AWS_ENDPOINT_URL"]
    login = (f"curl -X POST {base}/my/logins/direct -H 'DirectLogin: username={creds.username}, "
             f"password={creds.password}, consumer_key={creds.consumer_key}'")
    info = {
        "url": base, "admin_username": creds.username, "admin_password": creds.password,
        "consumer_key": creds.consumer_key, "outbox_dir": env["OUTBOX_DIR"], "moto_endpoint": moto_url,
        "moto_dashboard": f"{moto_url}/moto-api/", "started_in_seconds": started_in,
    }
    lines = [
        "",
        f"OBP Serverless is running (local stage), started in {started_in:.1f} s",
        f"  API            {base}   (try {base}/obp/v5.1.0/root)",
        f"  admin          username={creds.username}  password={creds.password}",
        f"  consumer key   {creds.consumer_key}",
        f"  log in         {login}",
        f"  outbox         {env['OUTBOX_DIR']}   (e-mails and SMS land here as JSON files)",
        f"  local AWS      {moto_url}   (moto; browse its tables and queues at {moto_url}/moto-api/)",
        "  data           in memory only: Ctrl-C stops everything and forgets it",
        "  next           README.md, \"Your first ten minutes\"" + ("" if demo else "; or `make demo` for demo data"),
    ]
    if demo is not None:
        from scripts import walkthrough

        info["demo"] = given = walkthrough.credentials(demo)
        users, tpp, partner = given["users"], given["third_party_app"], given["enterprise_partner"]
        lines += [
            f"Demo data (bank {given['bank_id']}; every user's password is {walkthrough.PASSWORD}):",
            f"  alice          user_id={users['alice']['user_id']}  account alice-current",
            f"  bob            user_id={users['bob']['user_id']}  account bob-current",
            f"  teller         user_id={users['teller']['user_id']}  (customer, account and webhook roles)",
            f"  third-party    consumer_key={tpp['consumer_key']}  consumer_secret={tpp['consumer_secret']}",
            f"  Enterprise     client_id={partner['client_id']}  kid={partner['kid']}  "
            f"private key {partner['private_key']}",
            f"                 profile {partner['profile_id']} (payout account shop-payout), "
            f"payment {partner['payment_id']} (succeeded: alice paid 12.50 EUR on the hosted page)",
        ]
    lines += [
        "Ctrl-C stops everything. One line per request follows: time, method, path, status, milliseconds, request id.",
        f"READY {json.dumps(info)}",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
