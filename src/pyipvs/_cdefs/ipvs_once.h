/* SPDX-License-Identifier: Apache-2.0 */
/* cffi declarations for csrc/ipvs_once.h */
int pyipvs_ipvs_once_send(const uint8_t *req, size_t len);
int pyipvs_ipvs_once_open(struct pyipvs_nl *nl, uint16_t *family_id);
int pyipvs_ipvs_once_batch(struct pyipvs_nl *nl, uint16_t family_id, const uint8_t *reqs,
                           size_t len, size_t n, int32_t *results, uint8_t *sbuf, size_t scap);
