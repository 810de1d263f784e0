/* sbuf: growable text buffer with a sticky error; see sbuf.h. */
#include "base/sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
sbuf_init(struct sbuf *b)
{
    memset(b, 0, sizeof(*b));
}

/* Make room for `extra` more bytes plus the terminating NUL. */
static int
reserve(struct sbuf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (b->failed)
        return -1;
    if (extra > (size_t)-1 - b->len - 1) {
        b->failed = 1;
        return -1;
    }
    need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > (size_t)-1 / 2 ? need : cap * 2;
    p = realloc(b->data, cap);
    if (p == NULL) {
        b->failed = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

void
sbuf_addn(struct sbuf *b, const char *s, size_t n)
{
    if (reserve(b, n) != 0)
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void
sbuf_add(struct sbuf *b, const char *s)
{
    sbuf_addn(b, s, strlen(s));
}

void
sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    size_t room;
    int n;

    if (b->failed)
        return;
    /* Format straight into the spare room; only when it does not fit,
     * grow and format again. */
    room = b->cap > b->len ? b->cap - b->len : 0;
    va_start(ap, fmt);
    n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)n >= room) {
        if (reserve(b, (size_t)n) != 0)
            return;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

int
sbuf_status(const struct sbuf *b)
{
    return b->failed ? -1 : 0;
}

char *
sbuf_take(struct sbuf *b, size_t *len_out)
{
    char *p;

    if (b->failed || reserve(b, 0) != 0) {
        sbuf_free(b);
        return NULL;
    }
    b->data[b->len] = '\0';
    p = b->data;
    if (len_out != NULL)
        *len_out = b->len;
    sbuf_init(b);
    return p;
}

void
sbuf_free(struct sbuf *b)
{
    free(b->data);
    sbuf_init(b);
}
