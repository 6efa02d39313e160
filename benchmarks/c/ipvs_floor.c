/* The floor for benchmarks/ipvs_bulk.py: the least a client can do for the same work.
 *
 * One generic-netlink socket, the IPVS family resolved once, requests built in place and sent
 * many per sendmsg() without NLM_F_ACK, each chunk closed by one acked NLMSG_NOOP barrier;
 * dumps read with a 64 KiB buffer (two datagrams per recvmmsg) and only counted. No error handling beyond aborting.
 *
 *   ipvs_floor add NSVC NDEST   services tcp 10.0.0.0+i:80, dests 172.16.0.1.. :80 (DR, w 1)
 *   ipvs_floor dump             GET_SERVICE dump, then one GET_DEST dump per service
 * Prints "seconds <elapsed> items <n>" for the work after the family is resolved. */
#define _GNU_SOURCE /* recvmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>

#define CHUNK_BYTES (1 << 20)
#define RBUF 65536

static int fd;
static uint32_t seq;
static uint16_t family;
static uint8_t rbuf[RBUF];

static void die(const char *what, int err)
{
    fprintf(stderr, "ipvs_floor: %s: %s\n", what, strerror(err));
    exit(1);
}

struct buf {
    uint8_t *p;
    size_t len;
};

static struct nlmsghdr *msg_begin(struct buf *b, uint16_t type, uint16_t flags, uint8_t cmd)
{
    struct nlmsghdr *nlh = (struct nlmsghdr *)(b->p + b->len);
    struct genlmsghdr *g = NLMSG_DATA(nlh);

    memset(nlh, 0, NLMSG_HDRLEN + GENL_HDRLEN);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = flags;
    nlh->nlmsg_seq = ++seq;
    g->cmd = cmd;
    g->version = IPVS_GENL_VERSION;
    b->len += NLMSG_HDRLEN + GENL_HDRLEN;
    return nlh;
}

static void msg_end(struct buf *b, struct nlmsghdr *nlh)
{
    nlh->nlmsg_len = (uint32_t)((b->p + b->len) - (uint8_t *)nlh);
}

