/* SPDX-License-Identifier: Apache-2.0 */
/* cffi declarations for csrc/ipvs_batch.h */
#define PYIPVS_BATCH_NOT_RUN ...
#define PYIPVS_BATCH_UNKNOWN ...

struct pyipvs_ipvs_batch {
    uint16_t family_id;
    size_t max_msgs;
    uint8_t *sbuf;
    size_t scap;
    uint8_t *rbuf;
    size_t rcap;
    int stop_on_error;
    size_t chunks;
    size_t lost;
    size_t ran;
    size_t failed;
};

int pyipvs_ipvs_requests_check(const uint8_t *reqs, size_t len, size_t n);
int pyipvs_ipvs_batch_run(struct pyipvs_nl *nl, struct pyipvs_ipvs_batch *b, const uint8_t *reqs,
                          size_t len, size_t n, int32_t *results);
int pyipvs_ipvs_request(struct pyipvs_nl *nl, uint16_t family_id, const uint8_t *req, size_t len,
                        uint8_t *rbuf, size_t rcap);
