/* SPDX-License-Identifier: Apache-2.0 */
/* cffi declarations for csrc/ipvs_codec.h */
#define PYIPVS_IPVS_NAME_LEN ...

struct pyipvs_ipvs_stats {
    uint64_t conns, inpkts, outpkts, inbytes, outbytes;
    uint64_t cps, inpps, outpps, inbps, outbps;
};

struct pyipvs_ipvs_svc {
    uint16_t af;
    uint16_t protocol;
    uint8_t addr[16];
    uint16_t port;
    uint32_t fwmark;
    char sched_name[16];
    uint32_t flags;
    uint32_t flags_mask;
    uint32_t timeout;
    uint32_t netmask;
    char pe_name[16];
    struct pyipvs_ipvs_stats stats;
};

struct pyipvs_ipvs_dest {
    uint16_t af;
    uint8_t addr[16];
    uint16_t port;
    uint32_t fwd_method;
    uint32_t weight;
    uint32_t u_thresh, l_thresh;
    uint8_t tun_type;
    uint16_t tun_port;
    uint16_t tun_flags;
    uint32_t active_conns, inact_conns, persist_conns;
    uint32_t svc;
    struct pyipvs_ipvs_stats stats;
};

struct pyipvs_ipvs_daemon {
    uint32_t state;
    char ifname[16];
    uint32_t syncid;
    uint16_t maxlen;
    uint16_t mcast_af;
    uint8_t mcast_group[16];
    uint16_t mcast_port;
    uint8_t mcast_ttl;
};

struct pyipvs_ipvs_timeouts {
    uint32_t tcp, tcp_fin, udp;
};

struct pyipvs_ipvs_op {
    uint8_t cmd;
    int32_t svc;
    int32_t dest;
    struct pyipvs_ipvs_timeouts timeouts;
};

/* Entry points for unit tests (encode a request, parse a reply) without a kernel. */
int pyipvs_ipvs_put_op(struct pyipvs_msgbuf *mb, uint16_t family, uint16_t flags, uint32_t seq,
                       const struct pyipvs_ipvs_op *op, const struct pyipvs_ipvs_svc *svcs,
                       const struct pyipvs_ipvs_dest *dests);
int pyipvs_ipvs_svc_nests(const uint8_t *svc, size_t len, uint8_t *out, size_t cap,
                          size_t *full_len);
int pyipvs_ipvs_dest_nests(const uint8_t *dest, size_t len, uint8_t *out, size_t cap,
                           size_t *full_len);
int pyipvs_ipvs_timeout_attrs(const struct pyipvs_ipvs_timeouts *t, uint8_t *out, size_t cap);
int pyipvs_ipvs_put_daemon(struct pyipvs_msgbuf *mb, uint16_t family, uint16_t flags,
                           uint32_t seq, uint8_t cmd, const struct pyipvs_ipvs_daemon *d);
int pyipvs_ipvs_parse_svc(const void *nlh, struct pyipvs_ipvs_svc *out);
int pyipvs_ipvs_parse_dest(const void *nlh, struct pyipvs_ipvs_dest *out);
int pyipvs_ipvs_parse_daemon(const void *nlh, struct pyipvs_ipvs_daemon *out);
int pyipvs_ipvs_parse_timeouts(const void *nlh, struct pyipvs_ipvs_timeouts *out);
