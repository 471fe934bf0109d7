"""The API process of `make run`: what `chalice local --stage local` does (the app with the
stage's environment behind Chalice's local API Gateway), without its console chatter: no access
log of its own (the app prints one line per request, chalicelib/observability.py) and no root
logger at INFO (botocore's "Found credentials..." lines). A busy port ends it with status 2 and
a message naming PORT.

    python -m scripts.local_api PORT        # started by scripts/local_stack.py
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def serve(port: int) -> int:
    from chalice.cli.factory import CLIFactory
    from chalice.deploy.validate import validate_routes
    from chalice.local import ChaliceRequestHandler, CustomLocalChalice, LocalChalice, LocalDevServer, ThreadedHTTPServer

    from scripts.ports import busy_port_message

    class Handler(ChaliceRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - http.server's signature
            pass  # the app's own request line says more (chalicelib/observability.py)

    class Server(ThreadedHTTPServer):
        # socketserver's listen backlog is 5: with more clients connecting at once than that while
        # the accepting thread waits for the GIL, the kernel drops connections (ConnectionResetError
        # at 16 concurrent clients under `make load`). A server's usual backlog instead.
        request_queue_size = 128

    factory = CLIFactory(project_dir=str(ROOT), environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name="local")
    app = config.chalice_app
    validate_routes(app.routes)  # what `chalice deploy` would refuse, `chalice local` refuses too
    # As chalice.local.create_local_server: a thread-local current_request for the threaded server.
    CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
    app.__class__ = CustomLocalChalice
    try:
        server = LocalDevServer(app, config, "127.0.0.1", port, handler_cls=Handler, server_cls=Server)
    except OSError:
        print(busy_port_message("PORT", port, "the API"), file=sys.stderr, flush=True)
        return 2
    ready_fd = os.environ.pop("LOCAL_API_READY_FD", None)
    if ready_fd:  # tell scripts/local_stack.py the port is ours: its readiness probe reaches us
        os.write(int(ready_fd), b"bound\n")
        os.close(int(ready_fd))
    try:
        server.server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(serve(int(sys.argv[1])))
