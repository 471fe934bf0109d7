"""Are the local stack's ports free? Checked before anything starts (stdlib only, so `make run`
runs it before installing anything).

    python3 -m scripts.ports        # exit 0, or 2 with a message naming the variable to change
"""
from __future__ import annotations

import os
import socket
import sys

# The variables `make run` reads, with their defaults (chalicelib.settings.LocalStackSettings).
PORTS = (("PORT", 8000, "the API"), ("MOTO_PORT", 5055, "the embedded local AWS"))


def is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on host:port now. SO_REUSEADDR, as the servers use it, so a
    port whose last connections linger in TIME_WAIT counts as free and one with a listener not."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def busy_port_message(variable: str, port: int, what: str) -> str:
    return (f"[local] {variable}={port} is in use: another program (perhaps another `make run`) listens on "
            f"127.0.0.1:{port}, the port of {what}.\n"
            f"        Stop it, or choose another port: {variable}={port + 1} make run")


def problems(environ=os.environ) -> list[str]:
    """One message per busy port (or unreadable value) of the ports `make run` would use."""
    out = []
    ports: dict[int, str] = {}
    for variable, default, what in PORTS:
        raw = (environ.get(variable) or "").strip() or str(default)
        try:
            port = int(raw)
        except ValueError:
            out.append(f"[local] {variable}={raw!r}: expected a TCP port, 1-65535")
            continue
        if not 0 < port < 65536:
            out.append(f"[local] {variable}={raw!r}: expected a TCP port, 1-65535")
        elif port in ports:
            out.append(f"[local] {variable}={port} is also {ports[port]}: the two need different ports")
        elif not is_free(port):
            out.append(busy_port_message(variable, port, what))
        ports[port] = variable
    return out


def main() -> int:
    found = problems()
    for message in found:
        print(message, file=sys.stderr, flush=True)
    return 2 if found else 0


if __name__ == "__main__":
    sys.exit(main())
