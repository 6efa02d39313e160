/* SPDX-License-Identifier: Apache-2.0 */
/* cffi declarations for csrc/nlmsg.h */
struct pyipvs_msgbuf {
    uint8_t *buf;
    size_t cap;
    size_t len;
    size_t msg_start;
    int error;
};
void pyipvs_mb_init(struct pyipvs_msgbuf *mb, uint8_t *buf, size_t cap);
