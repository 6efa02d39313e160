# SPDX-License-Identifier: Apache-2.0
"""``python -m pyipvs.cli.ipvsadm``: the same as ``pyipvsadm``."""

import sys

from pyipvs.cli.ipvsadm.main import main

sys.exit(main())
