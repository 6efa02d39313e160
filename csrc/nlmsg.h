/* SPDX-License-Identifier: Apache-2.0 */
/* Netlink message building and attribute parsing over caller-owned buffers.
 *
 * No syscalls and no allocation here: a message builder writes into a buffer the caller owns and
 * records the first error (always -EMSGSIZE: the buffer is too small) instead of failing on every
 * call, so a builder sequence needs one check at the end (libmnl's habit, turned sticky). */
#ifndef PYIPVS_NLMSG_H
#define PYIPVS_NLMSG_H

#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

struct pyipvs_msgbuf {
    uint8_t *buf;
    size_t cap;
    size_t len;       /* bytes used, all messages so far */
    size_t msg_start; /* offset of the message being built */
    int error;        /* first error, sticky; 0 when all is well */
};

void pyipvs_mb_init(struct pyipvs_msgbuf *mb, uint8_t *buf, size_t cap);
/* Starts a generic-netlink message: nlmsghdr + genlmsghdr. */
void pyipvs_mb_genl_begin(struct pyipvs_msgbuf *mb, uint16_t family, uint16_t flags, uint32_t seq,
                          uint8_t cmd, uint8_t version);
/* Closes the message being built (fills nlmsg_len). Returns 0 or the sticky error. */
int pyipvs_mb_end(struct pyipvs_msgbuf *mb);

void pyipvs_mb_put(struct pyipvs_msgbuf *mb, uint16_t type, const void *data, size_t len);
void pyipvs_mb_put_u8(struct pyipvs_msgbuf *mb, uint16_t type, uint8_t value);
void pyipvs_mb_put_u16(struct pyipvs_msgbuf *mb, uint16_t type, uint16_t value);
void pyipvs_mb_put_u32(struct pyipvs_msgbuf *mb, uint16_t type, uint32_t value);
void pyipvs_mb_put_strz(struct pyipvs_msgbuf *mb, uint16_t type, const char *value);
/* Nests: begin returns the nest's offset, to be handed to end. */
size_t pyipvs_mb_nest_begin(struct pyipvs_msgbuf *mb, uint16_t type);
void pyipvs_mb_nest_end(struct pyipvs_msgbuf *mb, size_t nest);

/* Attribute access. */
const struct nlattr *pyipvs_attr_next(const uint8_t *data, size_t len, size_t *offset);
/* Indexes the attributes in data by type into tb[0..maxtype] (NULL where absent). Unknown types
 * and zero-length padding are skipped. Returns 0, or -EBADMSG when an attribute overruns data. */
int pyipvs_attr_parse(const uint8_t *data, size_t len, const struct nlattr **tb, int maxtype);
const uint8_t *pyipvs_attr_data(const struct nlattr *attr);
size_t pyipvs_attr_len(const struct nlattr *attr);
/* Checked readers: -EBADMSG unless the payload has exactly (or, for strings, at most) the size. */
int pyipvs_attr_u8(const struct nlattr *attr, uint8_t *out);
int pyipvs_attr_u16(const struct nlattr *attr, uint16_t *out);
int pyipvs_attr_u32(const struct nlattr *attr, uint32_t *out);
int pyipvs_attr_u64(const struct nlattr *attr, uint64_t *out);
int pyipvs_attr_str(const struct nlattr *attr, char *out, size_t cap);

#endif
