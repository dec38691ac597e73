"""Optional compiled build: ``AQWAL_COMPILE=1 pip install --no-build-isolation .``

The default build is pure Python. With AQWAL_COMPILE=1 (and mypy installed in the build
environment), the hot modules are compiled with mypyc; behaviour is identical and the same
test suite runs against both builds.
"""

import os

from setuptools import setup

COMPILED = [
    "reference/aqwal/postcard.py",
    "reference/aqwal/postcard_codec.py",
    "reference/aqwal/codec.py",
    "reference/aqwal/frame.py",
    "reference/aqwal/json_writer.py",
    "reference/aqwal/postcard_json.py",
    "reference/aqwal/validation.py",
    "reference/aqwal/state.py",
    "reference/aqwal/reducer.py",
    "reference/aqwal/walfile.py",
]

ext_modules = []
if os.environ.get("AQWAL_COMPILE") == "1":
    from mypyc.build import mypycify

    ext_modules = mypycify(COMPILED, opt_level="3")

setup(ext_modules=ext_modules)
