/* SPDX-License-Identifier: Apache-2.0 */
/* cffi declarations for csrc/garp.h */
#define PYIPVS_GARP_FRAME_LEN ...
#define PYIPVS_UNA_FRAME_LEN ...

int pyipvs_garp_build(const uint8_t mac[6], const uint8_t ip[4], uint8_t *buf, size_t cap);
int pyipvs_una_build(const uint8_t mac[6], const uint8_t src[16], const uint8_t target[16],
                     int router, uint8_t *buf, size_t cap);
