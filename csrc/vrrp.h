/* SPDX-License-Identifier: Apache-2.0 */
/* VRRP advertisements: build, parse and validate VRRPv2 (RFC 3768) and VRRPv3 (RFC 5798,
 * RFC 9568) over IPv4 and IPv6.
 *
 * No allocation: callers own every buffer. Parsers read only inside [buf, buf + len) and trust
 * the IP length fields over the buffer length, so trailing Ethernet padding is ignored. */
#ifndef PYIPVS_VRRP_H
#define PYIPVS_VRRP_H

#include <stddef.h>
#include <stdint.h>

#define PYIPVS_VRRP_PROTOCOL 112
#define PYIPVS_VRRP_TTL 255
#define PYIPVS_VRRP_HEADER_LEN 8
#define PYIPVS_VRRP_AUTH_LEN 8
#define PYIPVS_VRRP_MAX_ADDRS 255
#define PYIPVS_VRRP_V3_MAX_INTERVAL 4095
#define PYIPVS_VRRP_IPV4_HEADER_LEN 20
#define PYIPVS_VRRP_IPV6_HEADER_LEN 40
/* The largest message: VRRPv3 over IPv6 with 255 addresses. */
#define PYIPVS_VRRP_MAX_MESSAGE (PYIPVS_VRRP_HEADER_LEN + PYIPVS_VRRP_MAX_ADDRS * 16)
#define PYIPVS_VRRP_MAX_PACKET (PYIPVS_VRRP_IPV6_HEADER_LEN + PYIPVS_VRRP_MAX_MESSAGE)

/* Why a receiver drops a packet. The parsers return 0 (accept) or the negated code. */
enum pyipvs_vrrp_drop {
    PYIPVS_VRRP_ACCEPT = 0,
    PYIPVS_VRRP_DROP_TRUNCATED = 1,  /* shorter than its IP header, IP length or VRRP header */
    PYIPVS_VRRP_DROP_IP_HEADER = 2,  /* IP version / header length / total length inconsistent */
    PYIPVS_VRRP_DROP_IP_CHECKSUM = 3,
    PYIPVS_VRRP_DROP_FRAGMENT = 4,
    PYIPVS_VRRP_DROP_PROTOCOL = 5,   /* IP protocol / next header is not 112 */
    PYIPVS_VRRP_DROP_TTL = 6,        /* TTL / hop limit is not 255 */
    PYIPVS_VRRP_DROP_VERSION = 7,
    PYIPVS_VRRP_DROP_TYPE = 8,
    PYIPVS_VRRP_DROP_LENGTH = 9,     /* message length disagrees with the address count */
    PYIPVS_VRRP_DROP_NO_ADDRESSES = 10,
    PYIPVS_VRRP_DROP_CHECKSUM = 11,
    PYIPVS_VRRP_DROP_VRID = 12,
    PYIPVS_VRRP_DROP_AUTH_TYPE = 13,
    PYIPVS_VRRP_DROP_AUTH_DATA = 14,
    PYIPVS_VRRP_DROP_INTERVAL = 15,
    PYIPVS_VRRP_DROP_ADDRESS_LIST = 16, /* only with PYIPVS_VRRP_F_STRICT_ADDRESSES */
    PYIPVS_VRRP_DROP_COUNT = 17
};

/* Receiver options (struct pyipvs_vrrp_expect.flags); all-zero is keepalived's default. */
#define PYIPVS_VRRP_F_V3_CHECKSUM_AS_V2 0x01   /* v3/IPv4 without pseudo-header (RFC 9568) */
#define PYIPVS_VRRP_F_CHECK_AUTH 0x02          /* v2: auth type and password must match */
#define PYIPVS_VRRP_F_CHECK_ADDRESSES 0x04     /* compare the list, report a mismatch */
#define PYIPVS_VRRP_F_STRICT_ADDRESSES 0x08    /* ... and drop it unless priority is 255 */
#define PYIPVS_VRRP_F_IGNORE_TTL 0x10          /* unicast peers: keepalived skips the check */

