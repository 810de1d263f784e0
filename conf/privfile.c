/* privfile: owner-only files; see privfile.h. */
#include "conf/privfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Write "WHAT \"PATH\"SEP" (nothing when what is NULL) before a reason;
 * returns its length. */
static size_t
prefix(char *buf, size_t size, const char *what, const char *path,
       const char *sep)
{
    int n = what != NULL ? snprintf(buf, size, "%s \"%s\"%s", what, path, sep)
                         : 0;

    return n < 0 || (size_t)n >= size ? 0 : (size_t)n;
}

/* Open and check path; returns the open fd, or -1 with reason set. */
static int
open_checked(const char *path, const char *what, int allow_empty,
             char *reason, size_t size)
{
    struct stat st;
    size_t n;
    char *r;
    int fd;

    if (path[0] == '\0') {
        snprintf(reason, size, "\"%s\" is empty: expected the path of a file",
                 what ? what : "path");
        return -1;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        n = prefix(reason, size, what, path, ": ");
        snprintf(reason + n, size - n, "cannot open: %s", strerror(errno));
        return -1;
    }
    /* "keytab \"/k\": cannot stat: ..." but "keytab \"/k\" is empty". */
    n = prefix(reason, size, what, path, fstat(fd, &st) != 0 ? ": " : " ");
    r = reason + n;
    size -= n;
    if (fstat(fd, &st) != 0) {
        snprintf(r, size, "cannot stat: %s", strerror(errno));
    } else if (S_ISDIR(st.st_mode)) {
        snprintf(r, size, "is a directory: expected a file");
    } else if (!S_ISREG(st.st_mode)) {
        snprintf(r, size, "is not a regular file");
    } else if ((st.st_mode & 077) != 0) {
        snprintf(r, size, "is accessible by group or others (mode %04o); "
                 "run: chmod 600 %s", (unsigned)(st.st_mode & 07777), path);
    } else if (st.st_size == 0 && !allow_empty) {
        snprintf(r, size, "is empty");
    } else {
        return fd;
    }
    close(fd);
    return -1;
}

int
privfile_check(const char *path, const char *what, char *reason, size_t size)
{
    int fd = open_checked(path, what, 0, reason, size);

    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

int
privfile_read(const char *path, size_t max_size, char **text_out,
              char *reason, size_t size)
{
    char *buf = NULL, *grown;
    size_t len = 0, cap = 0;
    int fd, ret = -1;

    fd = open_checked(path, NULL, 1, reason, size);
    if (fd < 0)
        return -1;
    for (;;) {
        ssize_t n;

        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            grown = realloc(buf, cap + 1);
            if (grown == NULL) {
                snprintf(reason, size, "out of memory");
                goto cleanup;
            }
            buf = grown;
        }
        n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(reason, size, "cannot read: %s", strerror(errno));
            goto cleanup;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > max_size) {
            snprintf(reason, size, "is larger than %zu bytes: expected a "
                     "krb5_exporter config file", max_size);
            goto cleanup;
        }
    }
    /* libconfig would silently take a NUL byte as the end of the text. */
    if (memchr(buf, '\0', len) != NULL) {
        snprintf(reason, size, "contains a NUL byte: expected a text file");
        goto cleanup;
    }
    buf[len] = '\0';
    *text_out = buf;
    buf = NULL;
    ret = 0;
cleanup:
    free(buf);
    close(fd);
    return ret;
}
