# SPDX-License-Identifier: Apache-2.0
"""The thin layer over ``pyipvs._native``: one module per C concern, return codes checked.

Only this package imports the compiled module; it hands plain Python values upwards, never
cffi objects.
"""
