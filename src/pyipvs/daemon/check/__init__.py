# SPDX-License-Identifier: Apache-2.0
"""The checker child (-C): checkers built from the configuration driving the IPVS table."""