/* Findings that do not drop the packet (struct pyipvs_vrrp_advert.report). */
#define PYIPVS_VRRP_R_ADDRESS_MISMATCH 0x01
#define PYIPVS_VRRP_R_FIRST_NOT_LINK_LOCAL 0x02 /* v3/IPv6: RFC 5798 section 5.2.9 */

/* What the local virtual router is configured with. Zero fields are not checked. */
struct pyipvs_vrrp_expect {
    uint32_t flags;
    uint8_t version;     /* 2 or 3; 0 accepts both */
    uint8_t vrid;        /* 0 accepts any 1..255 */
    uint8_t v2_interval; /* seconds; 0 skips the v2 interval check */
    uint8_t auth_type;   /* with PYIPVS_VRRP_F_CHECK_AUTH */
    uint8_t auth_data[PYIPVS_VRRP_AUTH_LEN];
    /* With PYIPVS_VRRP_F_CHECK_ADDRESSES: the configured addresses of each family. */
    uint16_t naddrs4;
    uint16_t naddrs6;
    const uint8_t *addrs4; /* naddrs4 x 4 bytes, compared with IPv4 adverts */
    const uint8_t *addrs6; /* naddrs6 x 16 bytes, compared with IPv6 adverts */
};

/* One advertisement: the parsers' output and the builders' input. Addresses stay in the input
 * buffer (addrs_offset from its start); the builders take them as a separate argument. */
struct pyipvs_vrrp_advert {
    uint8_t version;
    uint8_t vrid;
    uint8_t priority;
    uint8_t naddrs;
    uint8_t auth_type;  /* v2 only; 0 for v3 */
    uint8_t family;     /* 4 or 6 */
    uint8_t hop_limit;
    uint8_t report;     /* PYIPVS_VRRP_R_* */
    uint16_t interval;  /* as on the wire: seconds (v2) or centiseconds (v3) */
    uint16_t checksum;  /* as on the wire, host order */
    uint16_t message_offset;
    uint16_t message_len;
    uint16_t addrs_offset;
    uint16_t reserved;
    uint8_t auth_data[PYIPVS_VRRP_AUTH_LEN];
    uint8_t src[16];    /* IPv4 addresses use the first 4 bytes */
    uint8_t dst[16];
};

/* A whole IPv4 or IPv6 packet, IP header included (what a raw IPv4 socket or a capture gives). */
int pyipvs_vrrp_parse_ip(const uint8_t *pkt, size_t len, const struct pyipvs_vrrp_expect *expect,
                         struct pyipvs_vrrp_advert *out);

/* The last accepted message of each VRID (up to PYIPVS_VRRP_RECENT_LEN bytes), so that a
 * caller can reuse what it decoded from an identical one: a master sends the same
 * advertisement every interval. Zero-initialise; one per parser, not shared between threads. */
#define PYIPVS_VRRP_RECENT_LEN 64
struct pyipvs_vrrp_recent {
    int64_t last_serial;  /* of the last message remembered, without its VRID bits */
    int64_t serial[256];  /* per VRID: the serial of the message held, 0 for none */
    uint16_t len[256];
    uint8_t msg[256][PYIPVS_VRRP_RECENT_LEN];
};

/* An accepted advert as the Python layer builds its value from it: one flat read of plain
 * numbers (host order, no padding), nothing that needs a further conversion in Python. */
struct pyipvs_vrrp_value {
    double advert_interval; /* seconds: v2 whole seconds, v3 centiseconds / 100 */
    uint32_t first_addr4;   /* the first address of an IPv4 advert as an integer; else 0 */
    uint16_t checksum;
    uint16_t addrs_offset;  /* from pkt; v2 auth data follows the addresses */
    uint8_t version;
    uint8_t vrid;
    uint8_t priority;
    uint8_t naddrs;
    uint8_t auth_type;
    uint8_t family;
    uint8_t hop_limit;
    uint8_t report;
};