static void put(struct buf *b, uint16_t type, const void *data, size_t len)
{
    struct nlattr *a = (struct nlattr *)(b->p + b->len);

    a->nla_type = type;
    a->nla_len = (uint16_t)(NLA_HDRLEN + len);
    memcpy((uint8_t *)a + NLA_HDRLEN, data, len);
    memset((uint8_t *)a + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
    b->len += NLA_ALIGN(NLA_HDRLEN + len);
}

static size_t nest_begin(struct buf *b, uint16_t type)
{
    size_t at = b->len;

    put(b, type, NULL, 0);
    return at;
}

static void nest_end(struct buf *b, size_t at)
{
    ((struct nlattr *)(b->p + at))->nla_len = (uint16_t)(b->len - at);
}

static void put_u16(struct buf *b, uint16_t t, uint16_t v) { put(b, t, &v, 2); }
static void put_u32(struct buf *b, uint16_t t, uint32_t v) { put(b, t, &v, 4); }

static void svc_key(struct buf *b, uint32_t i)
{
    uint32_t addr = htonl(0x0a000000u + i);

    put_u16(b, IPVS_SVC_ATTR_AF, AF_INET);
    put_u16(b, IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP);
    put(b, IPVS_SVC_ATTR_ADDR, &addr, 4);
    put_u16(b, IPVS_SVC_ATTR_PORT, htons(80));
}

static void add_service(struct buf *b, uint32_t i)
{
    struct ip_vs_flags flags = {0, ~0u};
    struct nlmsghdr *nlh = msg_begin(b, family, NLM_F_REQUEST, IPVS_CMD_NEW_SERVICE);
    size_t n = nest_begin(b, IPVS_CMD_ATTR_SERVICE);

    svc_key(b, i);
    put(b, IPVS_SVC_ATTR_SCHED_NAME, "wlc", 4);
    put(b, IPVS_SVC_ATTR_FLAGS, &flags, sizeof(flags));
    put_u32(b, IPVS_SVC_ATTR_TIMEOUT, 0);
    put_u32(b, IPVS_SVC_ATTR_NETMASK, 0xffffffffu);
    nest_end(b, n);
    msg_end(b, nlh);
}

static void add_dest(struct buf *b, uint32_t i, uint32_t k)
{
    struct nlmsghdr *nlh = msg_begin(b, family, NLM_F_REQUEST, IPVS_CMD_NEW_DEST);
    uint32_t addr = htonl(0xac100001u + k);
    size_t n = nest_begin(b, IPVS_CMD_ATTR_SERVICE);

    svc_key(b, i);
    nest_end(b, n);
    n = nest_begin(b, IPVS_CMD_ATTR_DEST);
    put(b, IPVS_DEST_ATTR_ADDR, &addr, 4);
    put_u16(b, IPVS_DEST_ATTR_PORT, htons(80));
    put_u16(b, IPVS_DEST_ATTR_ADDR_FAMILY, AF_INET);
    put_u32(b, IPVS_DEST_ATTR_FWD_METHOD, IP_VS_CONN_F_DROUTE);
    put_u32(b, IPVS_DEST_ATTR_WEIGHT, 1);
    put_u32(b, IPVS_DEST_ATTR_U_THRESH, 0);
    put_u32(b, IPVS_DEST_ATTR_L_THRESH, 0);
    nest_end(b, n);
    msg_end(b, nlh);
}

static void send_all(const void *p, size_t len)
{
    struct sockaddr_nl k = {.nl_family = AF_NETLINK};

    if (sendto(fd, p, len, 0, (struct sockaddr *)&k, sizeof(k)) != (ssize_t)len)
        die("sendto", errno);
}

/* Counts the data messages of one datagram; 1 once the reply to `until` ends (ACK or DONE). */
static int read_datagram(uint8_t *p, size_t left, uint32_t until, size_t *items)
{
    struct nlmsghdr *nlh;

    for (nlh = (struct nlmsghdr *)p; NLMSG_OK(nlh, left); nlh = NLMSG_NEXT(nlh, left)) {
        if (nlh->nlmsg_type == NLMSG_ERROR) {
            struct nlmsgerr *e = NLMSG_DATA(nlh);

            if (e->error)
                die("kernel", -e->error);
            if (nlh->nlmsg_seq == until)
                return 1;
        } else if (nlh->nlmsg_type == NLMSG_DONE) {
            if (nlh->nlmsg_seq == until)
                return 1;
        } else {
            (*items)++;
        }
    }
    return 0;
}

/* Reads until the reply to `until` ends, two datagrams per recvmmsg() when the kernel has the
 * second ready (a dump's next part is made while the previous one is read), as pyipvs does. */
static size_t read_until(uint32_t until)
{
    size_t items = 0;

    for (;;) {
        struct iovec iov[2] = {{rbuf, RBUF / 2}, {rbuf + RBUF / 2, RBUF / 2}};
        struct mmsghdr m[2];
        int got, k;

        memset(m, 0, sizeof(m));
        for (k = 0; k < 2; k++) {
            m[k].msg_hdr.msg_iov = &iov[k];
            m[k].msg_hdr.msg_iovlen = 1;
        }
        got = recvmmsg(fd, m, 2, MSG_WAITFORONE, NULL);
        if (got < 0)
            die("recvmmsg", errno);
        for (k = 0; k < got; k++)
            if (read_datagram(iov[k].iov_base, m[k].msg_len, until, &items))
                return items;
    }
}

static void barrier(struct buf *b)
{
    struct nlmsghdr *nlh = msg_begin(b, NLMSG_NOOP, NLM_F_REQUEST | NLM_F_ACK, 0);

    msg_end(b, nlh);
    send_all(b->p, b->len);
    read_until(nlh->nlmsg_seq);
    b->len = 0;
}

static void resolve(void)
{
    uint8_t req[128];
    struct buf b = {req, 0};
    struct nlmsghdr *nlh = msg_begin(&b, GENL_ID_CTRL, NLM_F_REQUEST, CTRL_CMD_GETFAMILY);
    ssize_t got;
    struct nlattr *a;
    size_t off;

    put(&b, CTRL_ATTR_FAMILY_NAME, IPVS_GENL_NAME, sizeof(IPVS_GENL_NAME));
    msg_end(&b, nlh);
    send_all(req, b.len);
    got = recv(fd, rbuf, RBUF, 0);
    if (got < 0)
        die("recv", errno);
    nlh = (struct nlmsghdr *)rbuf;
    if (nlh->nlmsg_type == NLMSG_ERROR)
        die("resolve IPVS", -((struct nlmsgerr *)NLMSG_DATA(nlh))->error);
    for (off = NLMSG_HDRLEN + GENL_HDRLEN; off < nlh->nlmsg_len; off += NLA_ALIGN(a->nla_len)) {
        a = (struct nlattr *)(rbuf + off);
        if (a->nla_type == CTRL_ATTR_FAMILY_ID)
            memcpy(&family, (uint8_t *)a + NLA_HDRLEN, 2);
    }
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t do_add(uint32_t nsvc, uint32_t ndest)
{
    struct buf b = {malloc(CHUNK_BYTES + 4096), 0};
    uint32_t i, k;

    for (i = 0; i < nsvc; i++) {
        add_service(&b, i);
        for (k = 0; k < ndest; k++)
            add_dest(&b, i, k);
        if (b.len > CHUNK_BYTES - 4096)
            barrier(&b);
    }
    barrier(&b);
    return (size_t)nsvc * (1 + ndest);
}

static size_t do_dump(void)
{
    uint8_t req[256];
    struct buf b = {req, 0};
    struct nlmsghdr *nlh = msg_begin(&b, family, NLM_F_REQUEST | NLM_F_DUMP, IPVS_CMD_GET_SERVICE);
    /* Keep just the identity of each service: enough to ask for its dests. */
    size_t cap = 1 << 16, n = 0, items, i;
    uint8_t (*keys)[64] = malloc(cap * 64);
    uint16_t *keylen = malloc(cap * sizeof(*keylen));

    msg_end(&b, nlh);
    send_all(req, b.len);
    for (;;) {
        ssize_t got = recv(fd, rbuf, RBUF, 0);
        size_t left;
        int done = 0;

        if (got < 0)
            die("recv", errno);
        left = (size_t)got;
        for (nlh = (struct nlmsghdr *)rbuf; NLMSG_OK(nlh, left); nlh = NLMSG_NEXT(nlh, left)) {
            struct nlattr *svc = (struct nlattr *)((uint8_t *)NLMSG_DATA(nlh) + GENL_HDRLEN);
            size_t off, klen = 0;

            if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
                done = 1;
                break;
            }
            /* Copy AF, PROTOCOL, ADDR, PORT, FWMARK out of the service nest. */
            for (off = NLA_HDRLEN; off < svc->nla_len;) {
                struct nlattr *a = (struct nlattr *)((uint8_t *)svc + off);

                if (a->nla_type >= IPVS_SVC_ATTR_AF && a->nla_type <= IPVS_SVC_ATTR_FWMARK) {
                    memcpy(keys[n] + klen, a, NLA_ALIGN(a->nla_len));
                    klen += NLA_ALIGN(a->nla_len);
                }
                off += NLA_ALIGN(a->nla_len);
            }
            keylen[n++] = (uint16_t)klen;
            if (n == cap)
                die("too many services", ENOSPC);
        }
        if (done)
            break;
    }
    items = n;
    for (i = 0; i < n; i++) {
        size_t at;

        b.len = 0;
        nlh = msg_begin(&b, family, NLM_F_REQUEST | NLM_F_DUMP, IPVS_CMD_GET_DEST);
        at = nest_begin(&b, IPVS_CMD_ATTR_SERVICE);
        memcpy(b.p + b.len, keys[i], keylen[i]);
        b.len += keylen[i];
        nest_end(&b, at);
        msg_end(&b, nlh);
        send_all(req, b.len);
        items += read_until(nlh->nlmsg_seq);
    }
    return items;
}

int main(int argc, char **argv)
{
    struct sockaddr_nl local = {.nl_family = AF_NETLINK};
    int size = 32 << 20, one = 1;
    double t0;
    size_t items;

    if (argc < 2)
        return 2;
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
    if (fd < 0 || bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0)
        die("socket", errno);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
    size = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size));
    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
    resolve();
    t0 = now();
    if (strcmp(argv[1], "add") == 0 && argc == 4)
        items = do_add((uint32_t)atoi(argv[2]), (uint32_t)atoi(argv[3]));
    else if (strcmp(argv[1], "dump") == 0)
        items = do_dump();
    else
        return 2;
    printf("seconds %.6f items %zu\n", now() - t0, items);
    return 0;
}
