/* SPDX-License-Identifier: Apache-2.0 */
/* IPVS generic-netlink codec: flat structs <-> attributes (include/uapi/linux/ip_vs.h).
 *
 * The structs are what Python fills and reads in bulk (arrays, one loop), so they hold plain
 * host-order numbers; byte-order quirks of the wire (be16 ports, be32 IPv4 netmask, host-order
 * IPv6 prefix, be32 multicast group) live only in ipvs_codec.c. No syscalls, no allocation. */
#ifndef PYIPVS_IPVS_CODEC_H
#define PYIPVS_IPVS_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "nlmsg.h"

#define PYIPVS_IPVS_NAME_LEN 16 /* IP_VS_SCHEDNAME_MAXLEN, _PENAME_, _IFNAME_ (with NUL) */

struct pyipvs_ipvs_stats {
    uint64_t conns, inpkts, outpkts, inbytes, outbytes;
    uint64_t cps, inpps, outpps, inbps, outbps;
};

struct pyipvs_ipvs_svc {
    uint16_t af;        /* AF_INET / AF_INET6 */
    uint16_t protocol;  /* IPPROTO_*; 0 for fwmark services */
    uint8_t addr[16];   /* network order; IPv4 in the first 4 bytes */
    uint16_t port;      /* host order */
    uint32_t fwmark;    /* 0 = not a fwmark service */
    char sched_name[PYIPVS_IPVS_NAME_LEN];
    uint32_t flags;     /* IP_VS_SVC_F_* */
    uint32_t flags_mask;
    uint32_t timeout;   /* persistence timeout, seconds */
    uint32_t netmask;   /* IPv4: the mask as a host-order number (0xffffff00); IPv6: prefix */
    char pe_name[PYIPVS_IPVS_NAME_LEN];
    struct pyipvs_ipvs_stats stats;
};

struct pyipvs_ipvs_dest {
    uint16_t af;        /* DEST_ATTR_ADDR_FAMILY; 0 = the service's */
    uint8_t addr[16];
    uint16_t port;      /* host order */
    uint32_t fwd_method; /* IP_VS_CONN_F_MASQ .. BYPASS */
    uint32_t weight;
    uint32_t u_thresh, l_thresh;
    uint8_t tun_type;
    uint16_t tun_port;  /* host order */
    uint16_t tun_flags;
    /* Above: what configures the destination; below: what the kernel counts (a listing keeps
     * one Python template per distinct configuration, keyed by the fields above). */
    uint32_t active_conns, inact_conns, persist_conns;
    uint32_t svc;       /* in a table dump: index of the service in the service array */
    struct pyipvs_ipvs_stats stats;
};

struct pyipvs_ipvs_daemon {
    uint32_t state;     /* IP_VS_STATE_MASTER / BACKUP */
    char ifname[PYIPVS_IPVS_NAME_LEN];
    uint32_t syncid;
    uint16_t maxlen;    /* 0 = kernel default */
    uint16_t mcast_af;  /* 0 = no group given */
    uint8_t mcast_group[16];
    uint16_t mcast_port; /* 0 = default */
    uint8_t mcast_ttl;  /* 0 = default */
};

struct pyipvs_ipvs_timeouts {
    uint32_t tcp, tcp_fin, udp;
};

/* One command: cmd is IPVS_CMD_*; svc/dest index into caller arrays (-1: none). */
struct pyipvs_ipvs_op {
    uint8_t cmd;
    int32_t svc;
    int32_t dest;
    struct pyipvs_ipvs_timeouts timeouts; /* SET_CONFIG only */
};

/* Appends the request for op to mb (one whole message). Returns 0 or the sticky -EMSGSIZE. */
int pyipvs_ipvs_put_op(struct pyipvs_msgbuf *mb, uint16_t family, uint16_t flags, uint32_t seq,
                       const struct pyipvs_ipvs_op *op, const struct pyipvs_ipvs_svc *svcs,
                       const struct pyipvs_ipvs_dest *dests);
/* Attribute nests of one value object, for requests assembled from them (pyipvs.ops keeps each
 * service's and real server's nests and joins them behind a header): out gets the full nest
 * (what NEW/SET commands carry), then the key-only nest (what DEL, ZERO and destination commands
 * carry for a service, and DEL_DEST for a destination). *full_len is the first nest's length.
 * The struct comes as raw bytes (a Python bytes object, not necessarily aligned for it), len
 * of them. Returns the total length, -EINVAL when len is not the struct's size, or -EMSGSIZE. */
int pyipvs_ipvs_svc_nests(const uint8_t *svc, size_t len, uint8_t *out, size_t cap,
                          size_t *full_len);
int pyipvs_ipvs_dest_nests(const uint8_t *dest, size_t len, uint8_t *out, size_t cap,
                           size_t *full_len);
/* The top-level attributes of SET_CONFIG for t. Returns their length or -EMSGSIZE. */
int pyipvs_ipvs_timeout_attrs(const struct pyipvs_ipvs_timeouts *t, uint8_t *out, size_t cap);

/* Appends NEW_DAEMON / DEL_DAEMON for d. */
int pyipvs_ipvs_put_daemon(struct pyipvs_msgbuf *mb, uint16_t family, uint16_t flags,
                           uint32_t seq, uint8_t cmd, const struct pyipvs_ipvs_daemon *d);

/* Parsers of one reply message (nlh: the whole netlink message). Every attribute is optional;
 * unknown ones and padding are skipped. 0, or -EBADMSG. */
int pyipvs_ipvs_parse_svc(const struct nlmsghdr *nlh, struct pyipvs_ipvs_svc *out);
int pyipvs_ipvs_parse_dest(const struct nlmsghdr *nlh, struct pyipvs_ipvs_dest *out);
int pyipvs_ipvs_parse_daemon(const struct nlmsghdr *nlh, struct pyipvs_ipvs_daemon *out);
int pyipvs_ipvs_parse_timeouts(const struct nlmsghdr *nlh, struct pyipvs_ipvs_timeouts *out);

/* The genl command of a message (for parsers fed a whole buffer). */
uint8_t pyipvs_ipvs_msg_cmd(const struct nlmsghdr *nlh);

#endif
