"""Starts geosrpc_server ($GEOSRPC_SERVER) for the tests that run it as a
process, and reads the ports it bound from the line that says it is
listening (layers loaded at start-up are reported before it)."""

import dataclasses
import os
import re
import subprocess

_STARTED = re.compile(
    r"listening on port (\d+) with (\d+) workers; metrics on port (\d+)")


@dataclasses.dataclass
class Server:
    proc: subprocess.Popen  # stderr stays open: the request log follows.
    target: str             # 127.0.0.1:<grpc port>
    workers: int
    metrics_port: int       # 0 when metrics are off


def start_server(*flags, env=None):
    """Picks free ports (gRPC and metrics); `flags` come after, so they win."""
    proc = subprocess.Popen(
        [os.environ["GEOSRPC_SERVER"], "--listen=127.0.0.1:0",
         "--metrics_listen=127.0.0.1:0", *flags],
        stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
    seen = []
    match = None
    while match is None:
        line = proc.stderr.readline()
        if not line:
            proc.kill()
            raise AssertionError(f"server did not start: {''.join(seen)!r}")
        seen.append(line)
        match = _STARTED.search(line)
    return Server(proc, f"127.0.0.1:{match.group(1)}", int(match.group(2)),
                  int(match.group(3)))
