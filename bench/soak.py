"""A soak run: one server on loopback under a bounded mixed workload for a
given time, its RSS (anonymous and file-backed), threads and file
descriptors sampled all along, with its own gauges of what it holds for
calls in flight and in its caches, and of what its allocator holds.

The workload, all at once: normal batches (geosrpc-load, open loop),
clients that read slowly, calls cancelled mid-way, calls past their
deadline, batches with hostile rows, and ComputeStream pipelines. Every loop
is bounded in time and stops by itself; only 127.0.0.1 is used.

Prints, per resource, its value after warm-up and at the end and the slope
of a least-squares line through the samples after warm-up (per hour), the
idle RSS at the end with the soak's connection open and closed, and the
calls each loop made by outcome. `bench/soak.sh` runs it; the 30-minute
figure is in bench/RESULTS.md.

  soak.py --server=PATH --load=PATH --minutes=30 [--warmup_fraction=0.2]
"""

import argparse
import collections
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.request

import grpc
import numpy as np

from geosrpc import client as geosrpc_client
from geosrpc.v1 import geometry_service_pb2 as pb
from geosrpc.v1 import geometry_service_pb2_grpc as pb_grpc

parser = argparse.ArgumentParser()
parser.add_argument("--server", required=True)
parser.add_argument("--load", required=True)
parser.add_argument("--minutes", type=float, default=30)
parser.add_argument("--rate", type=float, default=20,
                    help="Normal batches a second (geosrpc-load's open loop); "
                         "lower it for sanitizer builds")
parser.add_argument("--warmup_fraction", type=float, default=0.2)
parser.add_argument("--sample_seconds", type=float, default=2)
parser.add_argument("--workers", type=int, default=2)
parser.add_argument("--samples_csv", default="",
                    help="Also write every sample (seconds, rss_mb, anon_mb, "
                         "file_mb, threads, fds, the server's gauges) to "
                         "this file")
args = parser.parse_args()

DURATION = args.minutes * 60


def start_server():
    proc = subprocess.Popen(
        [args.server, "--listen=127.0.0.1:0", "--metrics_listen=127.0.0.1:0",
         f"--workers={args.workers}", "--log_requests=false"],
        stderr=subprocess.PIPE, text=True)
    line = proc.stderr.readline()
    port = line.split("listening on port ")[1].split()[0]
    metrics_port = line.split("metrics on port ")[1].split()[0]
    threading.Thread(target=lambda: [None for _ in proc.stderr],
                     daemon=True).start()
    return proc, f"127.0.0.1:{port}", f"http://127.0.0.1:{metrics_port}/metrics"


# The server's own gauges sampled beside RSS: what it holds for calls in
# flight (requests and unsent results) and in its caches, so that RSS that
# moves with the load can be told from RSS that grows by itself.
GAUGES = {"geosrpc_inflight_requests": "inflight_calls",
          "geosrpc_inflight_bytes": "inflight_mb",
          "geosrpc_operand_cache_bytes": "operand_cache_mb",
          "geosrpc_cached_set_bytes": "cached_sets_mb"}


# And what malloc holds by state (geosrpc_allocator_bytes): live objects
# (allocated) against what the allocator keeps resident, so that RSS growth
# can be told into live memory, allocator-held memory and memory outside
# malloc. jemalloc reports every state but free, glibc allocated, free and
# mapped; absent states read 0.
ALLOCATOR_STATES = ("allocated", "active", "metadata", "resident", "mapped",
                    "retained", "free")


def gauges():
    out = {v: 0.0 for v in GAUGES.values()}
    out.update({f"malloc_{s}_mb": 0.0 for s in ALLOCATOR_STATES})
    try:
        with urllib.request.urlopen(metrics_url, timeout=2) as r:
            for line in r.read().decode().splitlines():
                name, _, value = line.partition(" ")
                if name in GAUGES:
                    scale = 1 if name.endswith("requests") else 1 / 2**20
                    out[GAUGES[name]] = float(value) * scale
                elif name.startswith("geosrpc_allocator_bytes{"):
                    state = name.split('state="')[1].split('"')[0]
                    out[f"malloc_{state}_mb"] = float(value) / 2**20
    except OSError:
        pass
    return out