/* pyipvs_vrrp_parse_ip into *out, and on acceptance *value from it (untouched otherwise),
 * remembering the message in *recent (may be NULL). Returns the negated drop code, or on
 * acceptance the message's serial: positive, its low 8 bits the VRID, and equal to the value
 * an earlier call returned exactly when that call accepted the same message bytes (which
 * determine every field of *value but hop_limit and report); 0 when not remembered (no
 * recent, or a message longer than PYIPVS_VRRP_RECENT_LEN). */
int64_t pyipvs_vrrp_parse_ip_value(const uint8_t *pkt, size_t len,
                                   const struct pyipvs_vrrp_expect *expect,
                                   struct pyipvs_vrrp_advert *out,
                                   struct pyipvs_vrrp_value *value,
                                   struct pyipvs_vrrp_recent *recent);

/* A bare VRRP message with the addresses and TTL / hop limit the socket reported (family 4
 * or 6; src and dst hold 4 or 16 bytes). */
int pyipvs_vrrp_parse_message(const uint8_t *msg, size_t len, int family, const uint8_t *src,
                              const uint8_t *dst, int hop_limit,
                              const struct pyipvs_vrrp_expect *expect,
                              struct pyipvs_vrrp_advert *out);

/* Parses count whole IP packets found at buf + offsets[i], lengths[i] bytes each (for receivers
 * draining a socket). Writes out[i] and reasons[i] (a pyipvs_vrrp_drop code) for each packet,
 * adds one to counts[reason] (PYIPVS_VRRP_DROP_COUNT entries, not cleared) and returns the
 * number accepted. Offsets and lengths outside buf count as truncated. offsets NULL: the
 * packets lie back to back from buf (the first at 0, each after the previous one's length). */
size_t pyipvs_vrrp_parse_batch(const uint8_t *buf, size_t buf_len, const uint32_t *offsets,
                               const uint32_t *lengths, size_t count,
                               const struct pyipvs_vrrp_expect *expect,
                               struct pyipvs_vrrp_advert *out, uint8_t *reasons,
                               uint32_t *counts);

/* The same for bare messages of one family (what an IPv6 raw socket gives): srcs and dsts hold
 * 16 bytes per message (IPv4 addresses in the first 4), hop_limits one byte per message. */
size_t pyipvs_vrrp_parse_message_batch(const uint8_t *buf, size_t buf_len,
                                       const uint32_t *offsets, const uint32_t *lengths,
                                       size_t count, int family, const uint8_t *srcs,
                                       const uint8_t *dsts, const uint8_t *hop_limits,
                                       const struct pyipvs_vrrp_expect *expect,
                                       struct pyipvs_vrrp_advert *out, uint8_t *reasons,
                                       uint32_t *counts);

/* Message length for a version, family and address count. */
size_t pyipvs_vrrp_message_len(int version, int family, int naddrs);

/* Builders: use version, vrid, priority, naddrs, auth_type, auth_data, family, interval and
 * (for the checksum) src / dst of *a; addrs holds naddrs addresses of the family. flags takes
 * PYIPVS_VRRP_F_V3_CHECKSUM_AS_V2. Return the length written, -EINVAL or -ENOSPC. */
int pyipvs_vrrp_build_message(const struct pyipvs_vrrp_advert *a, const uint8_t *addrs,
                              uint32_t flags, uint8_t *buf, size_t cap);
/* The whole packet: IPv4 (TOS 0xc0, TTL 255) or IPv6 (traffic class 0xc0, hop limit 255). */
int pyipvs_vrrp_build_ip(const struct pyipvs_vrrp_advert *a, const uint8_t *addrs,
                         uint32_t flags, uint8_t *buf, size_t cap);

#endif
