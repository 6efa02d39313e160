# SPDX-License-Identifier: Apache-2.0
"""``pyipvs-lab``: the seed chapter's scenario built in network namespaces and run live.

- :mod:`pyipvs.lab.seed`: the seed's keepalived.conf and the few edits the lab makes to it.
- :mod:`pyipvs.lab.topology`: client, lb1, lb2, rs1, rs2 and the two LANs between them.
- :mod:`pyipvs.lab.webserver`, :mod:`pyipvs.lab.client`: the pages, and the requests made
  from the client's namespace.
- :mod:`pyipvs.lab.daemons`: keepalived 2.2.7 or pyipvs-keepalived on each load balancer.
- :mod:`pyipvs.lab.lab`: all of it started, and taken down again.
- :mod:`pyipvs.lab.observe`: who is master, the IPVS tables, the events, sampled live.
- :mod:`pyipvs.lab.bounds`: what the configuration promises (split, failover, checker limits).
- :mod:`pyipvs.lab.scenario`: the phases (split, listing, failover, a dead real server, sorry).
- :mod:`pyipvs.lab.view`, :mod:`pyipvs.lab.summary`: the terminal view and the verdicts.
- :mod:`pyipvs.lab.main`: the command line.
"""
