# SPDX-License-Identifier: Apache-2.0
"""``pyipvsadm``: ipvsadm 1.31's command line over :class:`pyipvs.Ipvs`.

:mod:`~pyipvs.cli.ipvsadm.main` is the entry point; :mod:`~pyipvs.cli.ipvsadm.options`
reads command lines as ipvsadm does (with :mod:`~pyipvs.cli.ipvsadm.popt`),
:mod:`~pyipvs.cli.ipvsadm.rules` turns them into value objects and operations, and
:mod:`~pyipvs.cli.ipvsadm.format` prints listings.
"""