def proc_sample(pid):
    with open(f"/proc/{pid}/status") as f:
        status = dict(l.split(":", 1) for l in f if ":" in l)
    # RSS, and its anonymous (heap, stacks) and file-backed (mapped
    # libraries and files) parts.
    return {"rss_mb": int(status["VmRSS"].split()[0]) / 1024,
            "anon_mb": int(status["RssAnon"].split()[0]) / 1024,
            "file_mb": int(status["RssFile"].split()[0]) / 1024,
            "threads": int(status["Threads"].split()[0]),
            "fds": len(os.listdir(f"/proc/{pid}/fd")), **gauges()}


server, target, metrics_url = start_server()
channel = grpc.insecure_channel(
    target, options=[("grpc.max_receive_message_length", 256 << 20),
                     ("grpc.max_send_message_length", 256 << 20)])
stub = pb_grpc.GeometryServiceStub(channel)
stop_at = time.monotonic() + DURATION
outcomes = collections.defaultdict(collections.Counter)
rng_lock = threading.Lock()


def points(n, seed):
    return geosrpc_client.points(
        np.random.default_rng(seed).random((n, 2)) * 100).to_proto()


def buffer_request(n, seed):
    return pb.ComputeRequest(
        operation=pb.Operation(op=pb.OP_CODE_BUFFER,
                               buffer=pb.BufferParams(radius=1, quadsegs=8)),
        a=points(n, seed))


def record(kind, fn):
    try:
        fn()
        outcomes[kind]["OK"] += 1
    except grpc.RpcError as e:
        outcomes[kind][e.code().name] += 1


def loop(kind, body, pause):
    seed = 0
    while time.monotonic() < stop_at:
        seed += 1
        record(kind, lambda: body(seed))
        time.sleep(pause)


def slow_reader(seed):
    for n, _ in enumerate(stub.Compute(buffer_request(20000, seed))):
        if n % 3 == 0:
            time.sleep(0.05)


def cancelled(seed):
    call = stub.Compute(buffer_request(20000, seed))
    timer = threading.Timer(random.Random(seed).uniform(0.001, 0.05),
                            call.cancel)
    timer.start()
    try:
        for _ in call:
            pass
    finally:
        timer.cancel()


def past_deadline(seed):
    for _ in stub.Compute(buffer_request(50000, seed), timeout=0.02):
        pass


def hostile(seed):
    rows = ["POINT (1 2)", "POINT (1", "", "POLYGON ((0 0, 1 0, nan 1, 0 0))",
            "LINESTRING (0 0, 1e300 1)", "GEOMETRYCOLLECTION (" * 40]
    batch = geosrpc_client.batch(rows * 50)
    request = pb.ComputeRequest(operation=pb.Operation(op=pb.OP_CODE_AREA),
                                a=batch.to_proto())
    for _ in stub.Compute(request):
        pass


def stream(seed):
    def requests():
        for i in range(10):
            yield pb.ComputeStreamRequest(
                id=i, request=pb.ComputeRequest(
                    operation=pb.Operation(op=pb.OP_CODE_AREA),
                    a=points(2000, seed * 10 + i)))
    for _ in stub.ComputeStream(requests()):
        pass


loops = [("slow_reader", slow_reader, 0.2), ("cancelled", cancelled, 0.05),
         ("past_deadline", past_deadline, 0.1), ("hostile_rows", hostile, 0.05),
         ("compute_stream", stream, 0.05)]
