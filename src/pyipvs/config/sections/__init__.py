# SPDX-License-Identifier: Apache-2.0
"""One module per top-level keepalived.conf section: its keyword table and its parser."""
