"""Build hook: compiles the cffi extension ``pyipvs._native`` from csrc/."""

from setuptools import setup

setup(cffi_modules=["src/pyipvs/_build_native.py:ffi"])
