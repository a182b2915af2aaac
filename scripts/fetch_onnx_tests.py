#!/usr/bin/env python3
"""Finds the ONNX backend node tests for the conformance runner and prints their directory.

    PY=$(scripts/venv.sh | tail -1)
    NODE_TESTS=$($PY scripts/fetch_onnx_tests.py | tail -1)
    swift run qscope-conformance "$NODE_TESTS" --exclusions Tests/conformance-exclusions.txt

onnx==1.22.0 is the last wheel that ships onnx/backend/test/data/node/ (one folder per test: model.onnx and
test_data_set_0/{input,output}_N.pb). When the running python has that onnx installed (the project venv
does), the directory inside its site-packages is printed. Otherwise, or with --unpack, the wheel is
downloaded with `pip download --no-deps` into .cache/wheels/ and the tests are unpacked into
.cache/onnx-node-tests/ (idempotent). The last line printed is always the directory.
"""

import glob
import os
import subprocess
import sys
import zipfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
WHEELS = os.path.join(ROOT, ".cache", "wheels")
UNPACKED = os.path.join(ROOT, ".cache", "onnx-node-tests")
VERSION = "1.22.0"
PREFIX = "onnx/backend/test/data/node/"
# onnx wheels are compiled; the test data is the same in all of them, so one platform is requested always.
WHEEL_GLOB = f"onnx-{VERSION}-cp311-cp311-manylinux*x86_64*.whl"
PLATFORM = ["--platform", "manylinux_2_28_x86_64", "--python-version", "3.11", "--implementation", "cp"]


def fail(message):
    sys.exit(f"fetch_onnx_tests.py: {message}")


def installed_tests():
    """The node-test directory of the importable onnx package when it is version 1.22.0, else None."""
    try:
        import onnx
    except ImportError:
        return None
    if onnx.__version__ != VERSION:
        print(f"installed onnx is {onnx.__version__}, not {VERSION}: using the {VERSION} wheel instead",
              file=sys.stderr)
        return None
    path = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "node")
    return path if os.path.isdir(path) else None


def download_wheel():
    found = sorted(glob.glob(os.path.join(WHEELS, WHEEL_GLOB)))
    if found:
        return found[0]
    os.makedirs(WHEELS, exist_ok=True)
    print(f"downloading onnx=={VERSION} into {os.path.relpath(WHEELS, ROOT)}/", file=sys.stderr)
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
               "--only-binary=:all:", "--dest", WHEELS, *PLATFORM, f"onnx=={VERSION}"]
    try:
        subprocess.run(command, check=True)
    except subprocess.CalledProcessError as e:
        fail(f"`pip download onnx=={VERSION}` failed (exit code {e.returncode}); network access to PyPI is "
             f"needed once. Command: {' '.join(command)}")
    found = sorted(glob.glob(os.path.join(WHEELS, WHEEL_GLOB)))
    if not found:
        fail(f"pip reported success but no wheel matching {WHEEL_GLOB} is in {WHEELS}")
    return found[0]


def unpack():
    """Unpacks the wheel's node tests into .cache/onnx-node-tests/ (skipping files already there)."""
    marker = os.path.join(UNPACKED, ".complete")
    if os.path.exists(marker):
        return UNPACKED
    path = download_wheel()
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        fail(f"{path} is not a valid wheel (interrupted download?); delete it and rerun")
    count = 0
    with archive:
        for info in archive.infolist():
            if not info.filename.startswith(PREFIX) or info.is_dir():
                continue
            relative = info.filename[len(PREFIX):]
            if ".." in relative.split("/"):
                continue  # never write outside the target directory
            target = os.path.join(UNPACKED, relative)
            if os.path.exists(target) and os.path.getsize(target) == info.file_size:
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with archive.open(info) as source, open(target, "wb") as out:
                out.write(source.read())
            count += 1
    if not os.path.isdir(UNPACKED) or not os.listdir(UNPACKED):
        fail(f"{os.path.basename(path)} holds no {PREFIX}; is it really onnx {VERSION}?")
    open(marker, "w").close()  # written last: an interrupted unpack is resumed next time
    print(f"unpacked {count} files into {os.path.relpath(UNPACKED, ROOT)}/", file=sys.stderr)
    return UNPACKED


def main():
    force_unpack = "--unpack" in sys.argv[1:]
    unknown = [a for a in sys.argv[1:] if a != "--unpack"]
    if unknown:
        fail(f"unknown argument(s) {' '.join(unknown)}; usage: fetch_onnx_tests.py [--unpack]")
    path = None if force_unpack else installed_tests()
    if path is None:
        path = unpack()
    tests = [d for d in os.listdir(path) if os.path.isfile(os.path.join(path, d, "model.onnx"))]
    print(f"{len(tests)} ONNX backend node tests (onnx {VERSION}) in:", file=sys.stderr)
    print(path)


if __name__ == "__main__":
    main()
