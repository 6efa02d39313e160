/* SPDX-License-Identifier: Apache-2.0 */
/* IPVS attribute encoding and decoding (see ipvs_codec.h). Attribute numbers and encodings:
 * include/uapi/linux/ip_vs.h and the kernel's ip_vs_genl_parse_* / ip_vs_genl_fill_*. */
#include "ipvs_codec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/ip_vs.h>

static size_t addr_len(uint16_t af)
{
    return af == AF_INET6 ? 16 : 4;
}

/* The identifying part of a service: AF plus FWMARK, or PROTOCOL + ADDR + PORT. */
static void put_svc_key(struct pyipvs_msgbuf *mb, const struct pyipvs_ipvs_svc *s)
{
    pyipvs_mb_put_u16(mb, IPVS_SVC_ATTR_AF, s->af);
    if (s->fwmark) {
        pyipvs_mb_put_u32(mb, IPVS_SVC_ATTR_FWMARK, s->fwmark);
        return;
    }
    pyipvs_mb_put_u16(mb, IPVS_SVC_ATTR_PROTOCOL, s->protocol);
    pyipvs_mb_put(mb, IPVS_SVC_ATTR_ADDR, s->addr, addr_len(s->af));
    pyipvs_mb_put_u16(mb, IPVS_SVC_ATTR_PORT, htons(s->port));
}

static void put_svc(struct pyipvs_msgbuf *mb, const struct pyipvs_ipvs_svc *s, int full)
{
    size_t nest = pyipvs_mb_nest_begin(mb, IPVS_CMD_ATTR_SERVICE);

    put_svc_key(mb, s);
    if (full) {
        struct ip_vs_flags flags = {.flags = s->flags, .mask = s->flags_mask};
        /* IPv4: a be32 mask; IPv6: a prefix length in host order (ip_vs_genl_parse_service). */
        uint32_t netmask = s->af == AF_INET6 ? s->netmask : htonl(s->netmask);

        pyipvs_mb_put_strz(mb, IPVS_SVC_ATTR_SCHED_NAME, s->sched_name);
        if (s->pe_name[0])
            pyipvs_mb_put_strz(mb, IPVS_SVC_ATTR_PE_NAME, s->pe_name);
        pyipvs_mb_put(mb, IPVS_SVC_ATTR_FLAGS, &flags, sizeof(flags));
        pyipvs_mb_put_u32(mb, IPVS_SVC_ATTR_TIMEOUT, s->timeout);
        pyipvs_mb_put_u32(mb, IPVS_SVC_ATTR_NETMASK, netmask);
    }
    pyipvs_mb_nest_end(mb, nest);
}

static void put_dest(struct pyipvs_msgbuf *mb, const struct pyipvs_ipvs_dest *d,
                     uint16_t svc_af, int full)
{
    size_t nest = pyipvs_mb_nest_begin(mb, IPVS_CMD_ATTR_DEST);
    uint16_t af = d->af ? d->af : svc_af;

    pyipvs_mb_put(mb, IPVS_DEST_ATTR_ADDR, d->addr, addr_len(af));
    pyipvs_mb_put_u16(mb, IPVS_DEST_ATTR_PORT, htons(d->port));
    pyipvs_mb_put_u16(mb, IPVS_DEST_ATTR_ADDR_FAMILY, af);
    if (full) {
        pyipvs_mb_put_u32(mb, IPVS_DEST_ATTR_FWD_METHOD, d->fwd_method & IP_VS_CONN_F_FWD_MASK);
        pyipvs_mb_put_u32(mb, IPVS_DEST_ATTR_WEIGHT, d->weight);
        pyipvs_mb_put_u32(mb, IPVS_DEST_ATTR_U_THRESH, d->u_thresh);
        pyipvs_mb_put_u32(mb, IPVS_DEST_ATTR_L_THRESH, d->l_thresh);
        pyipvs_mb_put_u8(mb, IPVS_DEST_ATTR_TUN_TYPE, d->tun_type);
        pyipvs_mb_put_u16(mb, IPVS_DEST_ATTR_TUN_PORT, htons(d->tun_port));
        pyipvs_mb_put_u16(mb, IPVS_DEST_ATTR_TUN_FLAGS, d->tun_flags);
    }
    pyipvs_mb_nest_end(mb, nest);
}

