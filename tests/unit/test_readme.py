"""README cannot drift from the code: its walkthrough is what scripts/walkthrough.py runs (the e2e
test runs those steps), its settings tables are chalicelib/settings.py's models, and each curl line
of the walkthrough, run by bash, sends exactly the request the script sends."""
from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

from scripts import readme, walkthrough
from scripts.walkthrough import Call, File, Page

ROOT = Path(__file__).resolve().parents[2]

# Values with characters the shell would mangle if a variable were quoted wrongly.
SAMPLE = {
    "API": "http://127.0.0.1:8000", "ADMIN_USERNAME": "admin", "ADMIN_PASSWORD": "Adm'in \"Pa$$ !x",
    "CONSUMER_KEY": "key with spaces", "PASSWORD": "Str0ng-Passw0rd!", "OUTBOX": "/tmp/out box",
    "DEMO_DIR": "", "ADMIN": "tok-admin", "TELLER": "tok-teller", "ALICE": "tok-alice", "BOB": "tok-bob",
    "TELLER_ID": "u-teller", "ALICE_ID": "u-alice", "BOB_ID": "u-bob", "ALICE_CUSTOMER_ID": "c-alice",
    "BOB_CUSTOMER_ID": "c-bob", "TPP_ID": "tpp-id", "TPP_KEY": "tpp key", "CONSENT_ID": "consent-1",
    "OTP": "12345678", "CONSENT_JWT": "eyJ.a.b", "HOOK_URL": "http://127.0.0.1:8100/hook", "WEBHOOK_ID": "wh-1",
    "CLIENT_ID": "client_1", "ASSERTION": "eyJ.assert.ion", "PARTNER_TOKEN": "tok partner",
    "PROFILE_ID": "profile_1", "HOOK_SECRET": "whsec_x", "PAYMENT_ID": "payment_1",
    "CHECKOUT_URL": "http://127.0.0.1:8000/checkout/payment_1/s3cr-et_", "JAR": "/tmp/a jar", "CSRF": "c5rf",
}

# A stand-in for `jq -n --rawfile NAME FILE PROGRAM`, the one jq form a curl line itself runs.
FAKE_JQ = """#!/usr/bin/env python3
import json, sys
args = sys.argv[1:]
assert args[0] == "-n" and args[1] == "--rawfile", args
name, path, program = args[2], args[3], args[4]
print(program.replace("$" + name, json.dumps(open(path).read())))
"""


def test_readme_shows_exactly_what_the_walkthrough_and_settings_render():
    current = (ROOT / "README.md").read_text()
    assert readme.section(current, "walkthrough") is not None and readme.section(current, "settings") is not None
    assert readme.rendered(current) == current, "README.md is stale: run `make readme`"


def _sent(command: str, variables: dict, fake_bin: Path) -> list[str]:
    """The arguments curl would get from `command`, as bash expands them."""
    script = "printf '%s\\0'" + command.removeprefix("curl")
    env = {**os.environ, **variables, "PATH": f"{fake_bin}{os.pathsep}{os.environ['PATH']}"}
    out = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, check=True).stdout
    return out.split("\0")[:-1]


def _parsed(arguments: list[str]) -> dict:
    request = {"method": "GET", "headers": {}, "data": [], "cookies": [], "follow": False}
    words = iter(arguments)
    for word in words:
        if word == "-s":
            continue
        if word == "-L":
            request["follow"] = True
        elif word in ("-c", "-b"):
            request["cookies"].append((word, next(words)))
        elif word == "-X":
            request["method"] = next(words)
        elif word == "-H":
            name, _, value = next(words).partition(": ")
            request["headers"][name] = value
        elif word == "-d":
            request["data"].append(next(words))
        else:
            request["url"] = word
    return request


