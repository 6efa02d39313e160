/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 1071 Internet checksum. */
#include "checksum.h"

uint64_t pyipvs_csum_add(uint64_t sum, const uint8_t *data, size_t len)
{
    size_t i = 0;

    /* Big-endian 16-bit words; a 64-bit accumulator cannot overflow for any length that fits
     * in memory before the final fold. */
    for (; i + 1 < len; i += 2)
        sum += (uint64_t)((data[i] << 8) | data[i + 1]);
    if (i < len) /* RFC 1071 section 4.1: an odd trailing byte is padded with a zero byte. */
        sum += (uint64_t)data[i] << 8;
    return sum;
}

uint16_t pyipvs_csum_finish(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t pyipvs_inet_checksum(const uint8_t *data, size_t len)
{
    return pyipvs_csum_finish(pyipvs_csum_add(0, data, len));
}

uint16_t pyipvs_ipv4_pseudo_checksum(const uint8_t src[4], const uint8_t dst[4], uint8_t protocol,
                                     const uint8_t *data, size_t len)
{
    uint64_t sum = 0;

    sum = pyipvs_csum_add(sum, src, 4);
    sum = pyipvs_csum_add(sum, dst, 4);
    sum += protocol;
    sum += (uint64_t)(len & 0xffff);
    return pyipvs_csum_finish(pyipvs_csum_add(sum, data, len));
}

uint16_t pyipvs_ipv6_pseudo_checksum(const uint8_t src[16], const uint8_t dst[16],
                                     uint8_t next_header, const uint8_t *data, size_t len)
{
    uint64_t sum = 0;
    uint32_t len32 = (uint32_t)len;

    sum = pyipvs_csum_add(sum, src, 16);
    sum = pyipvs_csum_add(sum, dst, 16);
    sum += len32 >> 16;
    sum += len32 & 0xffff;
    sum += next_header;
    return pyipvs_csum_finish(pyipvs_csum_add(sum, data, len));
}
