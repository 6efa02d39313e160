/* SPDX-License-Identifier: Apache-2.0 */
/* cffi declarations for csrc/checksum.h */
uint64_t pyipvs_csum_add(uint64_t sum, const uint8_t *data, size_t len);
uint16_t pyipvs_csum_finish(uint64_t sum);
uint16_t pyipvs_inet_checksum(const uint8_t *data, size_t len);
uint16_t pyipvs_ipv4_pseudo_checksum(const uint8_t src[4], const uint8_t dst[4], uint8_t protocol,
                                     const uint8_t *data, size_t len);
uint16_t pyipvs_ipv6_pseudo_checksum(const uint8_t src[16], const uint8_t dst[16],
                                     uint8_t next_header, const uint8_t *data, size_t len);
