# SPDX-License-Identifier: Apache-2.0
"""What the children show of their state: status sockets, metrics, keepalived's dump files."""
