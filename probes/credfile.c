/* credfile: credential files read without blocking; see credfile.h. */
#include "probes/credfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probes/ktparse.h"

/* Principals with up to this many components need no allocation. */
#define SMALL_PRINCIPAL 8

/* Makes every MEMORY keytab name unique in the process. */
static atomic_ulong keytab_serial;

static void __attribute__((format(printf, 3, 4)))
say(char *msg, size_t msg_len, const char *fmt, ...)
{
    va_list ap;

    if (msg == NULL || msg_len == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, msg_len, fmt, ap);
    va_end(ap);
}

/* What a file that is not a regular one is, for messages. */
static const char *
kind_of(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "of an unknown kind";
}

/* 0 for a regular file, else its code, with the message. */
static int
refuse_kind(const char *path, const char *what, mode_t mode, char *msg,
            size_t msg_len)
{
    if (S_ISREG(mode))
        return 0;
    say(msg, msg_len, "%s \"%s\" is %s, not a regular file", what, path,
        kind_of(mode));
    return S_ISDIR(mode) ? EISDIR : EINVAL;
}

/*
 * Open the regular file at path for reading.  stat() first, so that a
 * device is never opened at all (opening some has effects); then open()
 * without blocking and fstat() the descriptor, in case the path was
 * replaced in between.  On success returns 0 and sets *fd_out (the caller
 * closes it) and *st_out.
 */
static int
open_regular(const char *path, const char *what, int *fd_out,
             struct stat *st_out, char *msg, size_t msg_len)
{
    struct stat st;
    int fd = -1, ret;

    if (stat(path, &st) != 0) {
        ret = errno;
        say(msg, msg_len, "cannot open %s \"%s\": %s", what, path,
            strerror(ret));
        goto cleanup;
    }
    ret = refuse_kind(path, what, st.st_mode, msg, msg_len);
    if (ret != 0)
        goto cleanup;
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        ret = errno;
        say(msg, msg_len, "cannot open %s \"%s\": %s", what, path,
            strerror(ret));
        goto cleanup;
    }
    if (fstat(fd, &st) != 0) {
        ret = errno;
        say(msg, msg_len, "cannot read %s \"%s\": %s", what, path,
            strerror(ret));
        goto cleanup;
    }
    ret = refuse_kind(path, what, st.st_mode, msg, msg_len);
    if (ret != 0)
        goto cleanup;
    *fd_out = fd;
    *st_out = st;
    fd = -1;
cleanup:
    if (fd >= 0)
        close(fd);
    return ret;
}

/* Read from fd into buf until it is full or the file ends; the count read
 * goes to *n_out.  Returns 0 or the errno of read(). */
static int
read_into(int fd, unsigned char *buf, size_t cap, size_t *n_out)
{
    size_t n = *n_out;

    while (n < cap) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r == 0)
            break;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            *n_out = n;
            return errno;
        }
        n += (size_t)r;
    }
    *n_out = n;
    return 0;
}

void
credfile_buf_free(struct credfile_buf *b)
{
    if (b == NULL)
        return;
    if (b->bytes != NULL)
        explicit_bzero(b->bytes, b->len);
    free(b->bytes);
    b->bytes = NULL;
    b->len = 0;
}

int
credfile_read(const char *path, const char *what, size_t max_len,
              struct credfile_buf *out, char *msg, size_t msg_len)
{
    struct credfile_buf b = { NULL, 0 };
    struct stat st;
    size_t cap;
    int fd = -1, ret;

