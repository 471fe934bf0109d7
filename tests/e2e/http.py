"""A tiny HTTP JSON client for the end-to-end tests (stdlib only, loopback only)."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from decimal import Decimal

from tests.support import Resp


class Http:
    def __init__(self, base: str, headers: dict | None = None):
        self.base = base
        self.headers = headers or {}

    def call(self, method: str, path: str, body=None, headers: dict | None = None) -> Resp:
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json", **self.headers, **(headers or {})}
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=all_headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                status, raw, hdrs = resp.status, resp.read(), dict(resp.headers)
        except urllib.error.HTTPError as err:
            status, raw, hdrs = err.code, err.read(), dict(err.headers)
        text = raw.decode() if raw else ""
        return Resp(status, json.loads(text, parse_float=Decimal) if text else None, {k.lower(): v for k, v in hdrs.items()})

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)

    def login(self, username: str, password: str, consumer_key: str) -> "Http":
        r = self.post("/my/logins/direct", headers={
            "DirectLogin": f"username={username}, password={password}, consumer_key={consumer_key}"})
        assert r.status == 201, r.body
        return Http(self.base, {"DirectLogin": f"token={r.body['token']}"})
