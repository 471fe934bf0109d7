"""`make load`: hot accounts over the local stack, and the stack's memory under that load.

Starts the local stack as `make run` does (scripts/local_stack.py, free loopback ports, its own
outbox directory), then, through the HTTP API only:

1. the same ACCOUNT transfers among a few accounts (200 among 4 by default), first from one
   client, then from many concurrent clients (16);
2. many credits to one account (1,000) from the concurrent clients, each paying from its own account.

After each phase it checks the ledger through the API: every transfer completed, every balance
equals the sum of its account's transactions, the total is unchanged, two transactions per
transfer. Throughout it samples the resident memory (RSS) of the stack's processes (moto and the
poller in one, the API of scripts/local_api.py in the other). It prints the figures and each target, and exits 1
when a target is missed. Memory may grow by the data the load stores (moto keeps every item in
memory: about 150 KiB of Python objects per transfer) and by nothing else.

Bounded: the counts are flags; every request gives up after --timeout seconds, the whole run after
--deadline seconds; it talks to 127.0.0.1 only and stops the stack it started. Run it under a
memory cap, e.g. `prlimit --as=6000000000 make load`.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADMIN_PASSWORD = "Load-Admin-Passw0rd!"
CONSUMER_KEY = "loadconsumerkey"
OVERDRAFT = "100000000"  # explicit on the product, so the run never depends on a default


# --- the stack and its memory ---------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cap_memory(limit: int) -> None:
    """In the stack's process before exec: a runaway stack fails with MemoryError instead of
    starving the machine."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


