# SPDX-License-Identifier: Apache-2.0
"""Active-active directors: the virtual servers' addresses announced by an existing BGP
speaker while they have quorum (``pyipvs_bgp``, docs/guide/active-active.rst)."""
