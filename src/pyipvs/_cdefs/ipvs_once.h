/* SPDX-License-Identifier: Apache-2.0 */
/* cffi declarations for csrc/ipvs_once.h */
int pyipvs_ipvs_once_request(uint8_t cmd, const struct pyipvs_ipvs_svc *svc, int svc_full,
                             const struct pyipvs_ipvs_dest *dest, int dest_full, uint8_t *out,
                             size_t cap);
int pyipvs_ipvs_once_send(const uint8_t *req, size_t len);