class Stack:
    """scripts/local_stack.py in its own process group; `rss_mib()` sums the group's resident memory."""

    def __init__(self, outbox_dir: str, memory_cap_bytes: int):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OBP_"))}
        env.update({"MOTO_PORT": str(_free_port()), "PORT": str(_free_port()), "OUTBOX_DIR": outbox_dir,
                    "OBP_ADMIN_USERNAME": "load-admin", "OBP_ADMIN_PASSWORD": ADMIN_PASSWORD,
                    "OBP_CONSUMER_KEY": CONSUMER_KEY})
        self.proc = subprocess.Popen([sys.executable, "-m", "scripts.local_stack"], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True, preexec_fn=lambda: _cap_memory(memory_cap_bytes))
        self.info: dict = {}
        self.errors: list[str] = []
        self._ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            if line.startswith("READY "):
                self.info = json.loads(line[len("READY "):])
                self._ready.set()
            elif "Traceback" in line or '"level":"ERROR"' in line or "[local]" in line or "Killed" in line:
                self.errors.append(line.rstrip())

    def died(self) -> str:
        """Empty while the stack runs; else how it ended and its last error lines."""
        if self.proc.poll() is None:
            return ""
        return f"the local stack died (exit status {self.proc.returncode}); its last errors:\n  " + \
            "\n  ".join(line[:300] for line in self.errors[-5:])

    def wait(self, timeout: float) -> None:
        if not self._ready.wait(timeout):
            self.stop()
            raise SystemExit("the local stack did not start:\n" + "\n".join(self.errors[-20:]))

    def rss_by_process(self) -> dict[str, float]:
        """Resident memory (MiB) of every live process in the stack's process group, by name:
        `local_stack` (moto and the poller) and `api` (scripts/local_api.py)."""
        found: dict[str, float] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[2]) != self.proc.pid:  # field 5 of stat: the process group
                    continue
                with open(f"/proc/{entry}/cmdline") as f:
                    name = "api" if "scripts.local_api" in f.read() else "local_stack"
                with open(f"/proc/{entry}/status") as f:
                    kib = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
            except (OSError, StopIteration, IndexError, ValueError):
                continue
            found[name] = found.get(name, 0.0) + kib / 1024
        return found

    def rss_mib(self) -> float:
        return sum(self.rss_by_process().values())

    def rss_text(self) -> str:
        parts = self.rss_by_process()
        return f"{sum(parts.values()):.0f} MiB (" + ", ".join(f"{k} {v:.0f}" for k, v in sorted(parts.items())) + ")"

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class MemorySampler(threading.Thread):
    def __init__(self, stack: Stack, every: float = 0.5):
        super().__init__(daemon=True)
        self.stack, self.every = stack, every
        self.samples: list[tuple[float, float]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.samples.append((time.monotonic(), self.stack.rss_mib()))
            self.stopped.wait(self.every)

    def peak_since(self, since: float) -> float:
        return max((rss for at, rss in self.samples if at >= since), default=0.0)


# --- HTTP -------------------------------------------------------------------------------------------

class Client:
    def __init__(self, base: str, timeout: float, token: str | None = None):
        self.base, self.timeout = base, timeout
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["DirectLogin"] = f"token={token}"

    def call(self, method: str, path: str, body=None, headers: dict | None = None) -> tuple[int, object]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={**self.headers, **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        except (OSError, http.client.HTTPException) as cut:  # no answer within the timeout, or the connection dropped
            return 0, {"cut": type(getattr(cut, "reason", None) or cut).__name__}
        return status, (json.loads(raw, parse_float=Decimal) if raw else None)

    def ok(self, method: str, path: str, body=None, expect: int = 201) -> dict:
        status, answer = self.call(method, path, body)
        if status != expect:
            raise SystemExit(f"{method} {path}: {status} {answer}")
        return answer

    def login(self, username: str, password: str) -> "Client":
        status, answer = self.call("POST", "/my/logins/direct", headers={
            "DirectLogin": f"username={username}, password={password}, consumer_key={CONSUMER_KEY}"})
        if status != 201:
            raise SystemExit(f"login: {status} {answer}")
        return Client(self.base, self.timeout, answer["token"])


# --- the world and the load -------------------------------------------------------------------------

@dataclass
class World:
    bank_id: str
    product: str
    clients: list[Client]


def make_world(stack: Stack, clients: int, timeout: float) -> World:
    anonymous = Client(stack.info["url"], timeout)
    admin = anonymous.login(stack.info["admin_username"], ADMIN_PASSWORD)
    me = admin.ok("GET", "/obp/v5.1.0/users/current", expect=200)
    bank_id = f"load-{uuid.uuid4().hex[:6]}"
    admin.ok("POST", "/obp/v5.1.0/banks", {"id": bank_id, "bank_code": bank_id.upper()[:8], "full_name": "Load bank"})
    for role in ("CanCreateProduct", "CanCreateProductAttribute", "CanCreateAccount"):
        admin.ok("POST", f"/obp/v5.1.0/users/{me['user_id']}/entitlements", {"bank_id": bank_id, "role_name": role})
    product = "LOAD"
    admin.ok("PUT", f"/obp/v5.1.0/banks/{bank_id}/products/{product}", {"parent_product_code": "", "name": "Load"})
    admin.ok("POST", f"/obp/v5.1.0/banks/{bank_id}/products/{product}/attribute",
             {"name": "OVERDRAFT_LIMIT", "type": "DOUBLE", "value": OVERDRAFT})
    sessions = [admin] + [anonymous.login(stack.info["admin_username"], ADMIN_PASSWORD) for _ in range(clients - 1)]
    return World(bank_id, product, sessions)


def open_accounts(world: World, count: int, tag: str) -> list[str]:
    ids = []
    for i in range(count):
        account_id = f"{tag}-{i}-{uuid.uuid4().hex[:6]}"
        world.clients[0].ok("PUT", f"/obp/v5.1.0/banks/{world.bank_id}/accounts/{account_id}", {
            "label": account_id, "product_code": world.product, "balance": {"currency": "EUR", "amount": "0"}})
        ids.append(account_id)
    return ids


@dataclass
class Outcome:
    status: int
    seconds: float
    detail: str = ""


@dataclass
class PhaseResult:
    name: str
    outcomes: list[Outcome] = field(default_factory=list)
    wall: float = 0.0
    peak_rss: float = 0.0
    rss_after: float = 0.0

    def completed(self) -> int:
        return sum(1 for o in self.outcomes if o.status == 201)

    def summary(self) -> str:
        times = sorted(o.seconds for o in self.outcomes) or [0.0]
        by_status: dict[str, int] = {}
        for o in self.outcomes:
            key = f"cut ({o.detail})" if o.status == 0 else str(o.status)
            by_status[key] = by_status.get(key, 0) + 1
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        return (f"{self.name}: {self.completed()}/{len(self.outcomes)} completed {by_status}; wall {self.wall:.1f} s; "
                f"per transfer p50 {statistics.median(times):.3f} s, p95 {p95:.3f} s, max {times[-1]:.3f} s; "
                f"stack RSS peak {self.peak_rss:.0f} MiB, after {self.rss_after:.0f} MiB")


def pay(client: Client, bank_id: str, source: str, target: str, amount: Decimal) -> Outcome:
    started = time.monotonic()
    status, answer = client.call(
        "POST", f"/obp/v4.0.0/banks/{bank_id}/accounts/{source}/owner/transaction-request-types/ACCOUNT/transaction-requests",
        {"to": {"bank_id": bank_id, "account_id": target}, "value": {"currency": "EUR", "amount": format(amount, "f")},
         "description": "load"})
    seconds = time.monotonic() - started
    if status == 201 and isinstance(answer, dict) and answer.get("status") != "COMPLETED":
        return Outcome(-1, seconds, f"status {answer.get('status')}")
    detail = (answer.get("message") or answer.get("cut", "")) if isinstance(answer, dict) and status != 201 else ""
    return Outcome(status, seconds, detail)


def run_phase(name: str, orders: list[tuple[int, str, str, Decimal]], world: World, sampler: MemorySampler,
              workers: int, deadline: float) -> PhaseResult:
    """orders: (client index, from, to, amount). Each worker sends its own client's orders in turn."""
    result = PhaseResult(name)
    by_client: dict[int, list] = {}
    for order in orders:
        by_client.setdefault(order[0] % workers, []).append(order)
    lock = threading.Lock()

    def work(index: int) -> None:
        client = world.clients[index]
        for _, source, target, amount in by_client.get(index, []):
            outcome = Outcome(0, 0.0, "deadline") if time.monotonic() > deadline else \
                pay(client, world.bank_id, source, target, amount)
            with lock:
                result.outcomes.append(outcome)

    started = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(work, range(workers)))
    result.wall = time.monotonic() - started
    result.peak_rss = sampler.peak_since(started)
    result.rss_after = sampler.stack.rss_mib()
    return result


def ledger_check(world: World, accounts: list[str], expected_total: Decimal,
                 expected_transactions: range) -> tuple[bool, str]:
    """Through the API: every balance equals the sum of its account's transactions; the balances
    add up to `expected_total`; the accounts hold a number of transactions in `expected_transactions`
    (two per completed transfer, and maybe two for one that was cut but went through)."""
    try:
        return _ledger_check(world, accounts, expected_total, expected_transactions)
    except SystemExit as failed:  # a read the API refused, or the stack is gone
        return False, f"could not read the ledger: {failed}"


def _ledger_check(world: World, accounts: list[str], expected_total: Decimal,
                  expected_transactions: range) -> tuple[bool, str]:
    client = world.clients[0]
    total, count, problems = Decimal("0"), 0, []
    for account_id in accounts:
        base = f"/obp/v5.1.0/banks/{world.bank_id}/accounts/{account_id}/owner"
        balance = Decimal(client.ok("GET", f"{base}/account", expect=200)["balance"]["amount"])
        amounts, offset = [], 0
        while True:
            page = client.ok("GET", f"{base}/transactions?limit=1000&offset={offset}&sort_direction=ASC",
                             expect=200)["transactions"]
            amounts += [Decimal(t["details"]["value"]["amount"]) for t in page]
            if len(page) < 1000:
                break
            offset += len(page)
        if sum(amounts, Decimal("0")) != balance:
            problems.append(f"{account_id}: balance {balance} but its transactions sum to {sum(amounts, Decimal('0'))}")
        total += balance
        count += len(amounts)
    if total != expected_total:
        problems.append(f"balances add up to {total}, expected {expected_total}")
    if count not in expected_transactions:
        problems.append(f"{count} transactions, expected {expected_transactions.start} to {expected_transactions.stop - 1}")
    return not problems, "; ".join(problems) or (f"exact: {count} transactions, every balance = the sum of its "
                                                 f"transactions, total {total}")


def _transactions_of(*phases: PhaseResult) -> range:
    completed = sum(p.completed() for p in phases)
    cut = sum(1 for p in phases for o in p.outcomes if o.status == 0)
    return range(2 * completed, 2 * (completed + cut) + 1, 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transfers", type=int, default=200)
    parser.add_argument("--accounts", type=int, default=4)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--credits", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before one request is cut")
    parser.add_argument("--deadline", type=float, default=1200.0, help="seconds for the whole run")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--stack-memory-cap-gib", type=float, default=6.0,
                        help="address-space limit of each process of the stack")
    args = parser.parse_args()
    deadline = time.monotonic() + args.deadline
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="obp-load-") as outbox_dir:
        stack = Stack(outbox_dir, int(args.stack_memory_cap_gib * 2**30))
        sampler = MemorySampler(stack)
        try:
            stack.wait(timeout=120)
            sampler.start()
            rss_ready, ready_text = stack.rss_mib(), stack.rss_text()
            world = make_world(stack, args.clients, args.timeout)
            hot = open_accounts(world, args.accounts, "hot")
            payers = open_accounts(world, args.clients, "payer")
            merchant = open_accounts(world, 1, "merchant")[0]
            rss_set_up = stack.rss_mib()
            print(f"local stack ready: RSS {ready_text}; after set-up ({args.clients} sessions, "
                  f"{len(hot) + len(payers) + 1} accounts) {stack.rss_text()}", flush=True)

            transfers = []
            for _ in range(args.transfers):
                source, target = rng.sample(hot, 2)
                transfers.append((source, target, Decimal(rng.randint(1, 9000)) / 100))  # 0.01 .. 90.00: no challenge
            one = run_phase(f"{args.transfers} transfers among {args.accounts} accounts, 1 client",
                            [(0, s, t, a) for s, t, a in transfers], world, sampler, 1, deadline)
            print(one.summary(), flush=True)
            if stack.died():
                print(stack.died(), flush=True)
                return 1
            many = run_phase(f"the same {args.transfers} transfers, {args.clients} clients",
                             [(i, s, t, a) for i, (s, t, a) in enumerate(transfers)], world, sampler, args.clients, deadline)
            print(many.summary(), flush=True)
            if stack.died():
                print(stack.died(), flush=True)
                return 1
            hot_ok, hot_detail = ledger_check(world, hot, Decimal("0"), _transactions_of(one, many))
            print(f"ledger of the {args.accounts} accounts: {hot_detail}", flush=True)

            credits = [(i % args.clients, payers[i % args.clients], merchant, Decimal(rng.randint(1, 9000)) / 100)
                       for i in range(args.credits)]
            paid = run_phase(f"{args.credits} credits to one account, {args.clients} clients", credits, world,
                             sampler, args.clients, deadline)
            print(paid.summary(), flush=True)
            if stack.died():
                print(stack.died(), flush=True)
                return 1
            credit_ok, credit_detail = ledger_check(world, payers + [merchant], Decimal("0"), _transactions_of(paid))
            print(f"ledger of the payers and the merchant: {credit_detail}", flush=True)

            time.sleep(5)  # let the poller drain the webhook events
            rss_end = stack.rss_mib()
            peak = sampler.peak_since(0)
            print(f"stack RSS: ready {rss_ready:.0f} MiB, set up {rss_set_up:.0f} MiB, peak {peak:.0f} MiB, "
                  f"end {stack.rss_text()}", flush=True)
            if stack.errors:
                print(f"stack errors: {len(stack.errors)}, the last: {stack.errors[-1][:300]}", flush=True)

            ratio = many.wall / one.wall if one.wall else float("inf")
            stored = one.completed() + many.completed() + paid.completed()
            per_transfer = (rss_end - rss_set_up) * 1024 / max(stored, 1)
            targets = [
                (f"all {args.transfers} concurrent transfers complete", many.completed() == args.transfers),
                ("ledger exact", hot_ok and credit_ok),
                (f"wall time {args.clients} clients / 1 client = {ratio:.2f} <= 1.5, every transfer of both completed",
                 ratio <= 1.5 and one.completed() == many.completed() == args.transfers),
                (f"all {args.credits} credits to one account complete", paid.completed() == args.credits),
                (f"memory: peak {peak:.0f} MiB <= 600 MiB, and what stays after the load is the data it stored "
                 f"(+{rss_end - rss_set_up:.0f} MiB for {stored} transfers, {per_transfer:.0f} KiB each, "
                 f"<= 256 KiB: moto keeps every item in memory)",
                 peak <= 600 and per_transfer <= 256),
            ]
            for text, met in targets:
                print(f"  [{'met' if met else 'MISSED'}] {text}", flush=True)
            return 0 if all(met for _, met in targets) else 1
        finally:
            sampler.stopped.set()
            stack.stop()


if __name__ == "__main__":
    sys.exit(main())
