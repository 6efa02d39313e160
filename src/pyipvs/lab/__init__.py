# SPDX-License-Identifier: Apache-2.0
"""``pyipvs-lab``: the seed chapter's scenario built in network namespaces and run live.

- :mod:`pyipvs.lab.seed`: the seed's keepalived.conf and the few edits the lab makes to it.
- :mod:`pyipvs.lab.topology`: client, lb1, lb2, rs1, rs2 and the two LANs between them.
- :mod:`pyipvs.lab.daemons`: keepalived 2.2.7 or pyipvs-keepalived on each load balancer.
- :mod:`pyipvs.lab.observe`: who is master, the IPVS tables, the events, sampled live.
- :mod:`pyipvs.lab.scenario`: the phases (split, failover, a dead real server, sorry server).
- :mod:`pyipvs.lab.view`: the refreshing terminal view and the JSON documents.
"""
