"""Builds the geosrpc package with its gRPC stubs generated from the proto.

The stubs (geosrpc/v1/geometry_service_pb2*.py) are never committed: at
build time protoc and grpc_python_plugin write them into the build tree from
the repository's proto/ ($GEOSRPC_PROTO_ROOT to use another), or from the
proto/ directory a source distribution carries. Metadata: pyproject.toml.
"""

import os
import shutil
import subprocess
import sys

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO = "geosrpc/v1/geometry_service.proto"


def proto_root():
    for root in (os.environ.get("GEOSRPC_PROTO_ROOT"),
                 os.path.join(HERE, "proto"),
                 os.path.join(HERE, "..", "..", "proto")):
        if root and os.path.isfile(os.path.join(root, PROTO)):
            return root
    sys.exit(f"cannot find {PROTO}: set GEOSRPC_PROTO_ROOT to the directory "
             "that holds it (the repository's proto/)")


def tool(name, package):
    path = shutil.which(name)
    if path is None:
        sys.exit(f"{name} is needed to generate the gRPC stubs "
                 f"(Debian: apt-get install {package})")
    return path


class BuildWithStubs(build_py):
    """build_py, then the stubs into the build tree's geosrpc/v1/."""

    def run(self):
        super().run()
        out = self.build_lib
        os.makedirs(os.path.join(out, "geosrpc", "v1"), exist_ok=True)
        subprocess.check_call([
            tool("protoc", "protobuf-compiler"),
            f"--proto_path={proto_root()}", f"--python_out={out}",
            f"--grpc_out={out}",
            "--plugin=protoc-gen-grpc=" +
            tool("grpc_python_plugin", "protobuf-compiler-grpc"), PROTO])
        open(os.path.join(out, "geosrpc", "v1", "__init__.py"), "a").close()


class SdistWithProto(sdist):
    """A source distribution that carries the proto (it builds anywhere)."""

    def make_release_tree(self, base_dir, files):
        super().make_release_tree(base_dir, files)
        target = os.path.join(base_dir, "proto", os.path.dirname(PROTO))
        os.makedirs(target, exist_ok=True)
        shutil.copy(os.path.join(proto_root(), PROTO), target)


setup(cmdclass={"build_py": BuildWithStubs, "sdist": SdistWithProto})
