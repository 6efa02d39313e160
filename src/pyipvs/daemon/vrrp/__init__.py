# SPDX-License-Identifier: Apache-2.0
"""The VRRP child (-P): built from the configuration, it runs the instances and their tracking."""
