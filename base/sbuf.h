/*
 * sbuf: a growable text buffer with a sticky error.  Appends return nothing;
 * after the last one, sbuf_status() says whether every append succeeded
 * (the idea of MIT krb5's k5-buf.h).  Once an allocation fails, the buffer
 * stays failed and later appends do nothing.
 */
#ifndef KRB5EXP_SBUF_H
#define KRB5EXP_SBUF_H

#include <stddef.h>

struct sbuf {
    char *data;               /* owned; always NUL-terminated when len > 0 */
    size_t len;
    size_t cap;
    int failed;
};

void sbuf_init(struct sbuf *b);
void sbuf_add(struct sbuf *b, const char *s);
void sbuf_addn(struct sbuf *b, const char *s, size_t n);
void sbuf_addf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* 0 when every append succeeded, -1 (ENOMEM) otherwise. */
int sbuf_status(const struct sbuf *b);
/* Hand over the text (caller frees) and reset b; NULL when failed. */
char *sbuf_take(struct sbuf *b, size_t *len_out);
void sbuf_free(struct sbuf *b);

#endif
