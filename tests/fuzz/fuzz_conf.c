/*
 * fuzz_conf: the configuration loader, conf_load_string(), on any text.
 *
 * The loader checks the keytab, password and certificate files the text
 * names (open and fstat, never a write).  So that the fuzzer can reach every
 * check without touching this machine's files, open() and fopen() of the
 * core library are wrapped (meson links this target with --wrap) while the
 * loader runs: a path under "/fuzz/" is taken in a private directory of
 * fixture files made here, every other path does not exist.  Only ever
 * read-only opens get through.  libconfig's "@include" opens files itself,
 * out of reach of the wrappers, so inputs holding it are skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "fuzzutil.h"

#define FAKE_ROOT "/fuzz/"
/*
 * The password file holds one of two secrets of the same shape, one per
 * fixture directory.  Each input
 * is loaded once with each: what the loader says must not depend on which,
 * so no part of the password ever reaches a message.  Comparing two runs,
 * rather than searching the messages for the secret, cannot be fooled by an
 * input that writes the secret itself, in escapes or in pieces.
 */
static const char *const fixture_secrets[2] = { "fuzz-secret-Pa55word\n",
                                                "FUZZ_SECRET_qR77WORD\n" };

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
int __real_open64(const char *path, int flags, ...);
int __wrap_open64(const char *path, int flags, ...);
int __real___open_2(const char *path, int flags);
int __wrap___open_2(const char *path, int flags);
FILE *__real_fopen(const char *path, const char *mode);
FILE *__wrap_fopen(const char *path, const char *mode);
FILE *__real_fopen64(const char *path, const char *mode);
FILE *__wrap_fopen64(const char *path, const char *mode);

/* Two fixture directories, absolute, alike but for the password file. */
static char sandboxes[2][256];
static int active;            /* which sandbox /fuzz/ means */
static int confined;          /* set while the loader runs */

/*
 * Where path really is: a /fuzz/ path inside the sandbox, into buf.  NULL
 * (errno ENOENT) for any other path, for ".." and for a write.
 */
static const char *
confine(const char *path, int writing, char *buf, size_t len)
{
    if (!confined)
        return path;
    if (writing || strncmp(path, FAKE_ROOT, strlen(FAKE_ROOT)) != 0 ||
        strstr(path, "..") != NULL ||
        (size_t)snprintf(buf, len, "%s/%s", sandboxes[active],
                         path + strlen(FAKE_ROOT)) >= len) {
        errno = writing ? EACCES : ENOENT;
        return NULL;
    }
    return buf;
}

static int
is_write(int flags)
{
    return (flags & O_ACCMODE) != O_RDONLY ||
           (flags & (O_CREAT | O_TRUNC | O_APPEND)) != 0;
}

int
__wrap_open(const char *path, int flags, ...)
{
    char buf[512];
    const char *p = confine(path, is_write(flags), buf, sizeof(buf));
    va_list ap;
    int mode;

    if (p == NULL)
        return -1;
    va_start(ap, flags);
    mode = (flags & O_CREAT) ? va_arg(ap, int) : 0;
    va_end(ap);
    return __real_open(p, flags, mode);
}

int
__wrap_open64(const char *path, int flags, ...)
{
    char buf[512];
    const char *p = confine(path, is_write(flags), buf, sizeof(buf));
    va_list ap;
    int mode;

    if (p == NULL)
        return -1;
    va_start(ap, flags);
    mode = (flags & O_CREAT) ? va_arg(ap, int) : 0;
    va_end(ap);
    return __real_open64(p, flags, mode);
}

int
__wrap___open_2(const char *path, int flags)
{
    char buf[512];
    const char *p = confine(path, is_write(flags), buf, sizeof(buf));

    return p == NULL ? -1 : __real___open_2(p, flags);
}

FILE *
__wrap_fopen(const char *path, const char *mode)
{
    char buf[512];
    const char *p = confine(path, strpbrk(mode, "wa+") != NULL, buf,
                            sizeof(buf));

    return p == NULL ? NULL : __real_fopen(p, mode);
}

FILE *
__wrap_fopen64(const char *path, const char *mode)
{
    char buf[512];
    const char *p = confine(path, strpbrk(mode, "wa+") != NULL, buf,
                            sizeof(buf));

    return p == NULL ? NULL : __real_fopen64(p, mode);
}

static void
fixture(const char *dir, const char *name, const char *text, mode_t mode)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = __real_fopen(path, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0 ||
        chmod(path, mode) != 0)
        fuzz_fail("cannot make fixture %s", path);
}

static void
remove_sandbox(const char *dir)
{
    static const char *const names[] = { "keytab", "password", "shared",
                                         "empty", "cert.pem" };
    char path[512];

    if (dir[0] != '/')
        return;                 /* never made */
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/dir", dir);
    rmdir(path);
    rmdir(dir);
}

static void
remove_sandboxes(void)
{
    remove_sandbox(sandboxes[0]);
    remove_sandbox(sandboxes[1]);
}

/* A fixture directory in dir, whose password file holds secret. */
static void
make_sandbox(char *dir, size_t len, const char *secret)
{
    const char *tmp = getenv("TMPDIR");
    char sub[512];

    snprintf(dir, len, "%s/krb5exp-fuzz-conf.XXXXXX",
             tmp != NULL && tmp[0] == '/' ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL)
        fuzz_fail("mkdtemp %s: %s", dir, strerror(errno));
    fixture(dir, "keytab", "\x05\x02 not a real keytab", 0600);
    fixture(dir, "password", secret, 0600);
    fixture(dir, "shared", "readable by all\n", 0644);
    fixture(dir, "empty", "", 0600);
    fixture(dir, "cert.pem", "-----BEGIN CERTIFICATE-----\n", 0644);
    snprintf(sub, sizeof(sub), "%s/dir", dir);
    if (mkdir(sub, 0700) != 0)
        fuzz_fail("mkdir %s: %s", sub, strerror(errno));
}

