/*
 * Unit tests for credfile (credential files read without blocking, bounded,
 * never quoted) and ktparse (the keytab format in memory): what each kind
 * of file gives, password lines, keytab bytes good and hostile, and MEMORY
 * keytabs that hold what libkrb5's own FILE reading finds.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <krb5/krb5.h>

#include "probes/credfile.h"
#include "probes/ktparse.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static char tmpdir[64];

/* tmpdir/name, in a static buffer. */
static const char *
in_tmp(const char *name)
{
    static char path[256];

    if (name[0] == '/')
        return name;
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    return path;
}

static void
write_file(const char *name, const void *data, size_t len)
{
    FILE *f = fopen(in_tmp(name), "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Bytes from hex text; spaces are ignored.  Returns the count. */
static size_t
from_hex(const char *hex, unsigned char *out, size_t cap)
{
    size_t n = 0;

    for (const char *p = hex; *p != '\0';) {
        unsigned int byte;
        if (*p == ' ') {
            p++;
            continue;
        }
        assert_true(sscanf(p, "%2x", &byte) == 1);
        assert_true(n < cap);
        out[n++] = (unsigned char)byte;
        p += 2;
    }
    return n;
}

static int
setup(void **state)
{
    struct sockaddr_un sun;
    int s;

    (void)state;
    strcpy(tmpdir, "/tmp/test_credfile.XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    if (mkfifo(in_tmp("fifo"), 0600) != 0 || mkdir(in_tmp("dir"), 0700) != 0)
        return -1;
    s = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    if (strlen(in_tmp("sock")) >= sizeof(sun.sun_path))
        return -1;
    memcpy(sun.sun_path, in_tmp("sock"), strlen(in_tmp("sock")) + 1);
    if (s < 0 || bind(s, (struct sockaddr *)&sun, sizeof(sun)) != 0)
        return -1;
    close(s);
    return 0;
}

static int
teardown(void **state)
{
    static const char *const names[] = {
        "fifo", "sock", "big", "exact", "empty", "pw", "secret.pw",
        "lib.keytab", "ktutil.keytab", "bad.keytab", "trunc.keytab",
    };

    (void)state;
    for (size_t i = 0; i < COUNT(names); i++)
        unlink(in_tmp(names[i]));
    rmdir(in_tmp("dir"));
    return rmdir(tmpdir);
}

/* ---- credfile_read: what each kind of path gives ---- */

struct kind_case {
    const char *name;         /* in tmpdir, or absolute */
    int want;                 /* errno value, 0 for success */
    const char *message;      /* printf format of the message, %s the path */
    const char *why;
};

static const struct kind_case kind_cases[] = {
    { "fifo", EINVAL, "keytab \"%s\" is a FIFO, not a regular file",
      "a FIFO is refused at once: it is never opened, so cannot block" },
    { "dir", EISDIR, "keytab \"%s\" is a directory, not a regular file",
      "a directory" },
    { "/dev/null", EINVAL,
      "keytab \"%s\" is a character device, not a regular file",
      "a character device is never opened (opening some has effects)" },
    { "sock", EINVAL, "keytab \"%s\" is a socket, not a regular file",
      "a socket" },
    { "missing", ENOENT, "cannot open keytab \"%s\": No such file or "
      "directory", "the stat() errno, with the path" },
    { "big", EFBIG, "keytab \"%s\" is too large: 17 bytes, more than 16",
      "one byte over the bound" },
    { "exact", 0, NULL, "exactly the bound" },
    { "empty", 0, NULL, "an empty file reads as no bytes" },
};

static void
read_kinds(void **state)
{
    (void)state;
    /* A read that blocked would hang the test: SIGALRM ends it instead. */
    alarm(20);
    write_file("big", "SECRET-0123456789", 17);
    write_file("exact", "SECRET-012345678", 16);
    write_file("empty", "", 0);
    for (size_t i = 0; i < COUNT(kind_cases); i++) {
        const struct kind_case *c = &kind_cases[i];
        struct credfile_buf b = { NULL, 0 };
        char msg[CREDFILE_MSG_MAX] = "", want[CREDFILE_MSG_MAX];
        const char *path = in_tmp(c->name);

        print_message("case: %s\n", c->why);
        assert_int_equal(credfile_read(path, "keytab", 16, &b, msg,
                                       sizeof(msg)), c->want);
        if (c->want != 0) {
            snprintf(want, sizeof(want), c->message, path);
            assert_string_equal(msg, want);
            assert_null(b.bytes);
            assert_null(strstr(msg, "SECRET"));
            /* The message is optional. */
            assert_int_equal(credfile_read(path, "keytab", 16, &b, NULL, 0),
                             c->want);
            continue;
        }
        assert_non_null(b.bytes);
        if (strcmp(c->name, "exact") == 0) {
            assert_int_equal(b.len, 16);
            assert_memory_equal(b.bytes, "SECRET-012345678", 16);
        } else {
            assert_int_equal(b.len, 0);
        }
        credfile_buf_free(&b);
        assert_null(b.bytes);
        assert_int_equal(b.len, 0);
    }
    credfile_buf_free(NULL);
    alarm(0);
}

/* A block device, where the machine has one. */
static void
read_block_device(void **state)
{
    static const char *const candidates[] = {
        "/dev/loop0", "/dev/sda", "/dev/vda", "/dev/nvme0n1", "/dev/xvda",
        "/dev/ram0",
    };
    struct credfile_buf b = { NULL, 0 };
    char msg[CREDFILE_MSG_MAX], want[CREDFILE_MSG_MAX];

    (void)state;
    for (size_t i = 0; i < COUNT(candidates); i++) {
        struct stat st;
        if (stat(candidates[i], &st) != 0 || !S_ISBLK(st.st_mode))
            continue;
        assert_int_equal(credfile_read(candidates[i], "keytab", 16, &b, msg,
                                       sizeof(msg)), EINVAL);
        snprintf(want, sizeof(want),
                 "keytab \"%s\" is a block device, not a regular file",
                 candidates[i]);
        assert_string_equal(msg, want);
        return;
    }
    skip();
}

/* ---- passwords ---- */

struct line_case {
    const char *data;
    size_t len;
    size_t want;
    const char *why;
};

static const struct line_case line_cases[] = {
    { "", 0, 0, "nothing" },
    { "pw", 2, 2, "no line end: all of it" },
    { "pw\n", 3, 2, "LF" },
    { "pw\r\n", 4, 2, "CRLF" },
    { "pw\rmore", 7, 2, "a lone CR ends the line too" },
    { "\nsecond", 7, 0, "an empty first line" },
    { "p\0w", 3, 1, "a NUL ends the C string, as fgets() and strcspn() did" },
};

static void
line_lengths(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(line_cases); i++) {
        const struct line_case *c = &line_cases[i];
        print_message("case: %s\n", c->why);
        assert_int_equal(credfile_line_length((const unsigned char *)c->data,
                                              c->len), c->want);
    }
}

struct password_case {
    const char *content;      /* NULL: the path is `name` as it is */
    const char *name;
    int want;
    const char *password;     /* when want is 0 */
    const char *message;      /* when want is not 0; %s the path */
    const char *why;
};

/* With a 16-byte buffer: 15 bytes of password at most. */
static const struct password_case password_cases[] = {
    { "secret\n", "pw", 0, "secret", NULL, "the first line, LF dropped" },
    { "secret\r\n", "pw", 0, "secret", NULL, "CRLF dropped" },
    { "secret", "pw", 0, "secret", NULL, "no final newline" },
    { "first\nsecond\n", "pw", 0, "first", NULL, "only the first line" },
    { "\nsecond\n", "pw", 0, "", NULL,
      "an empty first line is an empty password, as before" },
    { "123456789012345\n", "pw", 0, "123456789012345", NULL,
      "15 bytes and LF: fits" },
    { "123456789012345", "pw", 0, "123456789012345", NULL,
      "15 bytes, no LF: fits" },
    { "short\n0123456789012345678901234567890123456789", "pw", 0, "short",
      NULL, "a short first line in a file larger than the buffer: only the "
      "buffer's worth is read" },
    { "", "pw", ENODATA, NULL, "password file \"%s\" is empty",
      "an empty file" },
    { "1234567890123456\n", "pw", ENAMETOOLONG, NULL,
      "the first line of password file \"%s\" is too long: more than 15 "
      "bytes", "16 bytes do not fit with the NUL" },
    { "1234567890123456789012345", "pw", ENAMETOOLONG, NULL,
      "the first line of password file \"%s\" is too long: more than 15 "
      "bytes", "a long line without LF" },
    { NULL, "fifo", EINVAL, NULL,
      "password file \"%s\" is a FIFO, not a regular file",
      "a FIFO: refused at once, not read" },
    { NULL, "dir", EISDIR, NULL,
      "password file \"%s\" is a directory, not a regular file",
      "a directory" },
    { NULL, "/dev/null", EINVAL, NULL,
      "password file \"%s\" is a character device, not a regular file",
      "/dev/null" },
    { NULL, "missing", ENOENT, NULL,
      "cannot open password file \"%s\": No such file or directory",
      "a missing file" },
};

static void
passwords(void **state)
{
    (void)state;
    alarm(20);
    for (size_t i = 0; i < COUNT(password_cases); i++) {
        const struct password_case *c = &password_cases[i];
        char buf[16], msg[CREDFILE_MSG_MAX] = "", want[CREDFILE_MSG_MAX];
        const char *path = in_tmp(c->name);
        static const char zeros[16];

        print_message("case: %s\n", c->why);
        if (c->content != NULL)
            write_file(c->name, c->content, strlen(c->content));
        memset(buf, 'x', sizeof(buf));
        assert_int_equal(credfile_read_password(path, buf, sizeof(buf), msg,
                                                sizeof(msg)), c->want);
        if (c->want == 0) {
            assert_string_equal(buf, c->password);
            /* Nothing after the line is left in the buffer. */
            for (size_t j = strlen(buf); j < sizeof(buf); j++)
                assert_true(buf[j] == '\0' || buf[j] == 'x');
            continue;
        }
        snprintf(want, sizeof(want), c->message, path);
        assert_string_equal(msg, want);
        assert_memory_equal(buf, zeros, sizeof(buf));
    }
    alarm(0);
}

/* ---- ktparse on bytes ---- */

struct want_entry {
    const char *principal;    /* components joined with '/', then @realm */
    int32_t name_type;
    uint32_t timestamp;
    uint32_t vno;
    int32_t enctype;
    const char *key_hex;
};

struct parse_case {
    const char *hex;
    int little_endian_only;   /* a version 1 keytab written on such a host */
    krb5_error_code start;
    size_t n;                 /* entries before the end or the error */
    krb5_error_code end;      /* what follows them */
    long why_off;             /* where the error is said to be; -1: any */
    struct want_entry first;  /* principal NULL: not checked */
    const char *why;
};

/* One entry for a@R: name type 1, timestamp 0x5f5e1000, kvno 3, enctype 18
 * (aes256), a 2-byte key abcd: 23 bytes of record. */
#define REC_A "00000017 0001 0001 52 0001 61 00000001 5f5e1000 03 0012 " \
              "0002 abcd"
#define WANT_A { "a@R", 1, 0x5f5e1000, 3, 18, "abcd" }

static const struct parse_case parse_cases[] = {
    { "0502", 0, 0, 0, KRB5_KT_END, -1, { 0 },
      "the version alone is an empty keytab" },
    { "0502" REC_A, 0, 0, 1, KRB5_KT_END, -1, WANT_A, "one entry" },
    { "0502" REC_A "00000000 ffff", 0, 0, 1, KRB5_KT_END, -1, WANT_A,
      "a zero size ends the keytab: nothing after it is read" },
    { "0502 0000001b 0001 0001 52 0001 61 00000001 5f5e1000 03 0012 "
      "0002 abcd 0000012c", 0, 0, 1, KRB5_KT_END, -1,
      { "a@R", 1, 0x5f5e1000, 300, 18, "abcd" },
      "a 32-bit kvno after the key replaces the 8-bit one" },
    { "0502 0000001b 0001 0001 52 0001 61 00000001 5f5e1000 03 0012 "
      "0002 abcd 00000000", 0, 0, 1, KRB5_KT_END, -1, WANT_A,
      "a 32-bit kvno of 0 is zero fill: the 8-bit one stays" },
    { "0502 0000001a 0001 0001 52 0001 61 00000001 5f5e1000 03 0012 "
      "0002 abcd 000001", 0, 0, 1, KRB5_KT_END, -1, WANT_A,
      "3 bytes left in the record are no 32-bit kvno" },
    { "0502 fffffff8 0102030405060708" REC_A, 0, 0, 1, KRB5_KT_END, -1,
      WANT_A, "a hole (a removed entry) is skipped" },
    { "0502 fffffffc 00000000" REC_A "fffffffe 0000", 0, 0, 1, KRB5_KT_END,
      -1, WANT_A, "holes before and after" },
    { "0502 0000001f 0002 0001 52 0004 48545450 0001 77 00000003 00000001 "
      "02 0011 0004 01020304" REC_A, 0, 0, 2, KRB5_KT_END, -1,
      { "HTTP/w@R", 3, 1, 2, 17, "01020304" },
      "two entries, the first with two components" },
    { "0502 00000017 0001 0001 52 0001 61 ffffffff 00000000 01 ff79 "
      "0002 abcd", 0, 0, 1, KRB5_KT_END, -1,
      { "a@R", -1, 0, 1, -135, "abcd" },
      "the enctype and name type are signed, as libkrb5 reads them" },
    { "0501 13000000 0200 0100 52 0100 61 00105e5f 03 1200 0200 abcd", 1,
      0, 1, KRB5_KT_END, -1, { "a@R", 0, 0x5f5e1000, 3, 18, "abcd" },
      "version 1: native order, the realm counted, no name type" },
    { "0501 0d000000 0100 0100 52 00105e5f 03 1200 0200 abcd", 1, 0, 0,
      KRB5_KT_FORMAT, 6, { 0 },
      "version 1 with a count of 1: the realm alone, no component" },

    /* Refused. */
    { "", 0, KRB5_KEYTAB_BADVNO, 0, KRB5_KEYTAB_BADVNO, 0, { 0 },
      "empty" },
    { "05", 0, KRB5_KEYTAB_BADVNO, 0, KRB5_KEYTAB_BADVNO, 0, { 0 },
      "one byte" },
    { "0503" REC_A, 0, KRB5_KEYTAB_BADVNO, 0, KRB5_KEYTAB_BADVNO, 0, { 0 },
      "version 3 does not exist" },
    { "0602" REC_A, 0, KRB5_KEYTAB_BADVNO, 0, KRB5_KEYTAB_BADVNO, 0, { 0 },
      "not Kerberos 5" },
    { "0502 0000", 0, 0, 0, KRB5_KT_FORMAT, 2, { 0 },
      "the file ends inside a record's size" },
    { "0502" REC_A "00", 0, 0, 1, KRB5_KT_FORMAT, 29, WANT_A,
      "a stray byte after the last record" },
    { "0502 00000100 0001 0001 52", 0, 0, 0, KRB5_KT_FORMAT, 2, { 0 },
      "a record longer than the file" },
    { "0502 7fffffff", 0, 0, 0, KRB5_KT_FORMAT, 2, { 0 },
      "a record of 2 GiB" },
    { "0502 fffffff0 00", 0, 0, 0, KRB5_KT_FORMAT, 2, { 0 },
      "a hole past the end" },
    { "0502 80000000 00", 0, 0, 0, KRB5_KT_FORMAT, 2, { 0 },
      "INT32_MIN: a hole whose size cannot be negated" },
    { "0502 00000001 00", 0, 0, 0, KRB5_KT_FORMAT, 6, { 0 },
      "the record ends inside its component count" },
    { "0502 00000017 0000 0001 52 0001 61 00000001 5f5e1000 03 0012 "
      "0002 abcd", 0, 0, 0, KRB5_KT_FORMAT, 6, { 0 },
      "no components" },
    { "0502 00000017 8000 0001 52 0001 61 00000001 5f5e1000 03 0012 "
      "0002 abcd", 0, 0, 0, KRB5_KT_FORMAT, 6, { 0 },
      "32768 components: negative to libkrb5" },
    { "0502 00000017 0001 0000 52 0001 61 00000001 5f5e1000 03 0012 "
      "0002 abcd", 0, 0, 0, KRB5_KT_FORMAT, 8, { 0 },
      "an empty realm" },
    { "0502 00000017 0001 ffff 52 0001 61 00000001 5f5e1000 03 0012 "
      "0002 abcd", 0, 0, 0, KRB5_KT_FORMAT, 8, { 0 },
      "a realm length of 65535" },
    { "0502 00000017 0001 0016 52 0001 61 00000001 5f5e1000 03 0012 "
      "0002 abcd", 0, 0, 0, KRB5_KT_FORMAT, 8, { 0 },
      "a realm one byte longer than the record" },
    { "0502 00000008 0001 0001 52 0005 61" "62636465 00000001 5f5e1000 03 "
      "0012 0002 abcd", 0, 0, 0, KRB5_KT_FORMAT, 11, { 0 },
      "a component past the record's end, though within the file (libkrb5 "
      "would read on into what follows)" },
    { "0502 00000008 0001 0001 52 0001 61 00000001", 0, 0, 0, KRB5_KT_FORMAT,
      14, { 0 }, "the record ends before the name type" },
    { "0502 00000013 0001 0001 52 0001 61 00000001 5f5e1000 03 0012", 0, 0,
      0, KRB5_KT_FORMAT, 25, { 0 }, "the record ends before the key" },
    { "0502 00000011 0001 0001 52 0001 61 00000001 5f5e1000 03 00", 0, 0, 0,
      KRB5_KT_FORMAT, 23, { 0 }, "the record ends inside the enctype" },
    { "0502 00000015 0001 0001 52 0001 61 00000001 5f5e1000 03 0012 0000",
      0, 0, 0, KRB5_KT_FORMAT, 25, { 0 }, "an empty key" },
    { "0502 00000017 0001 0001 52 0001 61 00000001 5f5e1000 03 0012 "
      "0003 abcd", 0, 0, 0, KRB5_KT_FORMAT, 25, { 0 },
      "a key one byte longer than the record" },
    { "0502" REC_A "00000017 0001 0001 52 0001 61 00000001 5f5e1000 03 "
      "0012 ffff abcd", 0, 0, 1, KRB5_KT_FORMAT, 52, WANT_A,
      "a good entry, then a key length of 65535" },
};

/* The principal of e as text: components joined by '/', then @realm. */
static void
principal_text(const struct ktparse_cursor *cur, const struct ktparse_entry *e,
               char *out, size_t out_len)
{
    struct ktparse_span spans[16];
    size_t n = 0;

    assert_true(e->n_components <= COUNT(spans));
    ktparse_components(cur, e, spans);
    out[0] = '\0';
    for (size_t i = 0; i < e->n_components; i++) {
        assert_true(spans[i].off + spans[i].len <= cur->len);
        n += (size_t)snprintf(out + n, out_len - n, "%s%.*s", i ? "/" : "",
                              (int)spans[i].len,
                              (const char *)cur->buf + spans[i].off);
    }
    snprintf(out + n, out_len - n, "@%.*s", (int)e->realm.len,
             (const char *)cur->buf + e->realm.off);
}

/* Every span of e lies inside the buffer, and inside its record. */
static void
check_spans(const struct ktparse_cursor *cur, const struct ktparse_entry *e)
{
    size_t end = e->key.off + e->key.len;

    assert_true(e->record_off < e->realm.off);
    assert_true(e->realm.off + e->realm.len <= e->components.off);
    assert_true(e->components.off + e->components.len <= e->key.off);
    assert_true(end <= cur->len);
    assert_true(e->realm.len > 0 && e->key.len > 0 && e->n_components > 0);
}

static void
parse_tables(void **state)
{
    uint16_t one = 1;
    unsigned char first_byte;

    (void)state;
    memcpy(&first_byte, &one, 1);
    for (size_t i = 0; i < COUNT(parse_cases); i++) {
        const struct parse_case *c = &parse_cases[i];
        unsigned char buf[512];
        size_t len = from_hex(c->hex, buf, sizeof(buf)), n = 0;
        struct ktparse_cursor cur;
        struct ktparse_entry e, before;
        krb5_error_code ret;

        print_message("case: %s\n", c->why);
        if (c->little_endian_only && first_byte != 1)
            continue;
        assert_int_equal(ktparse_start(&cur, buf, len), c->start);
        if (c->start != 0) {
            assert_non_null(cur.why);
            assert_int_equal(ktparse_next(&cur, &e), c->start);
            continue;
        }
        while ((ret = ktparse_next(&cur, &e)) == 0) {
            char principal[256], key_hex[64] = "";
            check_spans(&cur, &e);
            if (n++ > 0 || c->first.principal == NULL)
                continue;
            principal_text(&cur, &e, principal, sizeof(principal));
            assert_string_equal(principal, c->first.principal);
            assert_int_equal(e.name_type, c->first.name_type);
            assert_int_equal(e.timestamp, c->first.timestamp);
            assert_int_equal(e.vno, c->first.vno);
            assert_int_equal(e.enctype, c->first.enctype);
            for (size_t j = 0; j < e.key.len; j++)
                snprintf(key_hex + 2 * j, 3, "%02x", buf[e.key.off + j]);
            assert_string_equal(key_hex, c->first.key_hex);
        }
        assert_int_equal(ret, c->end);
        assert_int_equal(n, c->n);
        if (c->end == KRB5_KT_FORMAT) {
            assert_non_null(cur.why);
            if (c->why_off >= 0)
                assert_int_equal(cur.why_off, c->why_off);
        }
        /* The end or the error stays, and the entry is left alone. */
        memset(&e, 0x5a, sizeof(e));
        before = e;
        assert_int_equal(ktparse_next(&cur, &e), c->end);
        assert_memory_equal(&e, &before, sizeof(e));
    }
}

/* Every prefix of a good keytab parses without reading out of bounds (run
 * under ASan or valgrind to see it), to its end at record boundaries. */
static void
parse_prefixes(void **state)
{
    unsigned char buf[512];
    size_t len = from_hex("0502" REC_A "fffffffc 00000000"
                          "0000001b 0001 0001 52 0001 61 00000001 5f5e1000 03 "
                          "0012 0002 abcd 0000012c", buf, sizeof(buf));

    (void)state;
    for (size_t cut = 0; cut <= len; cut++) {
        unsigned char *copy = malloc(cut ? cut : 1);
        struct ktparse_cursor cur;
        struct ktparse_entry e;
        krb5_error_code ret;
        size_t n = 0;

        assert_non_null(copy);
        memcpy(copy, buf, cut);
        ret = ktparse_start(&cur, copy, cut);
        while (ret == 0 && (ret = ktparse_next(&cur, &e)) == 0) {
            check_spans(&cur, &e);
            n++;
        }
        if (cut == 2 || cut == 29 || cut == 37 || cut == len)
            assert_int_equal(ret, KRB5_KT_END);
        else if (cut < 2)
            assert_int_equal(ret, KRB5_KEYTAB_BADVNO);
        else
            assert_int_equal(ret, KRB5_KT_FORMAT);
        assert_true(n <= 2);
        free(copy);
    }
}

/* ---- MEMORY keytabs against libkrb5's FILE reading ---- */

static void
add_key(krb5_context ctx, const char *path, const char *principal,
        krb5_kvno kvno, krb5_enctype enctype, krb5_int32 name_type)
{
    krb5_keytab kt = NULL;
    krb5_keytab_entry ent;
    char name[300];

    memset(&ent, 0, sizeof(ent));
    snprintf(name, sizeof(name), "FILE:%s", path);
    assert_int_equal(krb5_kt_resolve(ctx, name, &kt), 0);
    assert_int_equal(krb5_parse_name(ctx, principal, &ent.principal), 0);
    ent.principal->type = name_type;
    ent.vno = kvno;
    assert_int_equal(krb5_c_make_random_key(ctx, enctype, &ent.key), 0);
    assert_int_equal(krb5_kt_add_entry(ctx, kt, &ent), 0);
    krb5_free_keytab_entry_contents(ctx, &ent);
    krb5_kt_close(ctx, kt);
}

/* Remove the entry of principal at kvno and enctype: a hole in the file. */
static void
remove_key(krb5_context ctx, const char *path, const char *principal,
           krb5_kvno kvno, krb5_enctype enctype)
{
    krb5_keytab kt = NULL;
    krb5_keytab_entry ent;
    char name[300];

    memset(&ent, 0, sizeof(ent));
    snprintf(name, sizeof(name), "FILE:%s", path);
    assert_int_equal(krb5_kt_resolve(ctx, name, &kt), 0);
    assert_int_equal(krb5_parse_name(ctx, principal, &ent.principal), 0);
    ent.vno = kvno;
    ent.key.enctype = enctype;
    assert_int_equal(krb5_kt_remove_entry(ctx, kt, &ent), 0);
    krb5_free_principal(ctx, ent.principal);
    krb5_kt_close(ctx, kt);
}

/* Walk a and b side by side: the same entries, in the same order. */
static size_t
same_entries(krb5_context ctx, krb5_keytab a, krb5_keytab b)
{
    krb5_kt_cursor ca, cb;
    krb5_keytab_entry ea, eb;
    krb5_error_code ra, rb;
    size_t n = 0;

    assert_int_equal(krb5_kt_start_seq_get(ctx, a, &ca), 0);
    assert_int_equal(krb5_kt_start_seq_get(ctx, b, &cb), 0);
    for (;;) {
        ra = krb5_kt_next_entry(ctx, a, &ea, &ca);
        rb = krb5_kt_next_entry(ctx, b, &eb, &cb);
        assert_int_equal(ra, rb);
        if (ra != 0)
            break;
        assert_true(krb5_principal_compare(ctx, ea.principal, eb.principal));
        assert_int_equal(ea.principal->type, eb.principal->type);
        assert_int_equal(ea.timestamp, eb.timestamp);
        assert_int_equal(ea.vno, eb.vno);
        assert_int_equal(ea.key.enctype, eb.key.enctype);
        assert_int_equal(ea.key.length, eb.key.length);
        assert_memory_equal(ea.key.contents, eb.key.contents, ea.key.length);
        krb5_free_keytab_entry_contents(ctx, &ea);
        krb5_free_keytab_entry_contents(ctx, &eb);
        n++;
    }
    assert_int_equal(ra, KRB5_KT_END);
    krb5_kt_end_seq_get(ctx, a, &ca);
    krb5_kt_end_seq_get(ctx, b, &cb);
    return n;
}

/* The entry libkrb5 picks from each (kvno 0: the newest) is the same. */
static void
same_pick(krb5_context ctx, krb5_keytab a, krb5_keytab b,
          const char *principal, krb5_kvno kvno, krb5_enctype enctype,
          krb5_kvno want_vno)
{
    krb5_principal p = NULL;
    krb5_keytab_entry ea, eb;

    assert_int_equal(krb5_parse_name(ctx, principal, &p), 0);
    assert_int_equal(krb5_kt_get_entry(ctx, a, p, kvno, enctype, &ea), 0);
    assert_int_equal(krb5_kt_get_entry(ctx, b, p, kvno, enctype, &eb), 0);
    assert_int_equal(ea.vno, want_vno);
    assert_int_equal(eb.vno, want_vno);
    assert_int_equal(ea.key.length, eb.key.length);
    assert_memory_equal(ea.key.contents, eb.key.contents, ea.key.length);
    krb5_free_keytab_entry_contents(ctx, &ea);
    krb5_free_keytab_entry_contents(ctx, &eb);
    krb5_free_principal(ctx, p);
}

/* The number of entries ktparse finds in the file at path. */
static size_t
parsed_count(const char *path)
{
    struct credfile_buf b = { NULL, 0 };
    struct ktparse_cursor cur;
    struct ktparse_entry e;
    krb5_error_code ret;
    size_t n = 0;

    assert_int_equal(credfile_read(path, "keytab", CREDFILE_KEYTAB_MAX, &b,
                                   NULL, 0), 0);
    ret = ktparse_start(&cur, b.bytes, b.len);
    while (ret == 0 && (ret = ktparse_next(&cur, &e)) == 0) {
        check_spans(&cur, &e);
        n++;
    }
    assert_int_equal(ret, KRB5_KT_END);
    credfile_buf_free(&b);
    return n;
}

/* Compare libkrb5's FILE reading of path with credfile_keytab()'s. */
static size_t
compare_with_file(krb5_context ctx, const char *path)
{
    krb5_keytab file_kt = NULL, mem_kt = NULL;
    char name[300];
    size_t n;

    snprintf(name, sizeof(name), "FILE:%s", path);
    assert_int_equal(krb5_kt_resolve(ctx, name, &file_kt), 0);
    assert_int_equal(credfile_keytab(ctx, path, &mem_kt), 0);
    assert_int_equal(krb5_kt_get_name(ctx, mem_kt, name, sizeof(name)), 0);
    assert_int_equal(strncmp(name, "MEMORY:krb5exp/", 15), 0);
    n = same_entries(ctx, file_kt, mem_kt);
    assert_int_equal(n, parsed_count(path));
    krb5_kt_close(ctx, file_kt);
    credfile_keytab_close(ctx, mem_kt);
    return n;
}

#define AES256 ENCTYPE_AES256_CTS_HMAC_SHA1_96
#define AES128 ENCTYPE_AES128_CTS_HMAC_SHA1_96

static void
memory_matches_libkrb5(void **state)
{
    char *path = strdup(in_tmp("lib.keytab"));
    krb5_keytab file_kt = NULL, mem_kt = NULL;
    krb5_context ctx = NULL;
    char name[300];

    (void)state;
    assert_non_null(path);
    assert_int_equal(krb5_init_context(&ctx), 0);
    add_key(ctx, path, "HTTP/www.example.com@R", 1, AES256,
            KRB5_NT_SRV_HST);
    add_key(ctx, path, "HTTP/www.example.com@R", 1, AES128,
            KRB5_NT_SRV_HST);
    add_key(ctx, path, "gone@R", 1, AES256, KRB5_NT_PRINCIPAL);
    add_key(ctx, path, "HTTP/www.example.com@R", 2, AES256,
            KRB5_NT_SRV_HST);
    add_key(ctx, path, "host/b.example.com@OTHER.REALM", 300, AES256,
            KRB5_NT_SRV_HST);
    add_key(ctx, path, "a/b/c/d/e/f/g/h/i/j@R", 7, AES128,
            KRB5_NT_PRINCIPAL);
    add_key(ctx, path, "krbmon@R", 1, ENCTYPE_AES256_CTS_HMAC_SHA384_192,
            KRB5_NT_PRINCIPAL);
    /* Removing an entry leaves a hole, which both must skip. */
    remove_key(ctx, path, "gone@R", 1, AES256);
    assert_int_equal(compare_with_file(ctx, path), 6);

    snprintf(name, sizeof(name), "FILE:%s", path);
    assert_int_equal(krb5_kt_resolve(ctx, name, &file_kt), 0);
    assert_int_equal(credfile_keytab(ctx, path, &mem_kt), 0);
    same_pick(ctx, file_kt, mem_kt, "HTTP/www.example.com@R", 0, AES256, 2);
    same_pick(ctx, file_kt, mem_kt, "HTTP/www.example.com@R", 1, AES256, 1);
    same_pick(ctx, file_kt, mem_kt, "host/b.example.com@OTHER.REALM", 300,
              AES256, 300);
    same_pick(ctx, file_kt, mem_kt, "a/b/c/d/e/f/g/h/i/j@R", 0, AES128, 7);
    krb5_kt_close(ctx, file_kt);
    credfile_keytab_close(ctx, mem_kt);
    credfile_keytab_close(ctx, NULL);
    unlink(path);
    free(path);
    krb5_free_context(ctx);
}

/* A keytab from MIT's ktutil, when it is installed. */
static void
memory_matches_ktutil(void **state)
{
    char command[512];
    const char *path = in_tmp("ktutil.keytab");
    krb5_context ctx = NULL;
    FILE *p;

    (void)state;
    if (access("/usr/bin/ktutil", X_OK) != 0)
        skip();
    snprintf(command, sizeof(command), "/usr/bin/ktutil >/dev/null 2>&1");
    p = popen(command, "w");
    assert_non_null(p);
    fprintf(p, "addent -password -p krbmon@EXAMPLE.COM -k 3 -e "
            "aes256-cts-hmac-sha1-96\nnot-a-real-password\n"
            "addent -password -p HTTP/www.example.com@EXAMPLE.COM -k 258 -e "
            "aes128-cts-hmac-sha1-96\nnot-a-real-password\n"
            "addent -password -p HTTP/www.example.com@EXAMPLE.COM -k 258 -e "
            "aes256-cts-hmac-sha384-192\nnot-a-real-password\n"
            "wkt %s\nquit\n", path);
    assert_int_equal(pclose(p), 0);
    assert_int_equal(krb5_init_context(&ctx), 0);
    assert_int_equal(compare_with_file(ctx, path), 3);
    krb5_free_context(ctx);
}

/*
 * The MEMORY keytab's lifetime: each gets a name of its own, and its last
 * close frees it (resolving the name again makes a new, empty one), so
 * thousands of probes leave nothing behind (run this test under valgrind
 * to see that nothing is lost).
 */
static void
memory_lifetime(void **state)
{
    char *path = strdup(in_tmp("lib.keytab"));
    krb5_keytab a = NULL, b = NULL, again = NULL;
    krb5_context ctx = NULL;
    krb5_kt_cursor cursor;
    krb5_keytab_entry ent;
    char name_a[300], name_b[300];

    (void)state;
    assert_non_null(path);
    assert_int_equal(krb5_init_context(&ctx), 0);
    add_key(ctx, path, "krbmon@R", 1, AES256, KRB5_NT_PRINCIPAL);
    for (int i = 0; i < 2000; i++) {
        assert_int_equal(credfile_keytab(ctx, path, &a), 0);
        credfile_keytab_close(ctx, a);
    }
    assert_int_equal(credfile_keytab(ctx, path, &a), 0);
    assert_int_equal(credfile_keytab(ctx, path, &b), 0);
    assert_int_equal(krb5_kt_get_name(ctx, a, name_a, sizeof(name_a)), 0);
    assert_int_equal(krb5_kt_get_name(ctx, b, name_b, sizeof(name_b)), 0);
    assert_string_not_equal(name_a, name_b);
    assert_non_null(strstr(name_a, path));
    credfile_keytab_close(ctx, a);
    /* The other one is whole. */
    assert_int_equal(krb5_kt_start_seq_get(ctx, b, &cursor), 0);
    assert_int_equal(krb5_kt_next_entry(ctx, b, &ent, &cursor), 0);
    krb5_free_keytab_entry_contents(ctx, &ent);
    assert_int_equal(krb5_kt_next_entry(ctx, b, &ent, &cursor), KRB5_KT_END);
    krb5_kt_end_seq_get(ctx, b, &cursor);
    credfile_keytab_close(ctx, b);
    /* Closed for the last time, it is gone: the name makes a new one. */
    assert_int_equal(krb5_kt_resolve(ctx, name_a, &again), 0);
    assert_int_equal(krb5_kt_start_seq_get(ctx, again, &cursor), 0);
    assert_int_equal(krb5_kt_next_entry(ctx, again, &ent, &cursor),
                     KRB5_KT_END);
    krb5_kt_end_seq_get(ctx, again, &cursor);
    krb5_kt_close(ctx, again);
    unlink(path);
    free(path);
    krb5_free_context(ctx);
}

struct keytab_error_case {
    const char *name;
    const char *hex;          /* written to name first; NULL: not */
    krb5_error_code want;
    const char *message;      /* %s the path */
    const char *why;
};

static const struct keytab_error_case keytab_error_cases[] = {
    { "fifo", NULL, EINVAL, "keytab \"%s\" is a FIFO, not a regular file",
      "libkrb5 never opens the FIFO: no blocking" },
    { "dir", NULL, EISDIR, "keytab \"%s\" is a directory, not a regular "
      "file", "a directory" },
    { "missing", NULL, ENOENT, "cannot open keytab \"%s\": No such file or "
      "directory", "a missing keytab" },
    { "empty", "", KRB5_KEYTAB_BADVNO, "keytab \"%s\" is empty",
      "an empty file, as libkrb5 says for it" },
    { "bad.keytab", "6b65790a", KRB5_KEYTAB_BADVNO,
      "keytab \"%s\" is not a keytab: no MIT keytab version 1 or 2 at its "
      "start", "not a keytab (and its bytes are not quoted)" },
    { "trunc.keytab", "0502 00000017 0001 0001 52 0001 61", KRB5_KT_FORMAT,
      "keytab \"%s\" is malformed at byte 2: a record runs past the end of "
      "the file", "a record cut short" },
};

static void
keytab_errors(void **state)
{
    krb5_context ctx = NULL;

    (void)state;
    alarm(20);
    assert_int_equal(krb5_init_context(&ctx), 0);
    for (size_t i = 0; i < COUNT(keytab_error_cases); i++) {
        const struct keytab_error_case *c = &keytab_error_cases[i];
        const char *path = in_tmp(c->name);
        krb5_keytab kt = NULL;
        char want[CREDFILE_MSG_MAX];
        const char *msg;

        print_message("case: %s\n", c->why);
        if (c->hex != NULL) {
            unsigned char buf[64];
            write_file(c->name, buf, from_hex(c->hex, buf, sizeof(buf)));
        }
        assert_int_equal(credfile_keytab(ctx, in_tmp(c->name), &kt), c->want);
        assert_null(kt);
        msg = krb5_get_error_message(ctx, c->want);
        snprintf(want, sizeof(want), c->message, path);
        assert_string_equal(msg, want);
        krb5_free_error_message(ctx, msg);
    }
    krb5_free_context(ctx);
    alarm(0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(read_kinds),
        cmocka_unit_test(read_block_device),
        cmocka_unit_test(line_lengths),
        cmocka_unit_test(passwords),
        cmocka_unit_test(parse_tables),
        cmocka_unit_test(parse_prefixes),
        cmocka_unit_test(memory_matches_libkrb5),
        cmocka_unit_test(memory_matches_ktutil),
        cmocka_unit_test(memory_lifetime),
        cmocka_unit_test(keytab_errors),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