threads = [threading.Thread(target=loop, args=l) for l in loops]
load = subprocess.Popen(
    [args.load, f"--target={target}", "--dataset=seed", "--batch_rows=5000",
     "--concurrency=2", f"--rate={args.rate:g}", f"--duration={int(DURATION)}s",
     "--warmup=0s", "--json", "--progress=false"],
    stdout=subprocess.PIPE, text=True)
samples = []
start = time.monotonic()
for t in threads:
    t.start()
while time.monotonic() < stop_at:
    samples.append((time.monotonic() - start, proc_sample(server.pid)))
    time.sleep(args.sample_seconds)
for t in threads:
    t.join()
load_report = json.loads(load.communicate(timeout=120)[0])
time.sleep(2)  # Let the last calls end before the last sample.
samples.append((time.monotonic() - start, proc_sample(server.pid)))
# Idle with this process's connection still open (geosrpc-load's has closed),
# then with it closed too: what the server keeps per connection.
channel.close()
time.sleep(2)
closed = proc_sample(server.pid)
server.terminate()
exit_code = server.wait(timeout=60)


def slope_per_hour(key):
    warm = [(t, s[key]) for t, s in samples if t >= DURATION * args.warmup_fraction]
    xs = np.array([t for t, _ in warm])
    ys = np.array([v for _, v in warm], dtype=float)
    if len(xs) < 2:
        return 0.0
    return float(np.polyfit(xs, ys, 1)[0] * 3600)


def fifths(key):
    """Mean of the first and of the last fifth of the samples after warm-up:
    steadier than the line's slope when RSS swings as the allocator returns
    memory in bursts."""
    warm = [s[key] for t, s in samples if t >= DURATION * args.warmup_fraction]
    n = max(1, len(warm) // 5)
    return float(np.mean(warm[:n])), float(np.mean(warm[-n:]))


if args.samples_csv:
    with open(args.samples_csv, "w") as f:
        keys = ["rss_mb", "anon_mb", "file_mb", "threads", "fds",
                *GAUGES.values(), *(f"malloc_{s}_mb" for s in ALLOCATOR_STATES)]
        f.write(",".join(["seconds", *keys]) + "\n")
        for t, s in samples:
            f.write(",".join([f"{t:.1f}", *(f"{s[k]:.2f}" for k in keys)]) +
                    "\n")

print(f"soak: {args.minutes:g} min, {args.workers} workers, "
      f"{len(samples)} samples; server exit code {exit_code}")
warm_index = next(i for i, (t, _) in enumerate(samples)
                  if t >= DURATION * args.warmup_fraction)
for key, unit in (("rss_mb", "MB"), ("anon_mb", "MB"), ("file_mb", "MB"),
                  ("threads", ""), ("fds", ""),
                  ("inflight_calls", ""), ("inflight_mb", "MB"),
                  ("operand_cache_mb", "MB"), ("cached_sets_mb", "MB"),
                  *((f"malloc_{s}_mb", "MB") for s in ALLOCATOR_STATES)):
    if all(s[key] == 0 for _, s in samples):
        continue  # A state this allocator does not report.
    print(f"  {key:8s} after warm-up {samples[warm_index][1][key]:8.1f} {unit:2s}"
          f"  end {samples[-1][1][key]:8.1f} {unit:2s}"
          f"  max {max(s[key] for _, s in samples):8.1f} {unit:2s}"
          f"  slope {slope_per_hour(key):+8.2f} {unit}/h"
          f"  first/last fifth {fifths(key)[0]:.1f} -> {fifths(key)[1]:.1f}")
print(f"  idle at the end: {samples[-1][1]['rss_mb']:.1f} MB with the soak's "
      f"connection open, {closed['rss_mb']:.1f} MB after it closed "
      f"(before any load: {samples[0][1]['rss_mb']:.1f} MB)")
print(f"  normal batches (geosrpc-load): {load_report['requests']} calls, "
      f"codes {load_report['codes']}")
for kind, counts in outcomes.items():
    print(f"  {kind}: {dict(counts)}")
sys.exit(0 if exit_code == 0 else 1)