static void put_timeouts(struct pyipvs_msgbuf *mb, const struct pyipvs_ipvs_timeouts *t)
{
    pyipvs_mb_put_u32(mb, IPVS_CMD_ATTR_TIMEOUT_TCP, t->tcp);
    pyipvs_mb_put_u32(mb, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, t->tcp_fin);
    pyipvs_mb_put_u32(mb, IPVS_CMD_ATTR_TIMEOUT_UDP, t->udp);
}

static int svc_needed(uint8_t cmd)
{
    return cmd != IPVS_CMD_FLUSH && cmd != IPVS_CMD_SET_CONFIG && cmd != IPVS_CMD_GET_CONFIG &&
           cmd != IPVS_CMD_GET_INFO;
}

int pyipvs_ipvs_put_op(struct pyipvs_msgbuf *mb, uint16_t family, uint16_t flags, uint32_t seq,
                       const struct pyipvs_ipvs_op *op, const struct pyipvs_ipvs_svc *svcs,
                       const struct pyipvs_ipvs_dest *dests)
{
    const struct pyipvs_ipvs_svc *svc = op->svc >= 0 ? &svcs[op->svc] : NULL;
    uint8_t cmd = op->cmd;

    pyipvs_mb_genl_begin(mb, family, flags, seq, cmd, IPVS_GENL_VERSION);
    if (svc && svc_needed(cmd))
        put_svc(mb, svc, cmd == IPVS_CMD_NEW_SERVICE || cmd == IPVS_CMD_SET_SERVICE);
    if (op->dest >= 0 && svc)
        put_dest(mb, &dests[op->dest], svc->af, cmd == IPVS_CMD_NEW_DEST || cmd == IPVS_CMD_SET_DEST);
    if (cmd == IPVS_CMD_SET_CONFIG)
        put_timeouts(mb, &op->timeouts);
    return pyipvs_mb_end(mb);
}

int pyipvs_ipvs_svc_nests(const uint8_t *svc, size_t len, uint8_t *out, size_t cap,
                          size_t *full_len)
{
    struct pyipvs_ipvs_svc s;
    struct pyipvs_msgbuf mb;

    if (len != sizeof(s))
        return -EINVAL;
    memcpy(&s, svc, sizeof(s));
    pyipvs_mb_init(&mb, out, cap);
    put_svc(&mb, &s, 1);
    *full_len = mb.len;
    put_svc(&mb, &s, 0);
    return mb.error ? mb.error : (int)mb.len;
}

int pyipvs_ipvs_dest_nests(const uint8_t *dest, size_t len, uint8_t *out, size_t cap,
                           size_t *full_len)
{
    struct pyipvs_ipvs_dest d;
    struct pyipvs_msgbuf mb;

    if (len != sizeof(d))
        return -EINVAL;
    memcpy(&d, dest, sizeof(d));
    pyipvs_mb_init(&mb, out, cap);
    put_dest(&mb, &d, d.af, 1);
    *full_len = mb.len;
    put_dest(&mb, &d, d.af, 0);
    return mb.error ? mb.error : (int)mb.len;
}

int pyipvs_ipvs_timeout_attrs(const struct pyipvs_ipvs_timeouts *t, uint8_t *out, size_t cap)
{
    struct pyipvs_msgbuf mb;

    pyipvs_mb_init(&mb, out, cap);
    put_timeouts(&mb, t);
    return mb.error ? mb.error : (int)mb.len;
}

