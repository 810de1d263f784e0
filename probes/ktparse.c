/* ktparse: the MIT keytab file format in memory; see ktparse.h. */
#include "probes/ktparse.h"

#include <string.h>

/* The largest count or length libkrb5 takes: it reads them as int16, and
 * stops at a zero or negative one. */
#define MAX_COUNTED 0x7fff

/* A bounded read of one record: [pos, end) of buf. */
struct reader {
    const unsigned char *buf;
    size_t pos;
    size_t end;
    int big_endian;
};

/* Is this host big-endian?  Version 1 keytabs are in the writer's order,
 * and libkrb5 reads them in its host's. */
static int
host_big_endian(void)
{
    const uint16_t one = 1;
    unsigned char first;

    memcpy(&first, &one, 1);
    return first == 0;
}

static uint32_t
decode(const unsigned char *p, size_t n, int big_endian)
{
    uint32_t v = 0;

    for (size_t i = 0; i < n; i++)
        v |= (uint32_t)p[big_endian ? i : n - 1 - i] << (8 * (n - 1 - i));
    return v;
}

/* Take n (1, 2 or 4) bytes as an unsigned number; 0, or -1 when fewer than
 * n bytes are left. */
static int
take(struct reader *r, size_t n, uint32_t *out)
{
    if (r->end - r->pos < n)
        return -1;
    *out = decode(r->buf + r->pos, n, r->big_endian);
    r->pos += n;
    return 0;
}

/* The uint16 and uint32 fields read as the signed numbers libkrb5 makes of
 * them, without relying on implementation-defined conversions. */
static int32_t
as_int16(uint32_t v)
{
    return (int32_t)(v & 0x7fff) - (int32_t)(v & 0x8000);
}

static int64_t
as_int32(uint32_t v)
{
    return (int64_t)v - ((v & 0x80000000u) ? INT64_C(0x100000000) : 0);
}

static krb5_error_code
refuse(struct ktparse_cursor *cur, krb5_error_code code, size_t off,
       const char *why)
{
    cur->error = code;
    cur->why = why;
    cur->why_off = off;
    return code;
}

/* A counted string (uint16 length, then the bytes) within the record. */
static int
counted(struct reader *r, struct ktparse_span *out, const char **why,
        const char *empty, const char *overrun)
{
    uint32_t n;

    if (take(r, 2, &n) != 0) {
        *why = overrun;
        return -1;
    }
    if (n == 0 || n > MAX_COUNTED) {
        *why = empty;
        return -1;
    }
    if (r->end - r->pos < n) {
        *why = overrun;
        return -1;
    }
    out->off = r->pos;
    out->len = n;
    r->pos += n;
    return 0;
}

krb5_error_code
ktparse_start(struct ktparse_cursor *cur, const void *buf, size_t len)
{
    memset(cur, 0, sizeof(*cur));
    cur->buf = buf;
    cur->len = len;
    if (len < 2)
        return refuse(cur, KRB5_KEYTAB_BADVNO, 0,
                      "too short to hold a keytab version");
    if (cur->buf[0] != 0x05 || (cur->buf[1] != 0x01 && cur->buf[1] != 0x02))
        return refuse(cur, KRB5_KEYTAB_BADVNO, 0,
                      "not a keytab: no MIT keytab version 1 or 2 at its "
                      "start");
    cur->version = cur->buf[1];
    cur->pos = 2;
    return 0;
}

/* Parse the entry in [start, end); *e on success, else the reason. */
static int
parse_record(const struct ktparse_cursor *cur, size_t start, size_t end,
             struct ktparse_entry *e, size_t *why_off, const char **why)
{
    struct reader r = { cur->buf, start, end,
                        cur->version == 1 ? host_big_endian() : 1 };
    uint32_t count, v;
    int64_t components;

