/*
 * ktparse: the MIT keytab file format, parsed in memory.  Pure: no I/O, no
 * allocation, no copies.  What it finds is given as spans (offset and
 * length) into the caller's buffer, so key material is never copied here;
 * the caller indexes its own buffer, which it owns and wipes.
 *
 * The format (MIT kt_file.c): two version bytes, 0x05 then 0x02 (version
 * 2, big-endian) or 0x01 (version 1, the writer's native byte order, read
 * here in this host's order as libkrb5 does).  Then records, each an int32
 * size: 0 ends the file, a negative size is a hole of -size bytes to skip,
 * a positive one is an entry of that many bytes:
 *     uint16 component count (version 1: counting the realm too)
 *     uint16 length + realm
 *     per component: uint16 length + bytes
 *     uint32 name type (version 2 only)
 *     uint32 timestamp
 *     uint8  kvno
 *     uint16 enctype
 *     uint16 length + key
 *     uint32 kvno, only when 4 or more bytes of the record remain; it
 *            replaces the 8-bit kvno when it is not 0
 * The end of the buffer at a record boundary ends the file too.
 *
 * Every length is checked against its record and the record against the
 * buffer.  What libkrb5 would read as the end of the keytab (a zero or
 * negative count or length) or read past a record's end for, is refused
 * here as malformed: whatever this parser accepts, libkrb5's FILE keytab
 * reads as the same entries in the same order.
 */
#ifndef KRB5EXP_KTPARSE_H
#define KRB5EXP_KTPARSE_H

#include <krb5/krb5.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes [off, off + len) of the parsed buffer. */
struct ktparse_span {
    size_t off;
    size_t len;
};

/* One keytab entry.  The spans are into the buffer given to
 * ktparse_start(), valid while it is. */
struct ktparse_entry {
    size_t record_off;                /* where its size field starts */
    struct ktparse_span realm;
    size_t n_components;              /* 1 or more */
    struct ktparse_span components;   /* the counted components, all of
                                         them; split by ktparse_components() */
    int32_t name_type;                /* KRB5_NT_UNKNOWN in version 1 */
    uint32_t timestamp;
    uint32_t vno;                     /* the 32-bit kvno when present and
                                         not 0, else the 8-bit one */
    int32_t enctype;                  /* the uint16 field read as int16,
                                         as libkrb5 does */
    struct ktparse_span key;          /* the key itself: a secret */
};

/* Where the parse is.  Fill it with ktparse_start(). */
struct ktparse_cursor {
    const unsigned char *buf;         /* borrowed */
    size_t len;
    size_t pos;                       /* the next record's size field */
    int version;                      /* 1 or 2 */
    krb5_error_code error;            /* sticky; 0 while all is well */
    const char *why;                  /* static text: why the buffer was
                                         refused (never its bytes); NULL */
    size_t why_off;                   /* the offset it refers to */
};

/*
 * Start parsing the len bytes at buf (borrowed for as long as the cursor
 * and its entries are used).  Returns 0, or KRB5_KEYTAB_BADVNO when the
 * buffer does not start with a keytab version (cur->why says more).
 */
krb5_error_code ktparse_start(struct ktparse_cursor *cur, const void *buf,
                              size_t len);

/*
 * The next entry, past any holes, into *entry_out.  Returns 0, KRB5_KT_END
 * at the end of the keytab, or KRB5_KT_FORMAT when the record is malformed
 * (cur->why and cur->why_off say what and where); an error stays: every
 * later call returns it again.  *entry_out is set only on success.
 */
krb5_error_code ktparse_next(struct ktparse_cursor *cur,
                             struct ktparse_entry *entry_out);

/*
 * Split an entry's components (as ktparse_next() returned it from cur)
 * into e->n_components spans at out, which the caller sizes.  Cannot fail:
 * ktparse_next() checked them.
 */
void ktparse_components(const struct ktparse_cursor *cur,
                        const struct ktparse_entry *e,
                        struct ktparse_span *out);

#endif