int pyipvs_ipvs_put_daemon(struct pyipvs_msgbuf *mb, uint16_t family, uint16_t flags,
                           uint32_t seq, uint8_t cmd, const struct pyipvs_ipvs_daemon *d)
{
    size_t nest;

    pyipvs_mb_genl_begin(mb, family, flags, seq, cmd, IPVS_GENL_VERSION);
    nest = pyipvs_mb_nest_begin(mb, IPVS_CMD_ATTR_DAEMON);
    pyipvs_mb_put_u32(mb, IPVS_DAEMON_ATTR_STATE, d->state);
    if (cmd == IPVS_CMD_NEW_DAEMON) {
        pyipvs_mb_put_strz(mb, IPVS_DAEMON_ATTR_MCAST_IFN, d->ifname);
        pyipvs_mb_put_u32(mb, IPVS_DAEMON_ATTR_SYNC_ID, d->syncid);
        if (d->maxlen)
            pyipvs_mb_put_u16(mb, IPVS_DAEMON_ATTR_SYNC_MAXLEN, d->maxlen);
        if (d->mcast_af == AF_INET) /* be32 in_addr, straight from the address bytes */
            pyipvs_mb_put(mb, IPVS_DAEMON_ATTR_MCAST_GROUP, d->mcast_group, 4);
        else if (d->mcast_af == AF_INET6)
            pyipvs_mb_put(mb, IPVS_DAEMON_ATTR_MCAST_GROUP6, d->mcast_group, 16);
        if (d->mcast_port)
            pyipvs_mb_put_u16(mb, IPVS_DAEMON_ATTR_MCAST_PORT, d->mcast_port);
        if (d->mcast_ttl)
            pyipvs_mb_put_u8(mb, IPVS_DAEMON_ATTR_MCAST_TTL, d->mcast_ttl);
    } else if (d->syncid != UINT32_MAX) {
        pyipvs_mb_put_u32(mb, IPVS_DAEMON_ATTR_SYNC_ID, d->syncid);
    }
    pyipvs_mb_nest_end(mb, nest);
    return pyipvs_mb_end(mb);
}

/* ---- decoding ---- */

/* An unsigned number of 1, 2, 4 or 8 bytes (STATS mixes u32 and u64). Absent: left alone. */
static int get_uint(const struct nlattr *attr, uint64_t *out)
{
    const uint8_t *p;

    if (!attr)
        return 0;
    p = pyipvs_attr_data(attr);
    switch (pyipvs_attr_len(attr)) {
    case 1: *out = *p; return 0;
    case 2: { uint16_t v; memcpy(&v, p, 2); *out = v; return 0; }
    case 4: { uint32_t v; memcpy(&v, p, 4); *out = v; return 0; }
    case 8: { uint64_t v; memcpy(&v, p, 8); *out = v; return 0; }
    default: return -EBADMSG;
    }
}

static int get_u32(const struct nlattr *attr, uint32_t *out)
{
    uint64_t v = *out;
    int rc = get_uint(attr, &v);

    *out = (uint32_t)v;
    return rc;
}

static int get_u16(const struct nlattr *attr, uint16_t *out)
{
    uint64_t v = *out;
    int rc = get_uint(attr, &v);

    *out = (uint16_t)v;
    return rc;
}

static int get_be16(const struct nlattr *attr, uint16_t *out)
{
    uint16_t v;

    if (!attr)
        return 0;
    if (pyipvs_attr_u16(attr, &v))
        return -EBADMSG;
    *out = ntohs(v);
    return 0;
}

static int get_addr(const struct nlattr *attr, uint8_t out[16])
{
    size_t len;

    if (!attr)
        return 0;
    len = pyipvs_attr_len(attr);
    if (len > 16)
        return -EBADMSG;
    memset(out, 0, 16);
    memcpy(out, pyipvs_attr_data(attr), len);
    return 0;
}

static int get_str(const struct nlattr *attr, char *out, size_t cap)
{
    return attr ? pyipvs_attr_str(attr, out, cap) : 0;
}

static int parse_stats(const struct nlattr *nest, struct pyipvs_ipvs_stats *out)
{
    const struct nlattr *tb[IPVS_STATS_ATTR_MAX + 1];
    uint64_t *fields[] = {&out->conns, &out->inpkts, &out->outpkts, &out->inbytes,
                          &out->outbytes, &out->cps, &out->inpps, &out->outpps,
                          &out->inbps, &out->outbps};
    int i, rc = 0;

    if (!nest)
        return 0;
    /* IPVS_STATS_ATTR_PAD (zero-length alignment filler) is skipped by the parser. */
    if (pyipvs_attr_parse(pyipvs_attr_data(nest), pyipvs_attr_len(nest), tb, IPVS_STATS_ATTR_MAX))
        return -EBADMSG;
    for (i = 0; i < 10; i++)
        rc |= get_uint(tb[IPVS_STATS_ATTR_CONNS + i], fields[i]);
    return rc ? -EBADMSG : 0;
}

