/* libFuzzer harness for the VRRP parser (csrc/vrrp.c), built with ASan + UBSan by
 * scripts/fuzz-vrrp.sh.
 *
 * The first input byte picks the entry point and receiver options; the rest is the packet.
 * Every accepted packet is rebuilt and must parse again to the same fields. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vrrp.h"

static const uint8_t MY_ADDRS4[8] = {10, 0, 0, 1, 10, 0, 0, 2};
static const uint8_t MY_ADDRS6[32] = {0xfe, 0x80, [15] = 1, [16] = 0x20, 0x01, 0x0d, 0xb8, [31] = 5};

static void configure(uint8_t selector, struct pyipvs_vrrp_expect *e)
{
    memset(e, 0, sizeof(*e));
    e->flags = selector & 0x1f; /* every PYIPVS_VRRP_F_* combination */
    if (selector & 0x20) {
        e->vrid = 1;
        e->v2_interval = 1;
        e->auth_type = 1;
        memcpy(e->auth_data, "secret\0\0", 8);
    }
    e->naddrs4 = 2;
    e->naddrs6 = 2;
    e->addrs4 = MY_ADDRS4;
    e->addrs6 = MY_ADDRS6;
}

static void same_after_rebuild(const struct pyipvs_vrrp_advert *a, const uint8_t *pkt,
                               const struct pyipvs_vrrp_expect *e)
{
    uint8_t buf[PYIPVS_VRRP_MAX_PACKET];
    struct pyipvs_vrrp_advert again;
    int n = pyipvs_vrrp_build_ip(a, pkt + a->addrs_offset, e->flags, buf, sizeof(buf));

    if (n < 0)
        abort();
    if (pyipvs_vrrp_parse_ip(buf, (size_t)n, e, &again) != 0)
        abort();
    if (again.version != a->version || again.vrid != a->vrid || again.priority != a->priority ||
        again.naddrs != a->naddrs || again.interval != a->interval ||
        again.auth_type != a->auth_type)
        abort();
}

/* The flat value the Python layer reads agrees with the advert it came from. */
static void same_value(const struct pyipvs_vrrp_advert *a, const struct pyipvs_vrrp_value *v,
                       const uint8_t *pkt)
{
    const uint8_t *first = pkt + a->addrs_offset;
    uint32_t addr4 = 0;
    double interval = a->version == 2 ? a->interval : a->interval / 100.0;

    if (a->family == 4 && a->naddrs)
        addr4 = (uint32_t)first[0] << 24 | (uint32_t)first[1] << 16 | (uint32_t)first[2] << 8 |
                first[3];
    if (v->version != a->version || v->vrid != a->vrid || v->priority != a->priority ||
        v->naddrs != a->naddrs || v->auth_type != a->auth_type || v->family != a->family ||
        v->hop_limit != a->hop_limit || v->report != a->report || v->checksum != a->checksum ||
        v->addrs_offset != a->addrs_offset || v->first_addr4 != addr4 ||
        v->advert_interval != interval)
        abort();
}

/* Remembered across inputs, as a receiver remembers across packets. */
static struct pyipvs_vrrp_recent recent;
static int64_t last_serial;
static uint8_t last_message[PYIPVS_VRRP_RECENT_LEN];
static size_t last_len;

/* A serial seen before belongs to the same message bytes; only short messages get one. */
static void same_serial_same_message(const struct pyipvs_vrrp_advert *a, int64_t serial,
                                     const uint8_t *pkt)
{
    const uint8_t *msg = pkt + a->message_offset;

    if ((serial != 0) != (a->message_len <= PYIPVS_VRRP_RECENT_LEN))
        abort();
    if (serial == 0)
        return;
    if ((serial & 0xff) != a->vrid)
        abort();
    if (serial == last_serial &&
        (a->message_len != last_len || memcmp(msg, last_message, last_len) != 0))
        abort();
    last_serial = serial;
    last_len = a->message_len;
    memcpy(last_message, msg, last_len);
}

/* The message batch over the input's two halves and one slot past its end. */
static int message_batch(const uint8_t *pkt, size_t len, int family,
                         const struct pyipvs_vrrp_expect *e)
{
    uint8_t srcs[3 * 16] = {0xfe, 0x80, [15] = 9}, dsts[3 * 16] = {0xff, 0x02, [15] = 0x12};
    uint8_t hops[3] = {255, 255, 255};
    uint32_t offsets[3] = {0, (uint32_t)(len / 2), (uint32_t)len};
    uint32_t lengths[3] = {(uint32_t)(len / 2), (uint32_t)(len - len / 2), 8};
    uint32_t counts[PYIPVS_VRRP_DROP_COUNT] = {0};
    struct pyipvs_vrrp_advert outs[3];
    uint8_t reasons[3];

    if (pyipvs_vrrp_parse_message_batch(pkt, len, offsets, lengths, 3, family, srcs, dsts, hops,
                                        e, outs, reasons, counts) > 2)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pyipvs_vrrp_expect e;
    struct pyipvs_vrrp_advert out;
    struct pyipvs_vrrp_value value;
    int64_t serial;
    const uint8_t *pkt;
    size_t len;
    int rc;

    if (size < 1)
        return 0;
    configure(data[0], &e);
    pkt = data + 1;
    len = size - 1;
    if (data[0] & 0x40) {
        /* Bare message: family from the top bit, addresses from fixed values. */
        static const uint8_t src[16] = {0xfe, 0x80, [15] = 9};
        static const uint8_t dst[16] = {0xff, 0x02, [15] = 0x12};
        int family = data[0] & 0x80 ? 6 : 4;

        rc = pyipvs_vrrp_parse_message(pkt, len, family, src, dst, 255, &e, &out);
        if (rc > 0 || rc <= -PYIPVS_VRRP_DROP_COUNT)
            abort();
        return message_batch(pkt, len, family, &e);
    }
    if (data[0] & 0x80) {
        /* Batch: the input cut into up to 4 packets, plus one that points past the end. */
        uint32_t offsets[5], lengths[5], counts[PYIPVS_VRRP_DROP_COUNT] = {0};
        struct pyipvs_vrrp_advert outs[5];
        uint8_t reasons[5];
        size_t quarter = len / 4;

        for (int i = 0; i < 4; i++) {
            offsets[i] = (uint32_t)(quarter * (size_t)i);
            lengths[i] = (uint32_t)(i == 3 ? len - offsets[i] : quarter);
        }
        offsets[4] = (uint32_t)len;
        lengths[4] = 1;
        if (pyipvs_vrrp_parse_batch(pkt, len, offsets, lengths, 5, &e, outs, reasons, counts) > 4)
            abort();
        /* The same lengths back to back (no offsets): the fifth runs past the end. */
        if (pyipvs_vrrp_parse_batch(pkt, len, NULL, lengths, 5, &e, outs, reasons, counts) > 4)
            abort();
        return 0;
    }
    serial = pyipvs_vrrp_parse_ip_value(pkt, len, &e, &out, &value, &recent);
    if (serial <= -PYIPVS_VRRP_DROP_COUNT)
        abort();
    if (serial >= 0) {
        same_value(&out, &value, pkt);
        same_serial_same_message(&out, serial, pkt);
        same_after_rebuild(&out, pkt, &e);
    }
    return 0;
}
