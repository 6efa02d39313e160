/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 1071 Internet checksum, plain and over the IPv4 / IPv6 pseudo-headers.
 *
 * Results are host-order integers: store them big-endian (htons) in the packet. */
#ifndef PYIPVS_CHECKSUM_H
#define PYIPVS_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Adds data to a running one's-complement sum; data starts at an even offset of the message. */
uint64_t pyipvs_csum_add(uint64_t sum, const uint8_t *data, size_t len);
/* Folds a running sum to 16 bits and complements it: the value for the checksum field. */
uint16_t pyipvs_csum_finish(uint64_t sum);

uint16_t pyipvs_inet_checksum(const uint8_t *data, size_t len);
/* RFC 768 / RFC 793 style pseudo-header: src, dst, zero, protocol, 16-bit length. */
uint16_t pyipvs_ipv4_pseudo_checksum(const uint8_t src[4], const uint8_t dst[4], uint8_t protocol,
                                     const uint8_t *data, size_t len);
/* RFC 8200 section 8.1 pseudo-header: src, dst, 32-bit length, 3 zero bytes, next header. */
uint16_t pyipvs_ipv6_pseudo_checksum(const uint8_t src[16], const uint8_t dst[16],
                                     uint8_t next_header, const uint8_t *data, size_t len);

#endif
