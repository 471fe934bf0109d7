"""A webhook receiver for trying deliveries locally: answers 200 and prints each delivery.

    .venv/bin/python -m scripts.webhook_receiver [--port 8100] [--secret whsec_...]

With --secret it also checks the Standard Webhooks signature and says whether it holds.
Register it as http://127.0.0.1:PORT/hook (the local stage lets webhooks call loopback).
"""
from __future__ import annotations

import argparse
import json
import sys
import threading

from scripts.walkthrough import WebhookReceiver


def describe(path: str, headers: dict, body: bytes, secret: str | None) -> str:
    try:
        event = json.loads(body) if body else {}
    except ValueError:
        event = {}
    # OBP's account events name event_name and account_id; the Enterprise API's thin events type and id.
    line = (f"{headers.get('webhook-id', '?')} {event.get('event_name') or event.get('type') or '?'} "
            f"{event.get('account_id') or event.get('id') or ''} {event.get('amount', '')}".rstrip())
    if secret:
        from standardwebhooks import Webhook

        try:
            Webhook(secret).verify(body, headers)
            line += "  signature ok"
        except Exception as err:  # noqa: BLE001 - any failure to verify is what we report
            line += f"  signature NOT ok ({err})"
    return f"{path} {line}\n  {body.decode(errors='replace')}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--secret", help="the webhook's whsec_... secret, to check signatures")
    args = parser.parse_args(argv)
    receiver = WebhookReceiver(args.port, on_delivery=lambda p, h, b: print(describe(p, h, b, args.secret), flush=True))
    receiver.start()
    print(f"listening on {receiver.url}  (Ctrl-C stops)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        receiver.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
