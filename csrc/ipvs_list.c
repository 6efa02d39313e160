/* SPDX-License-Identifier: Apache-2.0 */
/* ipvsadm -L -n in one call (see ipvs_list.h). */
#include "ipvs_list.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>

#include "genl.h"
#include "ipvs.h"
#include "netlink.h"

#define ANYNAME_MAX 59      /* ipvsadm formats "addr:port" into a 60-byte buffer */
#define SERVICE_NAME_WIDTH 33 /* ipvsadm cuts IPv4 service names here */
#define SERVER_NAME_WIDTH 28  /* and IPv4 real-server names here */
#define WORDS 9             /* comparison words of a service (fewer for a real server) */

/* ---- ipvsadm's order ----
 * ipvsadm's comparators subtract unsigned 32-bit fields into a C int, which wraps for values
 * 2^31 apart, and glibc's qsort is a top-down merge sort (left half n/2, stable): both are
 * reproduced (see pyipvs.cli.ipvsadm.sort), so the order is ipvsadm's even where the wrap
 * makes it no total order. */

struct words {
    uint32_t w[WORDS];
    int n;
};

static uint32_t word_at(const uint8_t *addr, int i)
{
    return ((uint32_t)addr[4 * i] << 24) | ((uint32_t)addr[4 * i + 1] << 16) |
           ((uint32_t)addr[4 * i + 2] << 8) | addr[4 * i + 3];
}

static void address_words(uint32_t *w, uint16_t af, const uint8_t *addr)
{
    int i;

    for (i = 0; i < 4; i++)
        w[i] = af == AF_INET6 ? word_at(addr, i) : (i == 0 ? word_at(addr, 0) : 0);
}

static void service_words(const struct pyipvs_ipvs_svc *s, struct words *out)
{
    static const uint8_t zero[16];
    int v6 = s->af == AF_INET6;

    out->n = 8;
    out->w[0] = s->fwmark;
    out->w[1] = v6 ? AF_INET6 : AF_INET;
    out->w[2] = s->fwmark ? IPPROTO_TCP : s->protocol;
    address_words(&out->w[3], s->af, s->fwmark ? zero : s->addr);
    out->w[7] = s->fwmark ? 0 : s->port;
}

static void dest_words(const struct pyipvs_ipvs_dest *d, struct words *out)
{
    out->n = 6;
    out->w[0] = d->af == AF_INET6 ? AF_INET6 : AF_INET;
    address_words(&out->w[1], d->af, d->addr);
    out->w[5] = d->port;
}

struct sorter {
    const struct pyipvs_ipvs_list *l;
    int dests;    /* sorting real servers, else services */
    int wrapping; /* ipvsadm's comparison, else a plain lexicographic one */
};

static int compare(const struct sorter *s, uint32_t a, uint32_t b)
{
    struct words x, y;
    int i;

    if (s->dests) {
        dest_words(&s->l->dests[a], &x);
        dest_words(&s->l->dests[b], &y);
    } else {
        service_words(&s->l->svcs[a], &x);
        service_words(&s->l->svcs[b], &y);
    }
    for (i = 0; i < x.n; i++) {
        if (s->wrapping) {
            int r = (int)(x.w[i] - y.w[i]);

            if (r)
                return r > 0 ? 1 : -1;
        } else if (x.w[i] != y.w[i]) {
            return x.w[i] > y.w[i] ? 1 : -1;
        }
    }
    return 0;
}

/* Stable top-down merge sort of idx[0..n), left half n/2 (glibc's msort), through tmp. */
static void merge_sort(const struct sorter *s, uint32_t *idx, uint32_t *tmp, size_t n)
{
    size_t half = n / 2, i = 0, j = half, k = 0;

    if (n <= 1)
        return;
    merge_sort(s, idx, tmp, half);
    merge_sort(s, idx + half, tmp, n - half);
    while (i < half && j < n)
        tmp[k++] = compare(s, idx[i], idx[j]) <= 0 ? idx[i++] : idx[j++];
    while (i < half)
        tmp[k++] = idx[i++];
    while (j < n)
        tmp[k++] = idx[j++];
    memcpy(idx, tmp, n * sizeof(*idx));
}

static void sort_range(const struct pyipvs_ipvs_list *l, int dests, uint32_t *idx,
                       uint32_t *tmp, size_t n, int nosort)
{
    struct sorter s = {.l = l, .dests = dests, .wrapping = 1};
    size_t i;

    for (i = 0; i < n; i++)
        idx[i] = (uint32_t)i;
    if (!nosort)
        merge_sort(&s, idx, tmp, n);
}

