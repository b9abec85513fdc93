"""The geosrpc_server binary as an operator runs it: signals, environment,
time limits, TLS, request logs. Uses the Python client ($PYTHONPATH) and the
binary in $GEOSRPC_SERVER; certificates are made here with openssl."""

import concurrent.futures
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import unittest

import grpc

import geosrpc
from server_process import start_server


def start(*flags, env=None):
    server = start_server(*flags, env=env)
    return server.proc, server.target, server.workers


def squares(n, vertices=64):
    return [f"POLYGON (({i} 0, {i + 1} 0, {i + 1} 1, {i} 1, {i} 0))"
            for i in range(n)]


class SignalTest(unittest.TestCase):
    def test_sigterm_finishes_every_admitted_request_then_exits_0(self):
        proc, target, _ = start("--workers=2", "--shutdown_grace=60s")
        heavy = squares(3000)
        with geosrpc.Client(target) as client:
            client.list_operations()
            with concurrent.futures.ThreadPoolExecutor(6) as pool:
                futures = [pool.submit(client.compute, "buffer", heavy,
                                       params={"radius": 0.3, "quadsegs": 200})
                           for _ in range(6)]
                time.sleep(0.5)  # All six admitted and running.
                proc.send_signal(signal.SIGTERM)
                results = [f.result(timeout=120) for f in futures]
            for r in results:
                self.assertEqual(r.summary.rows, 3000)
                self.assertFalse(r.mask.any())
                self.assertEqual(r.summary.status.code, 0)
            # A request after the drain began is refused, not half-served.
            with self.assertRaises(geosrpc.ComputeError) as e:
                client.compute("area", ["POINT (0 0)"])
            self.assertEqual(e.exception.code, grpc.StatusCode.UNAVAILABLE)
        self.assertEqual(proc.wait(timeout=60), 0)
        log = proc.stderr.read()
        computes = [json.loads(l) for l in log.splitlines()
                    if l.startswith("{") and '"method":"Compute"' in l]
        self.assertEqual(len([c for c in computes if c["op"] == "buffer"]), 6)
        self.assertTrue(all(c["code"] == "OK" and c["rows"] == 3000
                            for c in computes if c["op"] == "buffer"))
        self.assertIn("drained, exiting", log)


def help_flags(binary):
    """The flags `binary --help` lists, each with its default."""
    out = subprocess.run([binary, "--help"], capture_output=True, text=True,
                         timeout=30)
    text = out.stdout + out.stderr
    return dict(re.findall(r"^    --(\w+) \(.*?\);\s*default: ([^;]*);",
                           text, re.M | re.S)), text


class HelpTest(unittest.TestCase):
    def test_help_lists_the_flags_with_their_defaults(self):
        flags, text = help_flags(os.environ["GEOSRPC_SERVER"])
        self.assertNotIn("No flags matched", text)
        self.assertEqual(flags["workers"], "0")
        self.assertEqual(flags["max_message_bytes"], str(256 << 20))
        self.assertEqual(flags["listen"], '"127.0.0.1:50051"')
        self.assertEqual(flags["shutdown_grace"], "10s")
        self.assertIn("GEOS worker threads", text)
        self.assertIn("Flags from server/main.cc", text)

    def test_every_flag_has_an_environment_variable(self):
        # Each flag's variable, with a value no flag accepts (a bad number,
        # duration or bool; an address or file that cannot be used), alone:
        # the server must refuse to start. One it ignored would serve.
        flags, _ = help_flags(os.environ["GEOSRPC_SERVER"])
        self.assertGreaterEqual(len(flags), 18)

        def refused(name):
            command = [os.environ["GEOSRPC_SERVER"]]
            if name != "listen":
                command.append("--listen=127.0.0.1:0")
            if name != "metrics_listen":
                command.append("--metrics_listen=")
            var = f"GEOSRPC_{name.upper()}"
            proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True,
                                    env={**os.environ, var: "not-a-value"})
            try:
                _, err = proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                return f"{var} was ignored: the server kept running"
            if proc.returncode == 0 or "listening on port" in err:
                return f"{var} was ignored: {err!r}"
            return None

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            problems = [p for p in pool.map(refused, sorted(flags)) if p]
        self.assertEqual(problems, [])


class ConfigurationTest(unittest.TestCase):
    def test_environment_sets_flags_and_the_command_line_wins(self):
        proc, _, workers = start(env={"GEOSRPC_WORKERS": "3"})
        proc.terminate()
        self.assertEqual(proc.wait(timeout=30), 0)
        self.assertEqual(workers, 3)
        proc, _, workers = start("--workers=1", env={"GEOSRPC_WORKERS": "3"})
        proc.terminate()
        proc.wait(timeout=30)
        self.assertEqual(workers, 1)

    def test_bad_environment_value_is_a_clear_startup_error(self):
        out = subprocess.run([os.environ["GEOSRPC_SERVER"]], capture_output=True,
                             text=True, env={**os.environ,
                                             "GEOSRPC_MAX_TIMEOUT": "soon"})
        self.assertEqual(out.returncode, 2)
        self.assertIn("GEOSRPC_MAX_TIMEOUT=soon", out.stderr)

    def test_max_timeout_bounds_calls_without_a_deadline(self):
        proc, target, _ = start("--workers=1", "--max_timeout=200ms")
        try:
            with geosrpc.Client(target) as client:
                start_time = time.monotonic()
                with self.assertRaises(geosrpc.ComputeError) as e:
                    client.compute("buffer", squares(20000),
                                   params={"radius": 0.3, "quadsegs": 300})
                self.assertEqual(e.exception.code,
                                 grpc.StatusCode.DEADLINE_EXCEEDED)
                self.assertLess(time.monotonic() - start_time, 30)
                self.assertEqual(client.compute("area", squares(1)).values[0], 1)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True,
                   capture_output=True)


class TlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        d = cls.dir.name
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=geosrpc test CA", "-keyout", "ca.key",
                "-out", "ca.pem", cwd=d)
        for name, ext in (("server", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
                          ("client", "extendedKeyUsage=clientAuth")):
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj",
                    f"/CN={name}", "-keyout", f"{name}.key", "-out",
                    f"{name}.csr", cwd=d)
            with open(os.path.join(d, f"{name}.ext"), "w") as f:
                f.write(ext + "\n")
            openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem",
                    "-CAkey", "ca.key", "-CAcreateserial", "-days", "1",
                    "-extfile", f"{name}.ext", "-out", f"{name}.pem", cwd=d)

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def read(self, name):
        with open(os.path.join(self.dir.name, name), "rb") as f:
            return f.read()

    def area(self, target, credentials):
        with geosrpc.Client(target, credentials=credentials, timeout=10) as c:
            return c.compute("area", squares(2)).values.tolist()

    def test_tls(self):
        d = self.dir.name
        proc, target, _ = start(f"--tls_cert_file={d}/server.pem",
                                f"--tls_key_file={d}/server.key")
        try:
            tls = grpc.ssl_channel_credentials(root_certificates=self.read("ca.pem"))
            self.assertEqual(self.area(target, tls), [1.0, 1.0])
            with self.assertRaises(Exception):  # Plaintext is refused.
                self.area(target, None)
        finally:
            proc.terminate()
            self.assertEqual(proc.wait(timeout=30), 0)

    def test_mutual_tls_requires_a_client_certificate(self):
        d = self.dir.name
        proc, target, _ = start(f"--tls_cert_file={d}/server.pem",
                                f"--tls_key_file={d}/server.key",
                                f"--tls_client_ca_file={d}/ca.pem")
        try:
            anonymous = grpc.ssl_channel_credentials(
                root_certificates=self.read("ca.pem"))
            with self.assertRaises(geosrpc.ComputeError):
                self.area(target, anonymous)
            mutual = grpc.ssl_channel_credentials(
                root_certificates=self.read("ca.pem"),
                private_key=self.read("client.key"),
                certificate_chain=self.read("client.pem"))
            self.assertEqual(self.area(target, mutual), [1.0, 1.0])
        finally:
            proc.terminate()
            self.assertEqual(proc.wait(timeout=30), 0)

    def test_missing_key_is_a_startup_error(self):
        out = subprocess.run([os.environ["GEOSRPC_SERVER"],
                              f"--tls_cert_file={self.dir.name}/server.pem"],
                             capture_output=True, text=True)
        self.assertEqual(out.returncode, 1)
        self.assertIn("needs both tls_cert_file and tls_key_file", out.stderr)



_BUF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                    "proto", "check", "node_modules", ".bin", "buf")


@unittest.skipUnless(os.path.exists(_BUF),
                     "buf is not installed (npm ci in proto/check)")
class ReflectionTest(unittest.TestCase):
    """A generic tool, knowing no schema, calls the server by reflection."""

    def test_buf_curl_calls_health_check_by_reflection(self):
        proc, target, _ = start("--workers=1")
        try:
            def curl(*args):
                return subprocess.run(
                    [_BUF, "curl", "--protocol", "grpc",
                     "--http2-prior-knowledge", *args],
                    capture_output=True, text=True, timeout=60)
            listed = curl("--list-services", f"http://{target}")
            self.assertEqual(listed.returncode, 0, listed.stderr)
            self.assertIn("grpc.health.v1.Health", listed.stdout.split())
            for service in ("", "geosrpc.v1.GeometryService"):
                out = curl("-d", json.dumps({"service": service}),
                           f"http://{target}/grpc.health.v1.Health/Check")
                self.assertEqual(out.returncode, 0, out.stderr)
                self.assertEqual(json.loads(out.stdout), {"status": "SERVING"})
            ops = curl(f"http://{target}/geosrpc.v1.GeometryService/"
                       "ListOperations")
            self.assertEqual(ops.returncode, 0, ops.stderr)
            names = [op["name"] for op in json.loads(ops.stdout)["operations"]]
            self.assertIn("buffer", names)
        finally:
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=60), 0)

if __name__ == "__main__":
    unittest.main(verbosity=2)
