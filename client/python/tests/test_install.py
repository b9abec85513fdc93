"""`pip install ./client/python` works offline with Debian's Python: the
package builds its gRPC stubs from the proto, installs into a venv, and
imports and calls the server from there without PYTHONPATH."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

from server_process import start_server

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(PACKAGE))


class InstallTest(unittest.TestCase):
    def test_pip_install_into_a_venv(self):
        with tempfile.TemporaryDirectory() as tmp:
            # A copy, so that the build leaves nothing in the source tree.
            shutil.copytree(PACKAGE, os.path.join(tmp, "client", "python"),
                            ignore=shutil.ignore_patterns(
                                "build", "*.egg-info", "__pycache__"))
            shutil.copytree(os.path.join(REPO, "proto", "geosrpc"),
                            os.path.join(tmp, "proto", "geosrpc"))
            venv = os.path.join(tmp, "venv")
            subprocess.run(["/usr/bin/python3", "-m", "venv",
                            "--system-site-packages", venv], check=True)
            python = os.path.join(venv, "bin", "python")
            env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
            env["PIP_NO_INDEX"] = "1"  # Offline: no registry at all.
            subprocess.run(
                [python, "-m", "pip", "install", "--quiet",
                 "--no-build-isolation", os.path.join(tmp, "client", "python")],
                check=True, cwd=tmp, env=env)
            server = start_server("--workers=1")
            try:
                out = subprocess.run(
                    [python, "-c",
                     "import sys, geosrpc\n"
                     "c = geosrpc.Client(sys.argv[1], timeout=30)\n"
                     "print(geosrpc.__file__)\n"
                     "print(c.area('POLYGON ((0 0, 2 0, 2 1, 0 0))')"
                     ".values[0])\n", server.target],
                    check=True, cwd=tmp, env=env, capture_output=True,
                    text=True).stdout.split()
            finally:
                server.proc.send_signal(signal.SIGTERM)
                server.proc.wait(timeout=60)
            self.assertTrue(out[0].startswith(venv), out[0])
            self.assertEqual(out[1], "1.0")


if __name__ == "__main__":
    unittest.main()