/* Whether two services share an identity (family, protocol, address, port, mark). */
static int has_twice(const struct pyipvs_ipvs_list *l, uint32_t *idx, uint32_t *tmp)
{
    struct sorter s = {.l = l, .dests = 0, .wrapping = 0};
    size_t i;

    for (i = 0; i < l->n_svcs; i++)
        idx[i] = (uint32_t)i;
    merge_sort(&s, idx, tmp, l->n_svcs);
    for (i = 1; i < l->n_svcs; i++) {
        const struct pyipvs_ipvs_svc *a = &l->svcs[idx[i - 1]], *b = &l->svcs[idx[i]];

        if (compare(&s, idx[i - 1], idx[i]) == 0 && a->af == b->af)
            return 1;
    }
    return 0;
}

/* ---- ipvsadm's text ---- */

struct out {
    char *p;
    size_t len, cap;
    int full;
};

static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (o->full)
        return;
    va_start(ap, fmt);
    n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len)
        o->full = 1;
    else
        o->len += (size_t)n;
}

/* "a.b.c.d:port" or "[v6]:port", cut as ipvsadm's buffer cuts it. */
static void endpoint(char *buf, uint16_t af, const uint8_t *addr, uint16_t port)
{
    char host[INET6_ADDRSTRLEN];
    char whole[INET6_ADDRSTRLEN + 16];

    inet_ntop(af == AF_INET6 ? AF_INET6 : AF_INET, addr, host, sizeof(host));
    size_t len;

    snprintf(whole, sizeof(whole), af == AF_INET6 ? "[%s]:%u" : "%s:%u", host, port);
    len = strlen(whole);
    if (len > ANYNAME_MAX)
        len = ANYNAME_MAX; /* the cut ipvsadm's buffer makes */
    memcpy(buf, whole, len);
    buf[len] = '\0';
}

static const char *protocol_label(uint16_t protocol)
{
    switch (protocol) {
    case IPPROTO_TCP:
        return "TCP";
    case IPPROTO_UDP:
        return "UDP";
    case IPPROTO_SCTP:
        return "SCTP";
    default:
        return NULL;
    }
}

/* print_sched_flags: sh and mh name their two bits, other schedulers flag-1..3. */
static void sched_flags(struct out *o, const struct pyipvs_ipvs_svc *s)
{
    static const char *const plain[] = {"flag-1", "flag-2", "flag-3"};
    static const char *const sh[] = {"sh-fallback", "sh-port", NULL};
    static const char *const mh[] = {"mh-fallback", "mh-port", NULL};
    const char *const *names = plain;
    uint32_t bits = (s->flags >> 3) & 7;
    const char *sep = " (";
    int i;

    if (strcmp(s->sched_name, "sh") == 0)
        names = sh;
    else if (strcmp(s->sched_name, "mh") == 0)
        names = mh;
    for (i = 0; i < 3; i++) {
        if ((bits & (1u << i)) && names[i]) {
            put(o, "%s%s", sep, names[i]);
            sep = ",";
        }
    }
    if (sep[0] == ',')
        put(o, ")");
}

static int service_line(struct out *o, const struct pyipvs_ipvs_svc *s)
{
    char name[ANYNAME_MAX + 16];

    if (s->fwmark) {
        put(o, s->af == AF_INET6 ? "FWM  %d IPv6" : "FWM  %d", (int)s->fwmark);
    } else {
        const char *label = protocol_label(s->protocol);

        if (label == NULL)
            return -EPROTONOSUPPORT;
        endpoint(name, s->af, s->addr, s->port);
        /* "%-4s " is five columns: an IPv4 name is cut to the rest of ipvsadm's width. */
        put(o, "%-4s %.*s", label, s->af == AF_INET6 ? ANYNAME_MAX : SERVICE_NAME_WIDTH - 5,
            name);
    }
    put(o, " %s", s->sched_name);
    sched_flags(o, s);
    if (s->flags & IP_VS_SVC_F_PERSISTENT) {
        put(o, " persistent %u", s->timeout);
        if (s->af == AF_INET6 && s->netmask != 128)
            put(o, " mask %u", s->netmask);
        else if (s->af != AF_INET6 && s->netmask != 0xFFFFFFFFu)
            put(o, " mask %u.%u.%u.%u", s->netmask >> 24, (s->netmask >> 16) & 255,
                (s->netmask >> 8) & 255, s->netmask & 255);
        if (s->pe_name[0])
            put(o, " pe %s", s->pe_name);
    }
    if (s->flags & IP_VS_SVC_F_ONEPACKET)
        put(o, " ops");
    put(o, "\n");
    return 0;
}

static void dest_line(struct out *o, const struct pyipvs_ipvs_dest *d)
{
    static const char *const forward[] = {"Masq", "Local", "Tunnel", "Route"};
    uint32_t fwd = d->fwd_method & 7;
    char name[ANYNAME_MAX + 16];

    endpoint(name, d->af, d->addr, d->port);
    if (d->af != AF_INET6)
        name[SERVER_NAME_WIDTH] = '\0';
    put(o, "  -> %-28s %-7s %-6u %-10u %-10u\n", name, fwd < 4 ? forward[fwd] : "Route",
        d->weight, d->active_conns, d->inact_conns);
}

