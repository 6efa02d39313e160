/* SPDX-License-Identifier: Apache-2.0 */
/* The frames a new VRRP master sends so that neighbours and switches learn where its virtual
 * addresses now live: gratuitous ARP (IPv4) and unsolicited neighbour advertisement (IPv6).
 * Whole Ethernet frames, written into caller-owned buffers. */
#ifndef PYIPVS_GARP_H
#define PYIPVS_GARP_H

#include <stddef.h>
#include <stdint.h>

#define PYIPVS_GARP_FRAME_LEN 42 /* Ethernet 14 + ARP 28; the NIC pads to the minimum */
#define PYIPVS_UNA_FRAME_LEN 86  /* Ethernet 14 + IPv6 40 + NA 24 + target link-layer option 8 */

/* ARP request from mac, sender = target = ip, to the broadcast address. Returns the length or
 * -ENOSPC. */
int pyipvs_garp_build(const uint8_t mac[6], const uint8_t ip[4], uint8_t *buf, size_t cap);

/* Unsolicited NA for target, from src (the interface's link-local address) and mac, to ff02::1,
 * with the Override flag, the Router flag when router is non-zero, and a target link-layer
 * address option carrying mac. Returns the length or -ENOSPC. */
int pyipvs_una_build(const uint8_t mac[6], const uint8_t src[16], const uint8_t target[16],
                     int router, uint8_t *buf, size_t cap);

#endif