    ret = open_regular(path, what, &fd, &st, msg, msg_len);
    if (ret != 0)
        goto cleanup;
    if (st.st_size < 0 || (uintmax_t)st.st_size > max_len) {
        ret = EFBIG;
        say(msg, msg_len, "%s \"%s\" is too large: %jd bytes, more than "
            "%zu", what, path, (intmax_t)st.st_size, max_len);
        goto cleanup;
    }
    /* One byte more than the size, to see the end of the file; the file
     * may grow meanwhile (a keytab being added to), up to the bound. */
    cap = (size_t)st.st_size + 1;
    b.bytes = malloc(cap);
    if (b.bytes == NULL) {
        ret = ENOMEM;
        say(msg, msg_len, "cannot read %s \"%s\": %s", what, path,
            strerror(ret));
        goto cleanup;
    }
    for (;;) {
        unsigned char *grown;
        size_t ncap;

        ret = read_into(fd, b.bytes, cap, &b.len);
        if (ret != 0) {
            say(msg, msg_len, "cannot read %s \"%s\": %s", what, path,
                strerror(ret));
            goto cleanup;
        }
        if (b.len < cap)
            break;
        if (b.len > max_len) {
            ret = EFBIG;
            say(msg, msg_len, "%s \"%s\" is too large: more than %zu bytes",
                what, path, max_len);
            goto cleanup;
        }
        /* Grown while read: a bigger buffer, the old one wiped, since
         * realloc() would leave a copy of the secrets behind. */
        ncap = cap > max_len / 2 ? max_len + 1 : cap * 2;
        grown = malloc(ncap);
        if (grown == NULL) {
            ret = ENOMEM;
            say(msg, msg_len, "cannot read %s \"%s\": %s", what, path,
                strerror(ret));
            goto cleanup;
        }
        memcpy(grown, b.bytes, b.len);
        explicit_bzero(b.bytes, b.len);
        free(b.bytes);
        b.bytes = grown;
        cap = ncap;
    }
    *out = b;
    b.bytes = NULL;
    b.len = 0;
cleanup:
    credfile_buf_free(&b);
    if (fd >= 0)
        close(fd);
    return ret;
}

size_t
credfile_line_length(const unsigned char *data, size_t len)
{
    size_t n = 0;

    while (n < len && data[n] != '\r' && data[n] != '\n' && data[n] != '\0')
        n++;
    return n;
}

int
credfile_read_password(const char *path, char *buf, size_t buf_len,
                       char *msg, size_t msg_len)
{
    struct stat st;
    size_t n = 0, line;
    int fd = -1, ret;

    if (buf_len == 0)
        return ENAMETOOLONG;
    ret = open_regular(path, "password file", &fd, &st, msg, msg_len);
    if (ret != 0)
        goto cleanup;
    /* The line must end within buf_len bytes, so no more are read. */
    ret = read_into(fd, (unsigned char *)buf, buf_len, &n);
    if (ret != 0) {
        say(msg, msg_len, "cannot read password file \"%s\": %s", path,
            strerror(ret));
        goto cleanup;
    }
    if (n == 0) {
        ret = ENODATA;
        say(msg, msg_len, "password file \"%s\" is empty", path);
        goto cleanup;
    }
    line = credfile_line_length((const unsigned char *)buf, n);
    if (line >= buf_len) {
        ret = ENAMETOOLONG;
        say(msg, msg_len, "the first line of password file \"%s\" is too "
            "long: more than %zu bytes", path, buf_len - 1);
        goto cleanup;
    }
    /* What follows the line is no business of ours. */
    explicit_bzero(buf + line, n - line);
    buf[line] = '\0';
cleanup:
    if (ret != 0)
        explicit_bzero(buf, buf_len);
    if (fd >= 0)
        close(fd);
    return ret;
}

/*
 * Add entry e (parsed by cur from data) to kt.  The principal and key are
 * built on the stack, pointing into data; krb5_kt_add_entry() copies them.
 */
static krb5_error_code
add_entry(krb5_context ctx, krb5_keytab kt, const struct ktparse_cursor *cur,
          const struct ktparse_entry *e, unsigned char *data)
{
    struct ktparse_span spans_small[SMALL_PRINCIPAL], *spans = spans_small;
    krb5_data comps_small[SMALL_PRINCIPAL], *comps = comps_small;
    krb5_principal_data princ;
    krb5_keytab_entry ent;
    krb5_error_code ret;

    if (e->n_components > SMALL_PRINCIPAL) {
        spans = calloc(e->n_components, sizeof(*spans));
        comps = calloc(e->n_components, sizeof(*comps));
        if (spans == NULL || comps == NULL) {
            ret = ENOMEM;
            goto cleanup;
        }
    }
    ktparse_components(cur, e, spans);
    for (size_t i = 0; i < e->n_components; i++) {
        comps[i].magic = KV5M_DATA;
        comps[i].length = (unsigned int)spans[i].len;
        comps[i].data = (char *)data + spans[i].off;
    }
    memset(&princ, 0, sizeof(princ));
    princ.magic = KV5M_PRINCIPAL;
    princ.realm.magic = KV5M_DATA;
    princ.realm.length = (unsigned int)e->realm.len;
    princ.realm.data = (char *)data + e->realm.off;
    princ.data = comps;
    princ.length = (krb5_int32)e->n_components;
    princ.type = e->name_type;

    memset(&ent, 0, sizeof(ent));
    ent.magic = KV5M_KEYTAB_ENTRY;
    ent.principal = &princ;
    ent.timestamp = (krb5_timestamp)e->timestamp;
    ent.vno = e->vno;
    ent.key.magic = KV5M_KEYBLOCK;
    ent.key.enctype = e->enctype;
    ent.key.length = (unsigned int)e->key.len;
    ent.key.contents = data + e->key.off;
    ret = krb5_kt_add_entry(ctx, kt, &ent);
cleanup:
    if (spans != spans_small)
        free(spans);
    if (comps != comps_small)
        free(comps);
    return ret;
}