/* Layout of l->order: starts[svc_cap + 1] (each service's first real server), the order of
 * the services [svc_cap], the order of one service's real servers [dest_cap], and the merge
 * sort's scratch [max(svc_cap, dest_cap)]: at most 3 * (svc_cap + dest_cap) + 1 in all. */
int pyipvs_ipvs_list_text(struct pyipvs_ipvs_list *l, uint32_t version, uint32_t conn_tab_size)
{
    struct out o = {.p = l->text, .cap = l->text_cap};
    uint32_t *starts = l->order, *svc_order = starts + l->svc_cap + 1;
    uint32_t *dest_order = svc_order + l->svc_cap, *tmp = dest_order + l->dest_cap;
    size_t i, k, d = 0;

    if (l->n_svcs > l->svc_cap || l->n_dests > l->dest_cap)
        return -EINVAL;
    for (i = 0; i <= l->n_svcs; i++) {
        for (; d < l->n_dests && l->dests[d].svc < i; d++)
            if (i > 0 && l->dests[d].svc != i - 1)
                return -EINVAL; /* not grouped by service */
        starts[i] = (uint32_t)d;
    }
    if (d != l->n_dests)
        return -EINVAL;
    put(&o, "IP Virtual Server version %u.%u.%u (size=%u)\n", (version >> 16) & 0xFF,
        (version >> 8) & 0xFF, version & 0xFF, conn_tab_size);
    put(&o, "Prot LocalAddress:Port Scheduler Flags\n"
            "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
    sort_range(l, 0, svc_order, tmp, l->n_svcs, l->nosort);
    for (i = 0; i < l->n_svcs; i++) {
        uint32_t svc = svc_order[i];
        struct pyipvs_ipvs_list view = *l;
        size_t n = starts[svc + 1] - starts[svc];
        int rc = service_line(&o, &l->svcs[svc]);

        if (rc)
            return rc;
        view.dests = l->dests + starts[svc];
        sort_range(&view, 1, dest_order, tmp, n, l->nosort);
        for (k = 0; k < n; k++)
            dest_line(&o, &view.dests[dest_order[k]]);
    }
    if (o.full)
        return -ENOSPC;
    l->text_len = o.len;
    return 0;
}

static int dump_all(struct pyipvs_nl *nl, uint16_t family_id, struct pyipvs_ipvs_list *l,
                    uint8_t *rbuf, size_t rcap)
{
    struct pyipvs_ipvs_dump st;
    int rc;

    l->n_svcs = l->n_dests = 0;
    rc = pyipvs_ipvs_dump_services_start(nl, family_id, &st);
    while (rc == 0 && !st.done) {
        if (l->n_svcs == l->svc_cap)
            return -ENOSPC;
        rc = pyipvs_ipvs_dump_services(nl, &st, rbuf, rcap, l->svcs + l->n_svcs,
                                       l->svc_cap - l->n_svcs);
        if (rc > 0) {
            l->n_svcs += (size_t)rc;
            rc = 0;
        }
    }
    if (rc < 0)
        return rc;
    memset(&st, 0, sizeof(st));
    while (!st.done) {
        if (l->n_dests == l->dest_cap)
            return -ENOSPC;
        rc = pyipvs_ipvs_dump_dests(nl, family_id, &st, l->svcs, l->n_svcs, rbuf, rcap,
                                    l->dests + l->n_dests, l->dest_cap - l->n_dests);
        if (rc < 0)
            return rc;
        l->n_dests += (size_t)rc;
    }
    return 0;
}

int pyipvs_ipvs_once_list(struct pyipvs_ipvs_list *l, uint8_t *rbuf, size_t rcap)
{
    struct pyipvs_genl_family family;
    struct pyipvs_ipvs_info info;
    struct pyipvs_nl nl;
    int rc;

    rc = pyipvs_nl_open(&nl, NETLINK_GENERIC, -1);
    if (rc)
        return rc;
    rc = pyipvs_genl_resolve(&nl, "IPVS", &family, rbuf, rcap);
    if (rc == 0)
        rc = pyipvs_ipvs_get_info(&nl, family.id, &info, rbuf, rcap);
    if (rc == 0)
        rc = dump_all(&nl, family.id, l, rbuf, rcap);
    pyipvs_nl_close(&nl);
    if (rc == 0 && has_twice(l, l->order, l->order + l->svc_cap + l->dest_cap))
        rc = -EAGAIN;
    return rc ? rc : pyipvs_ipvs_list_text(l, info.version, info.conn_tab_size);
}
