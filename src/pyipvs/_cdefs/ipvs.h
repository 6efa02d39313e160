/* SPDX-License-Identifier: Apache-2.0 */
/* cffi declarations for csrc/ipvs.h, csrc/ipvs_codec.h, csrc/ipvs_batch.h */
#define PYIPVS_IPVS_NAME_LEN ...
#define PYIPVS_BATCH_NOT_RUN ...
#define PYIPVS_BATCH_UNKNOWN ...

int pyipvs_nl_get_buffers(struct pyipvs_nl *nl, int *rcvbuf, int *sndbuf);

struct pyipvs_ipvs_info {
    uint32_t version;
    uint32_t conn_tab_size;
};

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

struct pyipvs_ipvs_dump {
    uint32_t seq;
    int active;
    int done;
    size_t off, len;
    uint32_t next_svc;
};

struct pyipvs_ipvs_batch {
    uint16_t family_id;
    size_t max_msgs;
    uint8_t *sbuf;
    size_t scap;
    uint8_t *rbuf;
    size_t rcap;
    int stop_on_error;
    size_t chunks;
    size_t lost;
    size_t ran;
    size_t failed;
};

int pyipvs_ipvs_get_info(struct pyipvs_nl *nl, uint16_t family_id, struct pyipvs_ipvs_info *out,
                         uint8_t *rbuf, size_t rcap);
int pyipvs_ipvs_get_service(struct pyipvs_nl *nl, uint16_t family_id,
                            const struct pyipvs_ipvs_svc *key, struct pyipvs_ipvs_svc *out,
                            uint8_t *rbuf, size_t rcap);
int pyipvs_ipvs_get_timeouts(struct pyipvs_nl *nl, uint16_t family_id,
                             struct pyipvs_ipvs_timeouts *out, uint8_t *rbuf, size_t rcap);
int pyipvs_ipvs_daemon(struct pyipvs_nl *nl, uint16_t family_id, uint8_t cmd,
                       const struct pyipvs_ipvs_daemon *d, uint8_t *rbuf, size_t rcap);
int pyipvs_ipvs_get_daemons(struct pyipvs_nl *nl, uint16_t family_id,
                            struct pyipvs_ipvs_daemon *out, size_t cap, uint8_t *rbuf,
                            size_t rcap);
int pyipvs_ipvs_dump_services_start(struct pyipvs_nl *nl, uint16_t family_id,
                                    struct pyipvs_ipvs_dump *st);
int pyipvs_ipvs_dump_services(struct pyipvs_nl *nl, struct pyipvs_ipvs_dump *st, uint8_t *rbuf,
                              size_t rcap, struct pyipvs_ipvs_svc *out, size_t cap);
int pyipvs_ipvs_dump_dests(struct pyipvs_nl *nl, uint16_t family_id, struct pyipvs_ipvs_dump *st,
                           const struct pyipvs_ipvs_svc *svcs, size_t n_svcs, uint8_t *rbuf,
                           size_t rcap, struct pyipvs_ipvs_dest *out, size_t cap);
int pyipvs_ipvs_requests_check(const uint8_t *reqs, size_t len, size_t n);
int pyipvs_ipvs_batch_run(struct pyipvs_nl *nl, struct pyipvs_ipvs_batch *b, const uint8_t *reqs,
                          size_t len, size_t n, int32_t *results);
int pyipvs_ipvs_request(struct pyipvs_nl *nl, uint16_t family_id, const uint8_t *req, size_t len,
                        uint8_t *rbuf, size_t rcap);

/* Codec entry points, for unit tests (encode a request, parse a reply) without a kernel. */
struct pyipvs_msgbuf {
    uint8_t *buf;
    size_t cap;
    size_t len;
    size_t msg_start;
    int error;
};
void pyipvs_mb_init(struct pyipvs_msgbuf *mb, uint8_t *buf, size_t cap);
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
