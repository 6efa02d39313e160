/* SPDX-License-Identifier: Apache-2.0 */
/* Netlink message building and attribute parsing (see nlmsg.h). */
#include "nlmsg.h"

#include <errno.h>
#include <string.h>

#include <linux/genetlink.h>

static void *reserve(struct pyipvs_msgbuf *mb, size_t len)
{
    size_t aligned = NLMSG_ALIGN(len);
    uint8_t *p;

    if (mb->error)
        return NULL;
    if (mb->cap - mb->len < aligned) {
        mb->error = -EMSGSIZE;
        return NULL;
    }
    p = mb->buf + mb->len;
    memset(p, 0, aligned);
    mb->len += aligned;
    return p;
}

void pyipvs_mb_init(struct pyipvs_msgbuf *mb, uint8_t *buf, size_t cap)
{
    mb->buf = buf;
    mb->cap = cap;
    mb->len = 0;
    mb->msg_start = 0;
    mb->error = 0;
}

void pyipvs_mb_genl_begin(struct pyipvs_msgbuf *mb, uint16_t family, uint16_t flags, uint32_t seq,
                          uint8_t cmd, uint8_t version)
{
    size_t start = mb->len;
    struct nlmsghdr *nlh = reserve(mb, NLMSG_HDRLEN);
    struct genlmsghdr *genl;

    if (!nlh)
        return;
    mb->msg_start = start;
    nlh->nlmsg_type = family;
    nlh->nlmsg_flags = flags;
    nlh->nlmsg_seq = seq;
    genl = reserve(mb, GENL_HDRLEN);
    if (!genl)
        return;
    genl->cmd = cmd;
    genl->version = version;
}

int pyipvs_mb_end(struct pyipvs_msgbuf *mb)
{
    struct nlmsghdr *nlh;

    if (mb->error)
        return mb->error;
    nlh = (struct nlmsghdr *)(mb->buf + mb->msg_start);
    nlh->nlmsg_len = (uint32_t)(mb->len - mb->msg_start);
    return 0;
}

void pyipvs_mb_put(struct pyipvs_msgbuf *mb, uint16_t type, const void *data, size_t len)
{
    struct nlattr *nla;

    if (len > 0xffff - NLA_HDRLEN) {
        if (!mb->error)
            mb->error = -EMSGSIZE;
        return;
    }
    nla = reserve(mb, NLA_HDRLEN + len);
    if (!nla)
        return;
    nla->nla_type = type;
    nla->nla_len = (uint16_t)(NLA_HDRLEN + len);
    if (len)
        memcpy((uint8_t *)nla + NLA_HDRLEN, data, len);
}

void pyipvs_mb_put_u8(struct pyipvs_msgbuf *mb, uint16_t type, uint8_t value)
{
    pyipvs_mb_put(mb, type, &value, sizeof(value));
}

void pyipvs_mb_put_u16(struct pyipvs_msgbuf *mb, uint16_t type, uint16_t value)
{
    pyipvs_mb_put(mb, type, &value, sizeof(value));
}

void pyipvs_mb_put_u32(struct pyipvs_msgbuf *mb, uint16_t type, uint32_t value)
{
    pyipvs_mb_put(mb, type, &value, sizeof(value));
}

void pyipvs_mb_put_strz(struct pyipvs_msgbuf *mb, uint16_t type, const char *value)
{
    pyipvs_mb_put(mb, type, value, strlen(value) + 1);
}

size_t pyipvs_mb_nest_begin(struct pyipvs_msgbuf *mb, uint16_t type)
{
    size_t start = mb->len;
    struct nlattr *nla = reserve(mb, NLA_HDRLEN);

    if (!nla)
        return 0;
    /* The kernel's IPVS policy parses nests leniently; NLA_F_NESTED is still the correct form. */
    nla->nla_type = type | NLA_F_NESTED;
    return start;
}

void pyipvs_mb_nest_end(struct pyipvs_msgbuf *mb, size_t nest)
{
    struct nlattr *nla;

    if (mb->error)
        return;
    nla = (struct nlattr *)(mb->buf + nest);
    if (mb->len - nest > 0xffff) {
        mb->error = -EMSGSIZE;
        return;
    }
    nla->nla_len = (uint16_t)(mb->len - nest);
}

const struct nlattr *pyipvs_attr_next(const uint8_t *data, size_t len, size_t *offset)
{
    const struct nlattr *nla;

    if (*offset + NLA_HDRLEN > len)
        return NULL;
    nla = (const struct nlattr *)(data + *offset);
    if (nla->nla_len < NLA_HDRLEN || nla->nla_len > len - *offset)
        return NULL;
    *offset += NLA_ALIGN(nla->nla_len);
    return nla;
}

int pyipvs_attr_parse(const uint8_t *data, size_t len, const struct nlattr **tb, int maxtype)
{
    size_t offset = 0;
    const struct nlattr *nla;
    int i;

    for (i = 0; i <= maxtype; i++)
        tb[i] = NULL;
    while ((nla = pyipvs_attr_next(data, len, &offset)) != NULL) {
        int type = nla->nla_type & NLA_TYPE_MASK;

        if (type > 0 && type <= maxtype)
            tb[type] = nla;
    }
    /* Anything left that is not a whole attribute is a malformed message. */
    return offset < len && len - offset >= NLA_HDRLEN ? -EBADMSG : 0;
}

const uint8_t *pyipvs_attr_data(const struct nlattr *attr)
{
    return (const uint8_t *)attr + NLA_HDRLEN;
}

size_t pyipvs_attr_len(const struct nlattr *attr)
{
    return attr->nla_len - NLA_HDRLEN;
}

static int read_exact(const struct nlattr *attr, void *out, size_t size)
{
    if (!attr || pyipvs_attr_len(attr) != size)
        return -EBADMSG;
    memcpy(out, pyipvs_attr_data(attr), size);
    return 0;
}

int pyipvs_attr_u8(const struct nlattr *attr, uint8_t *out)
{
    return read_exact(attr, out, sizeof(*out));
}

int pyipvs_attr_u16(const struct nlattr *attr, uint16_t *out)
{
    return read_exact(attr, out, sizeof(*out));
}

int pyipvs_attr_u32(const struct nlattr *attr, uint32_t *out)
{
    return read_exact(attr, out, sizeof(*out));
}

int pyipvs_attr_u64(const struct nlattr *attr, uint64_t *out)
{
    return read_exact(attr, out, sizeof(*out));
}

int pyipvs_attr_str(const struct nlattr *attr, char *out, size_t cap)
{
    size_t len;

    if (!attr || cap == 0)
        return -EBADMSG;
    len = strnlen((const char *)pyipvs_attr_data(attr), pyipvs_attr_len(attr));
    if (len >= cap)
        return -EBADMSG;
    memcpy(out, pyipvs_attr_data(attr), len);
    out[len] = '\0';
    return 0;
}
