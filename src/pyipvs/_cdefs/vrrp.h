/* SPDX-License-Identifier: Apache-2.0 */
/* cffi declarations for csrc/vrrp.h */
#define PYIPVS_VRRP_MAX_ADDRS ...
#define PYIPVS_VRRP_MAX_MESSAGE ...
#define PYIPVS_VRRP_MAX_PACKET ...
#define PYIPVS_VRRP_V3_MAX_INTERVAL ...
#define PYIPVS_VRRP_F_V3_CHECKSUM_AS_V2 ...
#define PYIPVS_VRRP_F_CHECK_AUTH ...
#define PYIPVS_VRRP_F_CHECK_ADDRESSES ...
#define PYIPVS_VRRP_F_STRICT_ADDRESSES ...
#define PYIPVS_VRRP_F_IGNORE_TTL ...
#define PYIPVS_VRRP_R_ADDRESS_MISMATCH ...
#define PYIPVS_VRRP_R_FIRST_NOT_LINK_LOCAL ...

enum pyipvs_vrrp_drop {
    PYIPVS_VRRP_ACCEPT,
    PYIPVS_VRRP_DROP_TRUNCATED,
    PYIPVS_VRRP_DROP_IP_HEADER,
    PYIPVS_VRRP_DROP_IP_CHECKSUM,
    PYIPVS_VRRP_DROP_FRAGMENT,
    PYIPVS_VRRP_DROP_PROTOCOL,
    PYIPVS_VRRP_DROP_TTL,
    PYIPVS_VRRP_DROP_VERSION,
    PYIPVS_VRRP_DROP_TYPE,
    PYIPVS_VRRP_DROP_LENGTH,
    PYIPVS_VRRP_DROP_NO_ADDRESSES,
    PYIPVS_VRRP_DROP_CHECKSUM,
    PYIPVS_VRRP_DROP_VRID,
    PYIPVS_VRRP_DROP_AUTH_TYPE,
    PYIPVS_VRRP_DROP_AUTH_DATA,
    PYIPVS_VRRP_DROP_INTERVAL,
    PYIPVS_VRRP_DROP_ADDRESS_LIST,
    PYIPVS_VRRP_DROP_COUNT
};

struct pyipvs_vrrp_expect {
    uint32_t flags;
    uint8_t version;
    uint8_t vrid;
    uint8_t v2_interval;
    uint8_t auth_type;
    uint8_t auth_data[8];
    uint16_t naddrs4;
    uint16_t naddrs6;
    const uint8_t *addrs4;
    const uint8_t *addrs6;
};

struct pyipvs_vrrp_advert {
    uint8_t version;
    uint8_t vrid;
    uint8_t priority;
    uint8_t naddrs;
    uint8_t auth_type;
    uint8_t family;
    uint8_t hop_limit;
    uint8_t report;
    uint16_t interval;
    uint16_t checksum;
    uint16_t message_offset;
    uint16_t message_len;
    uint16_t addrs_offset;
    uint16_t reserved;
    uint8_t auth_data[8];
    uint8_t src[16];
    uint8_t dst[16];
};

int pyipvs_vrrp_parse_ip(const uint8_t *pkt, size_t len, const struct pyipvs_vrrp_expect *expect,
                         struct pyipvs_vrrp_advert *out);
#define PYIPVS_VRRP_RECENT_LEN ...
struct pyipvs_vrrp_recent {
    int64_t last_serial;
    int64_t serial[256];
    uint16_t len[256];
    uint8_t msg[256][64]; /* PYIPVS_VRRP_RECENT_LEN */
};

struct pyipvs_vrrp_value {
    double advert_interval;
    uint32_t first_addr4;
    uint16_t checksum;
    uint16_t addrs_offset;
    uint8_t version;
    uint8_t vrid;
    uint8_t priority;
    uint8_t naddrs;
    uint8_t auth_type;
    uint8_t family;
    uint8_t hop_limit;
    uint8_t report;
};

int64_t pyipvs_vrrp_parse_ip_value(const uint8_t *pkt, size_t len,
                                   const struct pyipvs_vrrp_expect *expect,
                                   struct pyipvs_vrrp_advert *out,
                                   struct pyipvs_vrrp_value *value,
                                   struct pyipvs_vrrp_recent *recent);
int pyipvs_vrrp_parse_message(const uint8_t *msg, size_t len, int family, const uint8_t *src,
                              const uint8_t *dst, int hop_limit,
                              const struct pyipvs_vrrp_expect *expect,
                              struct pyipvs_vrrp_advert *out);
size_t pyipvs_vrrp_parse_batch(const uint8_t *buf, size_t buf_len, const uint32_t *offsets,
                               const uint32_t *lengths, size_t count,
                               const struct pyipvs_vrrp_expect *expect,
                               struct pyipvs_vrrp_advert *out, uint8_t *reasons,
                               uint32_t *counts);
size_t pyipvs_vrrp_parse_message_batch(const uint8_t *buf, size_t buf_len,
                                       const uint32_t *offsets, const uint32_t *lengths,
                                       size_t count, int family, const uint8_t *srcs,
                                       const uint8_t *dsts, const uint8_t *hop_limits,
                                       const struct pyipvs_vrrp_expect *expect,
                                       struct pyipvs_vrrp_advert *out, uint8_t *reasons,
                                       uint32_t *counts);
size_t pyipvs_vrrp_message_len(int version, int family, int naddrs);
int pyipvs_vrrp_build_message(const struct pyipvs_vrrp_advert *a, const uint8_t *addrs,
                              uint32_t flags, uint8_t *buf, size_t cap);
int pyipvs_vrrp_build_ip(const struct pyipvs_vrrp_advert *a, const uint8_t *addrs,
                         uint32_t flags, uint8_t *buf, size_t cap);