/* The message for a keytab ktparse refused. */
static void
set_parse_message(krb5_context ctx, const char *path,
                  const struct ktparse_cursor *cur, size_t len)
{
    if (cur->error == KRB5_KEYTAB_BADVNO && len == 0)
        krb5_set_error_message(ctx, cur->error, "keytab \"%s\" is empty",
                               path);
    else if (cur->error == KRB5_KEYTAB_BADVNO)
        krb5_set_error_message(ctx, cur->error, "keytab \"%s\" is %s", path,
                               cur->why);
    else
        krb5_set_error_message(ctx, cur->error, "keytab \"%s\" is malformed "
                               "at byte %zu: %s", path, cur->why_off,
                               cur->why);
}

krb5_error_code
credfile_keytab_memory(krb5_context ctx, const char *path,
                       unsigned char *data, size_t len, krb5_keytab *kt_out)
{
    struct ktparse_cursor cur;
    struct ktparse_entry *entries = NULL, e;
    krb5_keytab kt = NULL;
    krb5_error_code ret;
    size_t n = 0, i;
    char *name = NULL;

    /* Once through to check it all and count, before anything is made. */
    ret = ktparse_start(&cur, data, len);
    while (ret == 0 && (ret = ktparse_next(&cur, &e)) == 0)
        n++;
    if (ret != KRB5_KT_END) {
        set_parse_message(ctx, path, &cur, len);
        goto cleanup;
    }
    entries = calloc(n ? n : 1, sizeof(*entries));
    if (entries == NULL) {
        ret = ENOMEM;
        goto cleanup;
    }
    (void)ktparse_start(&cur, data, len);
    for (i = 0; i < n && ktparse_next(&cur, &entries[i]) == 0; i++)
        ;

    if (asprintf(&name, "MEMORY:krb5exp/%lu/%s",
                 atomic_fetch_add(&keytab_serial, 1) + 1, path) < 0) {
        name = NULL;
        ret = ENOMEM;
        goto cleanup;
    }
    ret = krb5_kt_resolve(ctx, name, &kt);
    if (ret != 0)
        goto cleanup;
    /* A MEMORY keytab puts each new entry first: adding them last to
     * first keeps the file's order, which libkrb5's choices depend on
     * (the first of equal kvnos; the order of enctypes it offers). */
    for (i = n; i > 0 && ret == 0; i--)
        ret = add_entry(ctx, kt, &cur, &entries[i - 1], data);
    if (ret != 0)
        goto cleanup;
    *kt_out = kt;
    kt = NULL;
cleanup:
    credfile_keytab_close(ctx, kt);
    free(entries);
    free(name);
    return ret;
}

krb5_error_code
credfile_keytab(krb5_context ctx, const char *path, krb5_keytab *kt_out)
{
    struct credfile_buf b = { NULL, 0 };
    char msg[CREDFILE_MSG_MAX];
    krb5_error_code ret;

    ret = credfile_read(path, "keytab", CREDFILE_KEYTAB_MAX, &b, msg,
                        sizeof(msg));
    if (ret != 0) {
        krb5_set_error_message(ctx, ret, "%s", msg);
        goto cleanup;
    }
    ret = credfile_keytab_memory(ctx, path, b.bytes, b.len, kt_out);
cleanup:
    credfile_buf_free(&b);
    return ret;
}

void
credfile_keytab_close(krb5_context ctx, krb5_keytab kt)
{
    /* MIT's MEMORY keytabs count their references: the last
     * krb5_kt_close() frees the keytab and its entries, wiping the keys.
     * libkrb5 1.20 has no krb5_kt_destroy(). */
    if (kt != NULL)
        krb5_kt_close(ctx, kt);
}
