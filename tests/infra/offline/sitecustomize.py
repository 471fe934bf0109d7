"""On PYTHONPATH of the subprocesses tests/infra starts: every attempt to reach the network
fails, so what they do (package the app, lint the template, import the app) is proven offline."""
import socket


def _refuse(*args, **kwargs):
    raise OSError("network access is disabled in this test process")


socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
