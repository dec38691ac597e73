"""Optional compiled build: ``AQWAL_COMPILE=1 pip install --no-build-isolation .``

The default build is pure Python. With AQWAL_COMPILE=1 (and mypy installed in the build
environment), the hot modules are compiled with mypyc; behaviour is identical and the same
test suite runs against both builds.

Three generated modules have a variant for the compiled build in ``reference/compiled/aqwal``
(``python -m aqwal.codegen`` writes both): the value classes as mypyc native classes instead of
named tuples, and the decoder and JSON writer that build and read them (spec: TYP-16). The
compiled modules are assembled in ``build/compiled-src/aqwal`` — the package's sources with
those three in place of their namesakes — and compiled from there.
"""

import os
import shutil
from pathlib import Path

from setuptools import setup

COMPILED = [
    "types.py",
    "postcard.py",
    "postcard_codec.py",
    "codec.py",
    "frame.py",
    "json_writer.py",
    "postcard_json.py",
    "validation.py",
    "state.py",
    "reducer.py",
    "walfile.py",
]

HERE = Path(__file__).resolve().parent


def compiled_sources(target: Path) -> list[str]:
    """The package's sources with the compiled build's variants in place, in ``target``
    (replaced if it exists); the paths of the modules to compile."""
    package = target / "aqwal"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(
        HERE / "reference" / "aqwal", package, ignore=shutil.ignore_patterns("__pycache__")
    )
    for variant in sorted((HERE / "reference" / "compiled" / "aqwal").glob("*.py")):
        shutil.copyfile(variant, package / variant.name)
    return [str(package / name) for name in COMPILED]


ext_modules = []
if os.environ.get("AQWAL_COMPILE") == "1":
    from mypyc.build import mypycify

    ext_modules = mypycify(compiled_sources(HERE / "build" / "compiled-src"), opt_level="3")

setup(ext_modules=ext_modules)
