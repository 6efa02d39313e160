# SPDX-License-Identifier: Apache-2.0
"""keepalived's processes, built from the layers below: configuration -> checks -> IPVS."""
