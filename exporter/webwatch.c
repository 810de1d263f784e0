/* webwatch: loading the web config file and watching it; see
 * webwatch.h. */
#include "exporter/webwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The largest web config file, and the largest PEM file, taken. */
#define WEBWATCH_MAX_SIZE (1024 * 1024)

/* One load: where messages go, and whether anything went wrong. */
struct ctx {
    const char *name;             /* borrowed: FILE in messages */
    struct conf_errors *errs;     /* borrowed */
    int failed;                   /* set even when a message was lost */
};

/* Record a problem of this load, in webconfig_problem()'s form. */
static void report(struct ctx *c, unsigned line, const char *where,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
report(struct ctx *c, unsigned line, const char *where, const char *fmt, ...)
{
    char reason[768];
    va_list ap;

    c->failed = 1;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    webconfig_problem(c->errs, c->name, line, where, "%s", reason);
}

static char *
copy(struct ctx *c, const char *s)
{
    char *d = strdup(s);

    if (d == NULL)
        report(c, 0, NULL, "out of memory");
    return d;
}

/* ---- stamps and watches ----------------------------------------------- */

void
webwatch_stamp(const char *path, struct webwatch_stamp *out)
{
    struct stat st;

    memset(out, 0, sizeof(*out));
    if (stat(path, &st) != 0)
        return;
    out->present = 1;
    out->dev = st.st_dev;
    out->ino = st.st_ino;
    out->size = st.st_size;
    out->mtime = st.st_mtim;
    out->ctime = st.st_ctim;
}

int
webwatch_stamp_same(const struct webwatch_stamp *a,
                    const struct webwatch_stamp *b)
{
    if (!a->present || !b->present)
        return a->present == b->present;
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec &&
           a->mtime.tv_nsec == b->mtime.tv_nsec &&
           a->ctime.tv_sec == b->ctime.tv_sec &&
           a->ctime.tv_nsec == b->ctime.tv_nsec;
}

int
webwatch_changed(const struct webwatch *watch)
{
    for (size_t i = 0; i < WEBWATCH_FILE_COUNT; i++) {
        struct webwatch_stamp now;

        if (watch->path[i] == NULL)
            continue;
        webwatch_stamp(watch->path[i], &now);
        if (!webwatch_stamp_same(&now, &watch->stamp[i]))
            return 1;
    }
    return 0;
}

void
webwatch_clear(struct webwatch *watch)
{
    for (size_t i = 0; i < WEBWATCH_FILE_COUNT; i++)
        free(watch->path[i]);
    memset(watch, 0, sizeof(*watch));
}

/* ---- reading files ---------------------------------------------------- */

/*
 * Read a whole regular file of at most WEBWATCH_MAX_SIZE bytes into a
 * NUL-terminated buffer (the caller frees; wipe a key's first).  NULL with
 * a reason in why[why_len].  others_ok 0: refuse a file others may read.
 */
static char *
read_whole(const char *path, int others_ok, size_t *len_out, char *why,
           size_t why_len)
{
    struct stat st;
    char *buf = NULL;
    size_t len = 0;
    ssize_t got;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

    if (fd < 0) {
        snprintf(why, why_len, "cannot open: %s", strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, why_len, "not a regular file");
        goto fail;
    }
    if (!others_ok && (st.st_mode & (S_IROTH | S_IWOTH)) != 0) {
        snprintf(why, why_len, "others may read or write it (mode %04o): "
                 "chmod o-rwx it", (unsigned)(st.st_mode & 07777));
        goto fail;
    }
    if (st.st_size > WEBWATCH_MAX_SIZE) {
        snprintf(why, why_len, "larger than 1 MiB");
        goto fail;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        snprintf(why, why_len, "out of memory");
        goto fail;
    }
    /* Read to the end even if the file grew since fstat(), up to the
     * limit, so that a file being rewritten is read as one state or
     * fails. */
    for (;;) {
        got = read(fd, buf + len, (size_t)st.st_size - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        len += (size_t)got;
        if (len == (size_t)st.st_size)
            break;
    }
    if (got < 0) {
        snprintf(why, why_len, "cannot read: %s", strerror(errno));
        goto fail;
    }
    buf[len] = '\0';
    close(fd);
    *len_out = len;
    return buf;
fail:
    if (buf != NULL) {
        explicit_bzero(buf, len);
        free(buf);
    }
    close(fd);
    return NULL;
}

/* Read one PEM file cfg names into *out, stamping it into watch.  where
 * and what name the key in messages. */
static void
read_pem(struct ctx *c, const char *path, unsigned line, const char *where,
         const char *what, int is_key, enum webwatch_file slot,
         struct webwatch *watch, char **out)
{
    char why[256];
    size_t len = 0;

    if (watch != NULL) {
        watch->path[slot] = strdup(path);
        webwatch_stamp(path, &watch->stamp[slot]);
    }
    *out = read_whole(path, !is_key, &len, why, sizeof(why));
    if (*out == NULL) {
        report(c, line, where, "%s \"%s\": %s", what, path, why);
        return;
    }
    if (len == 0 || strlen(*out) != len) {
        report(c, line, where, "%s \"%s\": %s", what, path,
               len == 0 ? "empty" : "holds a NUL byte, so it is not PEM");
        if (is_key)
            explicit_bzero(*out, len);
        free(*out);
        *out = NULL;
    }
}

/* The PEM files of cfg, read (c->name is FILE in messages). */
static void
read_pems(struct ctx *c, struct webconfig *cfg, const char *where,
          const char *const names[3], struct webwatch *watch)
{
    if (cfg->cert_file != NULL)
        read_pem(c, cfg->cert_file, cfg->cert_line, where, names[0], 0,
                 WEBWATCH_FILE_CERT, watch, &cfg->cert_pem);
    if (cfg->key_file != NULL)
        read_pem(c, cfg->key_file, cfg->key_line, where, names[1], 1,
                 WEBWATCH_FILE_KEY, watch, &cfg->key_pem);
    if (cfg->client_ca_file != NULL)
        read_pem(c, cfg->client_ca_file, cfg->ca_line, where, names[2], 0,
                 WEBWATCH_FILE_CA, watch, &cfg->ca_pem);
}

int
webwatch_load_file(const char *path, int refuse_empty,
                   struct webwatch *watch, struct webconfig **out,
                    struct conf_errors *errs)
{
    static const char *const names[3] = { "cert_file", "key_file",
                                          "client_ca_file" };
    struct ctx c = { .name = path, .errs = errs };
    struct webconfig *cfg = NULL;
    char why[256], *text;
    size_t len = 0;

    if (watch != NULL) {
        webwatch_clear(watch);
        watch->path[WEBWATCH_FILE_YAML] = strdup(path);
        webwatch_stamp(path, &watch->stamp[WEBWATCH_FILE_YAML]);
    }
    text = read_whole(path, 1, &len, why, sizeof(why));
    if (text == NULL) {
        report(&c, 0, NULL, "%s", why);
        return -1;
    }
    if (webconfig_parse_text(text, len, path, refuse_empty, &cfg,
                             errs) != 0) {
        free(text);
        return -1;
    }
    free(text);
    read_pems(&c, cfg, "tls_server_config", names, watch);
    cfg->name = copy(&c, path);
    if (c.failed) {
        webconfig_free(cfg);
        return -1;
    }
    *out = cfg;
    return 0;
}

int
webwatch_from_group(const struct conf_web *web, const char *name,
                    struct webconfig **out, struct conf_errors *errs)
{
    static const char *const names[3] = { "tls_cert_file", "tls_key_file",
                                          "client_ca_file" };
    struct ctx c = { .name = name, .errs = errs };
    struct webconfig *cfg = calloc(1, sizeof(*cfg));

    if (cfg == NULL) {
        report(&c, 0, NULL, "out of memory");
        return -1;
    }
    cfg->from_group = 1;
    cfg->min_version = web->tls_min_version;
    cfg->max_version = TLS_V13;
    if (web->tls_cert_file != NULL) {
        cfg->cert_file = copy(&c, web->tls_cert_file);
        cfg->key_file = copy(&c, web->tls_key_file);
    }
    if (web->client_ca_file != NULL) {
        cfg->client_ca_file = copy(&c, web->client_ca_file);
        cfg->client_auth = WEBCONFIG_VERIFY_CLIENT_CERT_IF_GIVEN;
        cfg->refuse_unverified = 1;
    }
    if (web->n_users > 0) {
        cfg->users = calloc(web->n_users, sizeof(*cfg->users));
        if (cfg->users == NULL)
            report(&c, 0, NULL, "out of memory");
        for (size_t i = 0; cfg->users != NULL && i < web->n_users; i++) {
            cfg->users[i].name = copy(&c, web->users[i].name);
            cfg->users[i].hash = copy(&c, web->users[i].hash);
            cfg->n_users++;
        }
    }
    if (!c.failed)
        read_pems(&c, cfg, "web", names, NULL);
    cfg->name = copy(&c, name);
    if (c.failed) {
        webconfig_free(cfg);
        return -1;
    }
    *out = cfg;
    return 0;
}
