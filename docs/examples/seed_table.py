# SPDX-License-Identifier: Apache-2.0
"""The landing page's example: the seed's virtual server, programmed and listed from Python."""

from pyipvs import Ipvs, RealServer, VirtualService

web = VirtualService("tcp", "192.168.0.1", 80, scheduler="wlc", persistence_timeout=50)
with Ipvs() as ipvs:
    ipvs.add_service(web)
    for address, weight in [("192.168.0.12", 20), ("192.168.0.13", 8)]:
        ipvs.add_real_server(web, RealServer(address, 80, weight=weight, forward="masq"))
    for vs, servers in ipvs.table().items():
        print(vs, vs.scheduler, vs.persistence_timeout)
        for rs in servers:
            print("  ->", rs.address, rs.forward, rs.weight, rs.active_connections)