/* Finds the nested top-level attribute `type` of a genl message. */
static const struct nlattr *top_nest(const struct nlmsghdr *nlh, int type,
                                     const struct nlattr **tb)
{
    const uint8_t *payload = (const uint8_t *)NLMSG_DATA(nlh) + GENL_HDRLEN;

    if (nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
        return NULL;
    if (pyipvs_attr_parse(payload, nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), tb,
                          IPVS_CMD_ATTR_MAX))
        return NULL;
    return tb[type];
}

uint8_t pyipvs_ipvs_msg_cmd(const struct nlmsghdr *nlh)
{
    const struct genlmsghdr *genl = NLMSG_DATA(nlh);

    return nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN) ? 0 : genl->cmd;
}

int pyipvs_ipvs_parse_svc(const struct nlmsghdr *nlh, struct pyipvs_ipvs_svc *out)
{
    const struct nlattr *top[IPVS_CMD_ATTR_MAX + 1], *tb[IPVS_SVC_ATTR_MAX + 1];
    const struct nlattr *nest = top_nest(nlh, IPVS_CMD_ATTR_SERVICE, top);
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (!nest || pyipvs_attr_parse(pyipvs_attr_data(nest), pyipvs_attr_len(nest), tb,
                                   IPVS_SVC_ATTR_MAX))
        return -EBADMSG;
    rc |= get_u16(tb[IPVS_SVC_ATTR_AF], &out->af);
    rc |= get_u16(tb[IPVS_SVC_ATTR_PROTOCOL], &out->protocol);
    rc |= get_addr(tb[IPVS_SVC_ATTR_ADDR], out->addr);
    rc |= get_be16(tb[IPVS_SVC_ATTR_PORT], &out->port);
    rc |= get_u32(tb[IPVS_SVC_ATTR_FWMARK], &out->fwmark);
    rc |= get_str(tb[IPVS_SVC_ATTR_SCHED_NAME], out->sched_name, sizeof(out->sched_name));
    rc |= get_str(tb[IPVS_SVC_ATTR_PE_NAME], out->pe_name, sizeof(out->pe_name));
    rc |= get_u32(tb[IPVS_SVC_ATTR_TIMEOUT], &out->timeout);
    if (tb[IPVS_SVC_ATTR_FLAGS]) {
        struct ip_vs_flags flags;

        if (pyipvs_attr_len(tb[IPVS_SVC_ATTR_FLAGS]) != sizeof(flags))
            return -EBADMSG;
        memcpy(&flags, pyipvs_attr_data(tb[IPVS_SVC_ATTR_FLAGS]), sizeof(flags));
        out->flags = flags.flags;
        out->flags_mask = flags.mask;
    }
    if (tb[IPVS_SVC_ATTR_NETMASK]) {
        rc |= get_u32(tb[IPVS_SVC_ATTR_NETMASK], &out->netmask);
        if (out->af != AF_INET6)
            out->netmask = ntohl(out->netmask);
    }
    /* Prefer the 64-bit counters; STATS truncates most of them to 32 bits. */
    rc |= parse_stats(tb[IPVS_SVC_ATTR_STATS64] ? tb[IPVS_SVC_ATTR_STATS64]
                                                : tb[IPVS_SVC_ATTR_STATS],
                      &out->stats);
    return rc ? -EBADMSG : 0;
}

