/* SPDX-License-Identifier: Apache-2.0 */
/* Gratuitous ARP and unsolicited neighbour advertisement frames. */
#include "garp.h"

#include <errno.h>
#include <string.h>

#include "checksum.h"

#define ETH_HEADER_LEN 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV6 0x86dd
#define ARP_HTYPE_ETHERNET 1
#define ARP_OP_REQUEST 1
#define IPPROTO_ICMPV6_ 58
#define ND_NEIGHBOR_ADVERT 136
#define ND_OPT_TARGET_LINKADDR 2
#define NA_FLAG_ROUTER 0x80
#define NA_FLAG_OVERRIDE 0x20
#define NA_LEN 24
#define NA_OPTION_LEN 8

/* ff02::1, all nodes, and its multicast MAC 33:33:00:00:00:01 (RFC 2464 section 7). */
static const uint8_t ALL_NODES[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_ethernet(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
    memcpy(p, dst, 6);
    memcpy(p + 6, src, 6);
    put_be16(p + 12, type);
}

int pyipvs_garp_build(const uint8_t mac[6], const uint8_t ip[4], uint8_t *buf, size_t cap)
{
    static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint8_t *arp = buf + ETH_HEADER_LEN;

    if (cap < PYIPVS_GARP_FRAME_LEN)
        return -ENOSPC;
    put_ethernet(buf, broadcast, mac, ETHERTYPE_ARP);
    put_be16(arp, ARP_HTYPE_ETHERNET);
    put_be16(arp + 2, ETHERTYPE_IPV4);
    arp[4] = 6;
    arp[5] = 4;
    /* RFC 3768 section 6.4.1 / RFC 5798 section 6.4.1 say "broadcast a gratuitous ARP
     * request"; RFC 5227 section 3 defines it: sender = target = the address, and the
     * target hardware address, ignored, is zero (RFC 5227 section 2.3). */
    put_be16(arp + 6, ARP_OP_REQUEST);
    memcpy(arp + 8, mac, 6);
    memcpy(arp + 14, ip, 4);
    memset(arp + 18, 0, 6);
    memcpy(arp + 24, ip, 4);
    return PYIPVS_GARP_FRAME_LEN;
}

static void put_ipv6_header(uint8_t *h, const uint8_t src[16], uint16_t payload)
{
    memset(h, 0, 4);
    h[0] = 0x60;
    put_be16(h + 4, payload);
    h[6] = IPPROTO_ICMPV6_;
    h[7] = 255; /* RFC 4861 section 7.1.2: receivers drop NAs whose hop limit is not 255 */
    memcpy(h + 8, src, 16);
    memcpy(h + 24, ALL_NODES, 16);
}

int pyipvs_una_build(const uint8_t mac[6], const uint8_t src[16], const uint8_t target[16],
                     int router, uint8_t *buf, size_t cap)
{
    static const uint8_t all_nodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
    uint8_t *ip6 = buf + ETH_HEADER_LEN;
    uint8_t *na = ip6 + 40;
    uint16_t na_len = NA_LEN + NA_OPTION_LEN;

    if (cap < PYIPVS_UNA_FRAME_LEN)
        return -ENOSPC;
    put_ethernet(buf, all_nodes_mac, mac, ETHERTYPE_IPV6);
    put_ipv6_header(ip6, src, na_len);
    memset(na, 0, NA_LEN);
    na[0] = ND_NEIGHBOR_ADVERT;
    /* RFC 5798 section 6.4.1: unsolicited NA with Override set (Solicited clear, RFC 4861
     * section 7.2.6) and Router set when the virtual router forwards. */
    na[4] = (uint8_t)(NA_FLAG_OVERRIDE | (router ? NA_FLAG_ROUTER : 0));
    memcpy(na + 8, target, 16);
    /* RFC 4861 section 4.6.1: target link-layer address option, length in units of 8 bytes. */
    na[24] = ND_OPT_TARGET_LINKADDR;
    na[25] = 1;
    memcpy(na + 26, mac, 6);
    put_be16(na + 2, pyipvs_ipv6_pseudo_checksum(src, ALL_NODES, IPPROTO_ICMPV6_, na, na_len));
    return PYIPVS_UNA_FRAME_LEN;
}
