/*
 * credfile: the credential files of a probe (a password file, a keytab),
 * read so that they cannot hold it.  A path is looked at with stat() and
 * opened with O_NONBLOCK, and refused unless it is a regular file, so a
 * FIFO or a device neither blocks open() nor is read; what is read is
 * bounded.  libkrb5 never opens a keytab itself: the file is read here,
 * parsed by ktparse, and handed to libkrb5 as a MEMORY keytab.
 *
 * A file on a hung mount still blocks stat(), open() and read() in the
 * kernel, since O_NONBLOCK does nothing for regular files: bounding that
 * needs the read fenced off under the probe's deadline, which this module
 * does not do.
 *
 * Error codes are errno values, except for keytab contents (the krb5
 * codes of ktparse.h):
 *   EISDIR        the path is a directory
 *   EINVAL        a FIFO, socket, character or block device
 *   EFBIG         larger than the bound
 *   ENODATA       an empty password file
 *   ENAMETOOLONG  a password line that does not fit
 *   otherwise what stat(), open() or read() said (ENOENT, EACCES, ...).
 * Messages name the file and what it is, e.g.
 *   password file "/x" is a FIFO, not a regular file
 * and never quote its contents.
 */
#ifndef KRB5EXP_CREDFILE_H
#define KRB5EXP_CREDFILE_H

#include <krb5/krb5.h>
#include <stddef.h>

/* The largest keytab read, in bytes: far more than any real one. */
#define CREDFILE_KEYTAB_MAX (1024 * 1024)

/* Room for any message, with a path of up to PATH_MAX (4096) bytes. */
#define CREDFILE_MSG_MAX 4352

/* Bytes read from a credential file: secrets. */
struct credfile_buf {
    unsigned char *bytes;     /* owned; wiped and freed by credfile_buf_free */
    size_t len;
};

/*
 * Read the whole regular file at path, at most max_len bytes.  `what`
 * names the file in messages ("keytab").  On success returns 0 and sets
 * *out (the caller frees it with credfile_buf_free()).  Otherwise returns
 * an errno value (see above) and writes why into msg (msg_len bytes; msg
 * may be NULL).
 */
int credfile_read(const char *path, const char *what, size_t max_len,
                  struct credfile_buf *out, char *msg, size_t msg_len);

/* Wipe and free what b holds, and zero it.  NULL is fine. */
void credfile_buf_free(struct credfile_buf *b);

/*
 * The length of the first line of data: the bytes before the first CR, LF
 * or NUL, or all len of them.  Pure.
 */
size_t credfile_line_length(const unsigned char *data, size_t len);

/*
 * The password in the file at path: its first line without CR or LF, into
 * buf as a C string.  Reads at most buf_len bytes, whatever the file's
 * size.  Returns 0, or an errno value: ENODATA for an empty file,
 * ENAMETOOLONG when the line does not fit in buf (buf_len - 1 bytes at
 * most), and the others above, with why in msg (which may be NULL).
 * buf is wiped on failure.
 */
int credfile_read_password(const char *path, char *buf, size_t buf_len,
                           char *msg, size_t msg_len);

/*
 * A MEMORY keytab holding the entries of the keytab file contents at data
 * (len bytes; borrowed, and not changed: it is not const only because
 * libkrb5's structs are not), in the file's order.  path only names it, in
 * messages and in the keytab's name.  libkrb5 copies what it keeps, so
 * data may be wiped as soon as this returns.  On success returns 0 and
 * sets *kt_out, which the caller releases with credfile_keytab_close().
 * Otherwise returns KRB5_KEYTAB_BADVNO, KRB5_KT_FORMAT, ENOMEM or a krb5
 * code, with the message set on ctx.
 */
krb5_error_code credfile_keytab_memory(krb5_context ctx, const char *path,
                                       unsigned char *data, size_t len,
                                       krb5_keytab *kt_out);

/*
 * The keytab file at path, read with credfile_read() (at most
 * CREDFILE_KEYTAB_MAX bytes), as a MEMORY keytab: libkrb5 never opens the
 * file.  The bytes read are wiped before this returns.  On success returns
 * 0 and sets *kt_out, which the caller releases with
 * credfile_keytab_close().  Otherwise returns an errno value (see above)
 * or a code of credfile_keytab_memory(), with the message set on ctx.
 */
krb5_error_code credfile_keytab(krb5_context ctx, const char *path,
                                krb5_keytab *kt_out);

/*
 * Release a keytab from credfile_keytab(): its last close frees a MEMORY
 * keytab in MIT krb5 1.20, keys wiped.  NULL is fine.
 */
void credfile_keytab_close(krb5_context ctx, krb5_keytab kt);

#endif