/* Load text; returns the loader's result, with the sandbox on. */
static int
load(const char *text, struct conf **conf, struct conf_errors *errs)
{
    int ret;

    confined = 1;
    ret = conf_load_string(text, "fuzz.conf", conf, errs);
    confined = 0;
    return ret;
}

/* The wrappers must be in the way, or the fuzzer could open any file. */
static void
self_test(void)
{
    static const char good[] =
        "realms = ( { realm = \"R\"; client = { principal = \"m@R\"; "
        "keytab = \"/fuzz/keytab\"; }; } );";
    static const char outside[] =
        "realms = ( { realm = \"R\"; client = { principal = \"m@R\"; "
        "keytab = \"%s/keytab\"; }; } );";
    struct conf_errors errs = { NULL, 0 };
    struct conf *conf = NULL;
    char text[1024];

    if (load(good, &conf, &errs) != 0)
        fuzz_fail("self test: a sandboxed keytab was refused: %s",
                  errs.count ? errs.messages[0] : "?");
    conf_free(conf);
    conf = NULL;
    snprintf(text, sizeof(text), outside, sandboxes[0]);
    if (load(text, &conf, &errs) == 0 || errs.count == 0 ||
        strstr(errs.messages[0], "No such file") == NULL)
        fuzz_fail("self test: a path outside the sandbox was opened; are "
                  "open() and fopen() wrapped?");
    conf_errors_clear(&errs);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    atexit(remove_sandboxes);
    make_sandbox(sandboxes[0], sizeof(sandboxes[0]), fixture_secrets[0]);
    make_sandbox(sandboxes[1], sizeof(sandboxes[1]), fixture_secrets[1]);
    self_test();
    return 0;
}

static void
check_conf(const struct conf *conf)
{
    if (conf->n_realms == 0 || conf->workers == 0)
        fuzz_fail("loaded: %zu realms, %u workers", conf->n_realms,
                  conf->workers);
    for (size_t i = 0; i < conf->n_realms; i++) {
        const struct conf_realm *r = &conf->realms[i];
        if (r->realm == NULL || r->realm[0] == '\0' ||
            r->client_principal == NULL ||
            (r->keytab == NULL) == (r->password_file == NULL))
            fuzz_fail("loaded realm %zu incomplete", i);
        if (!(r->timeout > 0 && r->timeout <= 300) ||
            !(r->backoff_max >= r->backoff))
            fuzz_fail("loaded realm %s: timeout %g backoff %g..%g", r->realm,
                      r->timeout, r->backoff, r->backoff_max);
        for (size_t k = 0; k < r->n_kdcs; k++)
            if (r->kdcs[k].host == NULL || r->kdcs[k].host[0] == '\0' ||
                r->kdcs[k].port == 0)
                fuzz_fail("loaded realm %s: kdc %zu empty", r->realm, k);
        for (size_t k = 0; k < r->n_services; k++)
            if (r->services[k] == NULL || r->services[k][0] == '\0')
                fuzz_fail("loaded realm %s: service %zu empty", r->realm, k);
        for (size_t j = 0; j < i; j++)
            if (strcmp(conf->realms[j].realm, r->realm) == 0)
                fuzz_fail("loaded realm %s twice", r->realm);
    }
}

/* The two runs must have said the same, word for word. */
static void
check_same_messages(const struct conf_errors *a, const struct conf_errors *b)
{
    if (a->count != b->count)
        fuzz_fail("the password's content changed the number of problems: "
                  "%zu against %zu", a->count, b->count);
    for (size_t i = 0; i < a->count; i++)
        if (strcmp(a->messages[i], b->messages[i]) != 0)
            fuzz_fail("the password's content shows in a problem: \"%s\" "
                      "against \"%s\"", a->messages[i], b->messages[i]);
}

/* Load text with the password file holding secret number which. */
static int
load_with_secret(const char *text, int which, struct conf **conf,
                 struct conf_errors *errs)
{
    int ret;

    active = which;
    ret = load(text, conf, errs);
    active = 0;
    return ret;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct conf_errors errs = { NULL, 0 };
    struct conf_errors other_errs = { NULL, 0 };
    struct conf *conf = (struct conf *)&errs;   /* must stay untouched */
    struct conf *other_conf = NULL;
    char *text;
    int ret;

    if (memmem(data, size, "@include", 8) != NULL)
        return -1;
    text = fuzz_cstr(data, size);
    ret = load_with_secret(text, 0, &conf, &errs);
    if (ret == 0) {
        if (errs.count != 0 || conf == (struct conf *)&errs || conf == NULL)
            fuzz_fail("success with %zu problems", errs.count);
        check_conf(conf);
        conf_free(conf);
    } else {
        if (ret != -1 || errs.count == 0 || conf != (struct conf *)&errs)
            fuzz_fail("failure (%d) with %zu problems or conf set", ret,
                      errs.count);
    }
    for (size_t i = 0; i < errs.count; i++)
        if (errs.messages[i] == NULL || errs.messages[i][0] == '\0')
            fuzz_fail("problem %zu has no text", i);
    if (load_with_secret(text, 1, &other_conf, &other_errs) != ret)
        fuzz_fail("the password's content changed the result");
    conf_free(other_conf);
    check_same_messages(&errs, &other_errs);
    conf_errors_clear(&other_errs);
    conf_errors_clear(&errs);
    free(text);
    return 0;
}
