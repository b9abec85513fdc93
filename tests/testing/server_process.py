"""Starts geosrpc_server ($GEOSRPC_SERVER) for the tests that run it as a
process, and reads the ports it bound from its "listening" line."""

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
    # Lines before it (layers loaded at start-up) are passed over.
    lines = []
    while True:
        line = proc.stderr.readline()
        lines.append(line)
        match = _STARTED.search(line)
        if match or not line:
            break
    if not match:
        proc.kill()
        raise AssertionError(f"server did not start: {''.join(lines)!r}")
    return Server(proc, f"127.0.0.1:{match.group(1)}", int(match.group(2)),
                  int(match.group(3)))