    *why_off = start;
    if (take(&r, 2, &count) != 0) {
        *why = "the record ends inside its component count";
        return -1;
    }
    /* Version 1 counts the realm as a component. */
    components = cur->version == 1 ? (int64_t)as_int16(count) - 1 : count;
    if (components <= 0 || components > MAX_COUNTED) {
        *why = "the principal's component count is 0 or out of range";
        return -1;
    }
    e->n_components = (size_t)components;
    *why_off = r.pos;
    if (counted(&r, &e->realm, why, "the realm is empty or its length out "
                "of range", "the realm runs past the record's end") != 0)
        return -1;
    e->components.off = r.pos;
    for (size_t i = 0; i < e->n_components; i++) {
        struct ktparse_span s;
        *why_off = r.pos;
        if (counted(&r, &s, why, "a component is empty or its length out "
                    "of range", "a component runs past the record's end")
            != 0)
            return -1;
    }
    e->components.len = r.pos - e->components.off;
    *why_off = r.pos;
    e->name_type = KRB5_NT_UNKNOWN;
    if (cur->version != 1) {
        if (take(&r, 4, &v) != 0) {
            *why = "the record ends inside the name type";
            return -1;
        }
        e->name_type = (int32_t)as_int32(v);
    }
    *why_off = r.pos;
    if (take(&r, 4, &e->timestamp) != 0 || take(&r, 1, &e->vno) != 0) {
        *why = "the record ends inside the timestamp or kvno";
        return -1;
    }
    *why_off = r.pos;
    if (take(&r, 2, &v) != 0) {
        *why = "the record ends inside the enctype";
        return -1;
    }
    e->enctype = as_int16(v);
    *why_off = r.pos;
    if (counted(&r, &e->key, why, "the key is empty or its length out of "
                "range", "the key runs past the record's end") != 0)
        return -1;
    /* The 32-bit kvno, when the record has room for it; 0 is zero fill. */
    if (r.end - r.pos >= 4) {
        (void)take(&r, 4, &v);
        if (v != 0)
            e->vno = v;
    }
    e->record_off = start - 4;
    return 0;
}

krb5_error_code
ktparse_next(struct ktparse_cursor *cur, struct ktparse_entry *entry_out)
{
    struct ktparse_entry e;
    const char *why = NULL;
    size_t why_off = 0;

    if (cur->error != 0)
        return cur->error;
    for (;;) {
        struct reader r = { cur->buf, cur->pos, cur->len,
                            cur->version == 1 ? host_big_endian() : 1 };
        uint32_t raw;
        int64_t size;

        if (cur->pos == cur->len)
            return KRB5_KT_END;
        if (take(&r, 4, &raw) != 0)
            return refuse(cur, KRB5_KT_FORMAT, cur->pos,
                          "the file ends inside a record's size");
        size = as_int32(raw);
        if (size == 0)
            return KRB5_KT_END;
        if (size == INT32_MIN)
            return refuse(cur, KRB5_KT_FORMAT, cur->pos,
                          "a hole of impossible size");
        if (size < 0) {
            if ((uint64_t)-size > cur->len - r.pos)
                return refuse(cur, KRB5_KT_FORMAT, cur->pos,
                              "a hole runs past the end of the file");
            cur->pos = r.pos + (size_t)-size;
            continue;
        }
        if ((uint64_t)size > cur->len - r.pos)
            return refuse(cur, KRB5_KT_FORMAT, cur->pos,
                          "a record runs past the end of the file");
        memset(&e, 0, sizeof(e));
        if (parse_record(cur, r.pos, r.pos + (size_t)size, &e, &why_off,
                         &why) != 0)
            return refuse(cur, KRB5_KT_FORMAT, why_off, why);
        cur->pos = r.pos + (size_t)size;
        *entry_out = e;
        return 0;
    }
}

void
ktparse_components(const struct ktparse_cursor *cur,
                   const struct ktparse_entry *e, struct ktparse_span *out)
{
    struct reader r = { cur->buf, e->components.off,
                        e->components.off + e->components.len,
                        cur->version == 1 ? host_big_endian() : 1 };

    for (size_t i = 0; i < e->n_components; i++) {
        uint32_t n = 0;
        /* Checked by ktparse_next(); an entry from elsewhere gives empty
         * spans rather than a read out of bounds. */
        if (take(&r, 2, &n) != 0 || r.end - r.pos < n)
            n = 0;
        out[i].off = r.pos;
        out[i].len = n;
        r.pos += n;
    }
}
