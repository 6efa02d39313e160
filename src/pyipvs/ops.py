# SPDX-License-Identifier: Apache-2.0
"""The batch operations at their historical public path: this name is :mod:`pyipvs.ipvs.ops`
itself (the same module object), so ``pyipvs.ops.X is pyipvs.ipvs.ops.X`` for every name."""

from __future__ import annotations

import sys

from pyipvs.ipvs import ops as _ops

sys.modules[__name__] = _ops