int pyipvs_ipvs_parse_dest(const struct nlmsghdr *nlh, struct pyipvs_ipvs_dest *out)
{
    const struct nlattr *top[IPVS_CMD_ATTR_MAX + 1], *tb[IPVS_DEST_ATTR_MAX + 1];
    const struct nlattr *nest = top_nest(nlh, IPVS_CMD_ATTR_DEST, top);
    uint64_t tun_type = 0;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (!nest || pyipvs_attr_parse(pyipvs_attr_data(nest), pyipvs_attr_len(nest), tb,
                                   IPVS_DEST_ATTR_MAX))
        return -EBADMSG;
    rc |= get_addr(tb[IPVS_DEST_ATTR_ADDR], out->addr);
    rc |= get_be16(tb[IPVS_DEST_ATTR_PORT], &out->port);
    rc |= get_u32(tb[IPVS_DEST_ATTR_FWD_METHOD], &out->fwd_method);
    rc |= get_u32(tb[IPVS_DEST_ATTR_WEIGHT], &out->weight);
    rc |= get_u32(tb[IPVS_DEST_ATTR_U_THRESH], &out->u_thresh);
    rc |= get_u32(tb[IPVS_DEST_ATTR_L_THRESH], &out->l_thresh);
    rc |= get_u32(tb[IPVS_DEST_ATTR_ACTIVE_CONNS], &out->active_conns);
    rc |= get_u32(tb[IPVS_DEST_ATTR_INACT_CONNS], &out->inact_conns);
    rc |= get_u32(tb[IPVS_DEST_ATTR_PERSIST_CONNS], &out->persist_conns);
    rc |= get_u16(tb[IPVS_DEST_ATTR_ADDR_FAMILY], &out->af);
    rc |= get_uint(tb[IPVS_DEST_ATTR_TUN_TYPE], &tun_type);
    out->tun_type = (uint8_t)tun_type;
    rc |= get_be16(tb[IPVS_DEST_ATTR_TUN_PORT], &out->tun_port);
    rc |= get_u16(tb[IPVS_DEST_ATTR_TUN_FLAGS], &out->tun_flags);
    rc |= parse_stats(tb[IPVS_DEST_ATTR_STATS64] ? tb[IPVS_DEST_ATTR_STATS64]
                                                 : tb[IPVS_DEST_ATTR_STATS],
                      &out->stats);
    return rc ? -EBADMSG : 0;
}

int pyipvs_ipvs_parse_daemon(const struct nlmsghdr *nlh, struct pyipvs_ipvs_daemon *out)
{
    const struct nlattr *top[IPVS_CMD_ATTR_MAX + 1], *tb[IPVS_DAEMON_ATTR_MAX + 1];
    const struct nlattr *nest = top_nest(nlh, IPVS_CMD_ATTR_DAEMON, top);
    uint64_t ttl = 0;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (!nest || pyipvs_attr_parse(pyipvs_attr_data(nest), pyipvs_attr_len(nest), tb,
                                   IPVS_DAEMON_ATTR_MAX))
        return -EBADMSG;
    rc |= get_u32(tb[IPVS_DAEMON_ATTR_STATE], &out->state);
    rc |= get_str(tb[IPVS_DAEMON_ATTR_MCAST_IFN], out->ifname, sizeof(out->ifname));
    rc |= get_u32(tb[IPVS_DAEMON_ATTR_SYNC_ID], &out->syncid);
    rc |= get_u16(tb[IPVS_DAEMON_ATTR_SYNC_MAXLEN], &out->maxlen);
    if (tb[IPVS_DAEMON_ATTR_MCAST_GROUP6]) {
        out->mcast_af = AF_INET6;
        rc |= get_addr(tb[IPVS_DAEMON_ATTR_MCAST_GROUP6], out->mcast_group);
    } else if (tb[IPVS_DAEMON_ATTR_MCAST_GROUP]) {
        out->mcast_af = AF_INET;
        rc |= get_addr(tb[IPVS_DAEMON_ATTR_MCAST_GROUP], out->mcast_group);
    }
    rc |= get_u16(tb[IPVS_DAEMON_ATTR_MCAST_PORT], &out->mcast_port);
    rc |= get_uint(tb[IPVS_DAEMON_ATTR_MCAST_TTL], &ttl);
    out->mcast_ttl = (uint8_t)ttl;
    return rc ? -EBADMSG : 0;
}

int pyipvs_ipvs_parse_timeouts(const struct nlmsghdr *nlh, struct pyipvs_ipvs_timeouts *out)
{
    const struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
        return -EBADMSG;
    /* The timeouts are top-level attributes; a malformed tail leaves tb all NULL. */
    top_nest(nlh, IPVS_CMD_ATTR_TIMEOUT_TCP, tb);
    rc |= get_u32(tb[IPVS_CMD_ATTR_TIMEOUT_TCP], &out->tcp);
    rc |= get_u32(tb[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN], &out->tcp_fin);
    rc |= get_u32(tb[IPVS_CMD_ATTR_TIMEOUT_UDP], &out->udp);
    return rc ? -EBADMSG : 0;
}