def test_every_curl_line_sends_what_the_script_sends(tmp_path):
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "jq").write_text(FAKE_JQ.replace("python3", sys.executable, 1))
    (fake_bin / "jq").chmod(stat.S_IRWXU)
    (tmp_path / "partner.pub").write_text("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n")
    variables = {**SAMPLE, "DEMO_DIR": str(tmp_path)}
    calls = [step for step in walkthrough.STEPS if isinstance(step, Call)]
    assert len(calls) > 20
    for step in calls:
        for value in (step.each[1] if step.each else [None]):
            if step.each:
                variables[step.each[0]] = value
            sent = _parsed(_sent(walkthrough.curl_command(step), variables, fake_bin))
            where = f"{step.method} {step.path}"
            assert sent["method"] == step.method, where
            assert sent["url"] == walkthrough.expand(f"$API{step.path}", variables), where
            headers = walkthrough.expand(step.headers, variables)
            if step.body is not None:
                headers["Content-Type"] = "application/json"
            assert sent["headers"] == headers, where
            if step.form is not None:
                assert dict(d.split("=", 1) for d in sent["data"]) == walkthrough.expand(step.form, variables), where
            elif step.body is not None:
                [data] = sent["data"]
                assert json.loads(data) == walkthrough.expand(step.body, variables), where
            else:
                assert sent["data"] == [], where
    assert any(isinstance(v, File) for step in calls if isinstance(step.body, dict) for v in step.body.values())


def test_a_walkthrough_answer_that_differs_is_named():
    expected = {"id": "alice-current", "balance": {"currency": "EUR", "amount": "475.00"}, "views": [{"id": "owner"}]}
    same = {"id": "alice-current", "label": "x", "balance": {"currency": "EUR", "amount": "475.00"},
            "views": [{"id": "owner", "more": 1}, {"id": "other"}]}
    assert walkthrough.mismatches(expected, same) == []
    changed = {**same, "balance": {"currency": "EUR", "amount": "475"}, "views": []}
    assert walkthrough.mismatches(expected, changed) == [
        ".balance.amount is '475', not '475.00'", ".views has fewer than 1 items"]
    assert walkthrough.mismatches({"token": walkthrough.ANY}, {}) == [".token is missing"]


def test_every_page_line_sends_what_the_script_sends(tmp_path):
    """The hosted page's curl lines: the cookie jar read and written, the page's URL, and for a
    form a POST of the CSRF token and its fields whose 303 is followed (as the script's session does)."""
    pages = [step for step in walkthrough.STEPS if isinstance(step, Page)]
    assert [p.form for p in pages] == ["", "bank", "sign-in", "account", "confirm"]
    for step in pages:
        sent = _parsed(_sent(walkthrough.page_curl_command(step), SAMPLE, tmp_path))
        where = step.form or "the page"
        assert sent["cookies"] == [("-c", SAMPLE["JAR"]), ("-b", SAMPLE["JAR"])], where
        assert sent["url"] == SAMPLE["CHECKOUT_URL"] + (f"/{step.form}" if step.form else ""), where
        assert sent["headers"] == {}, where
        if step.form:
            assert sent["follow"], where
            assert dict(d.split("=", 1) for d in sent["data"]) == {
                "csrf": SAMPLE["CSRF"], **walkthrough.expand(step.fields, SAMPLE)}, where
        else:
            assert not sent["follow"] and sent["data"] == [], where
    # README's first page line keeps the CSRF token of the page's hidden field, as the script does.
    lines = walkthrough.render_page(pages[0]).replace(" \\\n", " ").splitlines()
    [line] = [line for line in lines if line.startswith("CSRF=$(curl ")]
    html = '<form method="post"><input type="hidden" name="csrf" value="0f3a9c"><input name="x" value="y"></form>'
    script = re.sub(r"^CSRF=\$\(curl [^|]*\|", "CSRF=$(printf '%s' \"$HTML\" |", line) + "; printf '%s' \"$CSRF\""
    out = subprocess.run(["bash", "-c", script], env={**os.environ, "HTML": html}, capture_output=True, text=True,
                         check=True).stdout
    assert out == "0f3a9c" == walkthrough.CSRF_FIELD.search(html).group(1)
