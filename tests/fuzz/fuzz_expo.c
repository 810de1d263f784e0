/*
 * fuzz_expo: the exposition writer on results whose strings come from
 * outside (realm names, principals, KDC names from DNS, error messages).
 * Whatever they hold, every line written must parse as the text format
 * (0.0.4) and every label value must read back to the string it was made
 * from; a small strict parser below checks both and aborts otherwise.
 *
 * Input: a control string, a NUL, then the strings used as labels, cut at
 * NUL bytes.  The control bytes, read in turn, choose how many realms,
 * probes, services, KDCs and counters there are, and their numbers.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exporter/expo.h"
#include "fuzzutil.h"
#include "probes/krb5err.h"
#include "probes/ntstatus.h"
#include "probes/result.h"

#define MAX_ITEMS 4
#define MAX_LABELS 8

/* ---- reading the input ---- */

struct reader {
    const unsigned char *ctl;
    size_t ctl_len, ctl_off;
    const struct fuzz_strings *fs;
    size_t next;
};

static unsigned
byte(struct reader *r)
{
    return r->ctl_off < r->ctl_len ? r->ctl[r->ctl_off++] : 0;
}

static long
word(struct reader *r)
{
    unsigned long v = 0;

    for (int i = 0; i < 4; i++)
        v = v << 8 | byte(r);
    return (long)(int)(unsigned)v;
}

/* A number: one of those the format spells specially, or any double. */
static double
number(struct reader *r)
{
    static const double special[] = { 0, 1, -1, 0.5, 1e300, -0.0, 1e-320,
                                      0.1, 123456789.123 };
    unsigned k = byte(r);
    unsigned char raw[8];
    double v;

    if (k < 200)
        return special[k % (sizeof(special) / sizeof(special[0]))];
    if (k == 200)
        return NAN;
    if (k == 201)
        return INFINITY;
    if (k == 202)
        return -INFINITY;
    for (int i = 0; i < 8; i++)
        raw[i] = (unsigned char)byte(r);
    memcpy(&v, raw, sizeof(v));
    return v;
}

static char *
str(struct reader *r)
{
    /* Past the end, the strings are used again. */
    if (r->fs->n <= 1)
        return r->fs->s[0] + strlen(r->fs->s[0]);    /* "" */
    if (r->next >= r->fs->n)
        r->next = 1;
    return r->fs->s[r->next++];
}

static char *
str_or_null(struct reader *r)
{
    return byte(r) & 1 ? str(r) : NULL;
}

/* ---- the snapshot ---- */

struct built {
    struct realm_result realms[MAX_ITEMS];
    struct probe_result probes[MAX_ITEMS][MAX_ITEMS];
    struct service_info services[MAX_ITEMS][MAX_ITEMS];
    struct kdc_info kdcs[MAX_ITEMS][MAX_ITEMS];
    struct client_info clients[MAX_ITEMS][MAX_ITEMS];
    struct error_count errors[MAX_ITEMS];
    double backoff[MAX_ITEMS];
    struct expo_build_info build;
    struct expo_self self;
    struct expo_snapshot snap;
};

static struct probe_error
error_of(struct reader *r)
{
    struct probe_error e;

    e.space = (enum err_space)(byte(r) % 3);
    e.code = word(r);
    return e;
}

/* An AD extended status: none, one the table names, or any 32 bits. */
static unsigned long
status_of(struct reader *r)
{
    static const unsigned long known[] = { 0, 0xC0000234UL, 0xC0000072UL,
                                           0xC0000193UL, 0xC0000224UL };
    unsigned k = byte(r);

    if (k < 200)
        return known[k % (sizeof(known) / sizeof(known[0]))];
    return (unsigned long)word(r) & 0xffffffffUL;
}

static void
build(struct reader *r, struct built *b)
{
    static const char *const sources[] = { "config", "dns_uri", "dns_srv" };

    memset(b, 0, sizeof(*b));
    b->snap.realms = b->realms;
    b->snap.n_realms = 1 + byte(r) % 3;
    for (size_t i = 0; i < b->snap.n_realms; i++) {
        struct realm_result *rr = &b->realms[i];
        rr->realm = str(r);
        rr->probes = b->probes[i];
        rr->n_probes = byte(r) % (MAX_ITEMS + 1);
        for (size_t j = 0; j < rr->n_probes; j++) {
            struct probe_result *p = &rr->probes[j];
            p->kind = (enum probe_kind)(byte(r) % PROBE_KIND_COUNT);
            p->target = str(r);
            p->success = byte(r) & 1;
            p->duration_seconds = number(r);
            p->error = error_of(r);
            p->message = str_or_null(r);
            p->skipped = byte(r) & 1;
            p->status = status_of(r);
        }
        rr->services = b->services[i];
        rr->n_services = byte(r) % (MAX_ITEMS + 1);
        for (size_t j = 0; j < rr->n_services; j++) {
            rr->services[j].service = str(r);
            rr->services[j].principal = str_or_null(r);
            rr->services[j].kvno = (int)word(r);
        }
        rr->kdcs = b->kdcs[i];
        rr->n_kdcs = byte(r) % (MAX_ITEMS + 1);
        for (size_t j = 0; j < rr->n_kdcs; j++) {
            rr->kdcs[j].target = str(r);
            rr->kdcs[j].has_skew = byte(r) & 1;
            rr->kdcs[j].skew_seconds = number(r);
        }
        rr->has_discovered = byte(r) & 1;
        rr->discovered.source = sources[byte(r) % 3];
        rr->discovered.count = byte(r);
        rr->clients = b->clients[i];
        rr->n_clients = byte(r) % (MAX_ITEMS + 1);
        for (size_t j = 0; j < rr->n_clients; j++) {
            rr->clients[j].principal = str(r);
            rr->clients[j].canonical = str_or_null(r);
            rr->clients[j].has_password_expiry = byte(r) & 1;
            rr->clients[j].password_expiry = number(r);
        }
        b->backoff[i] = number(r);
    }
    b->snap.backoff_left = byte(r) & 1 ? b->backoff : NULL;
    b->snap.errors = b->errors;
    b->snap.n_errors = byte(r) % (MAX_ITEMS + 1);
    for (size_t i = 0; i < b->snap.n_errors; i++) {
        b->errors[i].realm = str(r);
        b->errors[i].kind = (enum probe_kind)(byte(r) % PROBE_KIND_COUNT);
        b->errors[i].error = error_of(r);
        b->errors[i].status = status_of(r);
        b->errors[i].count = (unsigned long long)word(r) & 0xffffffffu;
    }
    if (byte(r) & 1) {
        b->build.version = str(r);
        b->build.krb5_version = str(r);
        b->build.cares_version = str(r);
        b->build.microhttpd_version = str(r);
        b->self.build = &b->build;
        b->self.scrape_duration = number(r);
        b->self.reload_successful = byte(r) & 1;
        b->self.reload_success_timestamp = number(r);
        b->self.probes_in_flight = byte(r);
        b->snap.self = &b->self;
    }
}

/* ---- a strict parser of what expo writes ---- */

struct label {
    char name[64];
    char *value;              /* owned, unescaped */
};

struct sample {
    char name[128];
    struct label labels[MAX_LABELS];
    size_t n_labels;
    double value;
};

static int
name_char(char c, int first, int colon)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

/* Read a name at *p into buf; aborts unless there is one. */
static void
read_name(const char **p, char *buf, size_t len, int colon, const char *what)
{
    size_t n = 0;

    while (name_char((*p)[n], n == 0, colon))
        n++;
    if (n == 0 || n >= len)
        fuzz_fail("exposition: bad %s at \"%.40s\"", what, *p);
    memcpy(buf, *p, n);
    buf[n] = '\0';
    *p += n;
}

static void
expect(const char **p, const char *lit)
{
    size_t n = strlen(lit);

    if (strncmp(*p, lit, n) != 0)
        fuzz_fail("exposition: expected \"%s\" at \"%.40s\"", lit, *p);
    *p += n;
}

/* A label value after its opening quote, unescaped into a new string. */
static char *
read_value(const char **p)
{
    const char *s = *p;
    char *out = malloc(strlen(s) + 1);
    size_t n = 0;

    if (out == NULL)
        abort();
    for (;; s++) {
        if (*s == '\0' || *s == '\n')
            fuzz_fail("exposition: label value not closed");
        if (*s == '"')
            break;
        if (*s == '\\') {
            s++;
            if (*s == '\\' || *s == '"')
                out[n++] = *s;
            else if (*s == 'n')
                out[n++] = '\n';
            else
                fuzz_fail("exposition: bad escape \\%c", *s);
        } else {
            out[n++] = *s;
        }
    }
    out[n] = '\0';
    *p = s + 1;
    return out;
}

static double
read_number(const char **p)
{
    const char *s = *p, *e = strchr(s, '\n');
    char buf[64];
    char *end;
    double v;

    if (e == NULL || (size_t)(e - s) >= sizeof(buf) || e == s)
        fuzz_fail("exposition: bad sample value at \"%.40s\"", s);
    memcpy(buf, s, (size_t)(e - s));
    buf[e - s] = '\0';
    if (strcmp(buf, "NaN") == 0)
        v = NAN;
    else if (strcmp(buf, "+Inf") == 0)
        v = INFINITY;
    else if (strcmp(buf, "-Inf") == 0)
        v = -INFINITY;
    else if (strspn(buf, "0123456789.eE+-") != strlen(buf) ||
             (v = strtod(buf, &end), *end != '\0'))
        fuzz_fail("exposition: bad sample value \"%s\"", buf);
    *p = e + 1;
    return v;
}

static void
sample_free(struct sample *s)
{
    for (size_t i = 0; i < s->n_labels; i++)
        free(s->labels[i].value);
}

/* Parse the whole text; every sample in order into *out (caller frees). */
static size_t
parse(const char *text, struct sample **out)
{
    char family[128] = "", seen[64][128];
    size_t n_seen = 0, n = 0, cap = 0;
    struct sample *all = NULL;
    const char *p = text;

    while (*p != '\0') {
        if (strncmp(p, "# HELP ", 7) == 0) {
            char name[128];
            p += 7;
            read_name(&p, name, sizeof(name), 1, "HELP name");
            expect(&p, " ");
            for (; *p != '\n'; p++) {
                if (*p == '\0')
                    fuzz_fail("exposition: HELP not ended");
                if (*p == '\\' && p[1] != '\\' && p[1] != 'n')
                    fuzz_fail("exposition: bad escape in HELP");
                if (*p == '\\')
                    p++;
            }
            p++;
            if (strncmp(p, "# TYPE ", 7) != 0)
                fuzz_fail("exposition: HELP %s without TYPE", name);
            p += 7;
            read_name(&p, family, sizeof(family), 1, "TYPE name");
            if (strcmp(family, name) != 0)
                fuzz_fail("exposition: HELP %s, TYPE %s", name, family);
            if (strncmp(p, " gauge\n", 7) == 0)
                p += 7;
            else
                expect(&p, " counter\n");
            for (size_t i = 0; i < n_seen; i++)
                if (strcmp(seen[i], family) == 0)
                    fuzz_fail("exposition: family %s twice", family);
            if (n_seen < 64)
                strcpy(seen[n_seen++], family);
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            all = realloc(all, cap * sizeof(*all));
            if (all == NULL)
                abort();
        }
        struct sample *s = &all[n++];
        memset(s, 0, sizeof(*s));
        read_name(&p, s->name, sizeof(s->name), 1, "metric name");
        if (strcmp(s->name, family) != 0)
            fuzz_fail("exposition: %s outside its family", s->name);
        if (*p == '{') {
            p++;
            for (;;) {
                struct label *l = &s->labels[s->n_labels];
                if (s->n_labels == MAX_LABELS)
                    fuzz_fail("exposition: too many labels");
                read_name(&p, l->name, sizeof(l->name), 0, "label name");
                expect(&p, "=\"");
                l->value = read_value(&p);
                for (size_t i = 0; i < s->n_labels; i++)
                    if (strcmp(s->labels[i].name, l->name) == 0)
                        fuzz_fail("exposition: label %s twice", l->name);
                s->n_labels++;
                if (*p == '}')
                    break;
                expect(&p, ",");
            }
            p++;
        }
        expect(&p, " ");
        s->value = read_number(&p);
    }
    *out = all;
    return n;
}

/* ---- checking the samples against the snapshot ---- */

static const char *
label(const struct sample *s, const char *name)
{
    for (size_t i = 0; i < s->n_labels; i++)
        if (strcmp(s->labels[i].name, name) == 0)
            return s->labels[i].value;
    fuzz_fail("exposition: %s has no label %s", s->name, name);
}

static void
same_label(const struct sample *s, const char *name, const char *want)
{
    const char *got = label(s, name);

    if (strcmp(got, want) != 0)
        fuzz_fail("exposition: %s{%s} reads back as \"%s\", written from "
                  "\"%s\"", s->name, name, got, want);
}

static void
same_number(const struct sample *s, double want)
{
    if (isnan(want) ? !isnan(s->value)
                    : memcmp(&s->value, &want, sizeof(want)) != 0)
        fuzz_fail("exposition: %s reads back as %.17g, written from %.17g",
                  s->name, s->value, want);
}

/* The next sample of metric `name` after *at, in order. */
static const struct sample *
next_of(const struct sample *all, size_t n, size_t *at, const char *name)
{
    for (; *at < n; (*at)++)
        if (strcmp(all[*at].name, name) == 0)
            return &all[(*at)++];
    fuzz_fail("exposition: a %s sample is missing", name);
}

static size_t
count_of(const struct sample *all, size_t n, const char *name)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        k += strcmp(all[i].name, name) == 0;
    return k;
}

static void
check(const struct built *b, const struct sample *all, size_t n)
{
    size_t at_ok = 0, at_dur = 0, at_err = 0, at_info = 0, at_skew = 0;
    size_t n_probes = 0, n_failed = 0, n_info = 0, n_skew = 0;

    for (size_t i = 0; i < b->snap.n_realms; i++) {
        const struct realm_result *r = &b->realms[i];
        for (size_t j = 0; j < r->n_probes; j++) {
            const struct probe_result *p = &r->probes[j];
            const char *kind = probe_kind_name(p->kind);
            const struct sample *s;
            n_probes++;
            s = next_of(all, n, &at_ok, "krb5_probe_success");
            same_label(s, "realm", r->realm);
            same_label(s, "probe", kind);
            same_label(s, "target", p->target);
            same_number(s, p->success);
            s = next_of(all, n, &at_dur, "krb5_probe_duration_seconds");
            same_label(s, "realm", r->realm);
            same_label(s, "target", p->target);
            same_number(s, p->duration_seconds);
            if (p->success)
                continue;
            n_failed++;
            s = next_of(all, n, &at_err, "krb5_probe_error");
            same_label(s, "realm", r->realm);
            same_label(s, "probe", kind);
            same_label(s, "target", p->target);
            same_label(s, "name", krb5err_name(p->error.space,
                                               p->error.code));
            same_label(s, "status", ntstatus_name(p->status));
            if (strtol(label(s, "code"), NULL, 10) != p->error.code)
                fuzz_fail("exposition: code %s, written from %ld",
                          label(s, "code"), p->error.code);
        }
        for (size_t j = 0; j < r->n_services; j++) {
            const struct service_info *sv = &r->services[j];
            const struct sample *s;
            if (sv->principal == NULL)
                continue;
            n_info++;
            s = next_of(all, n, &at_info, "krb5_service_principal_info");
            same_label(s, "realm", r->realm);
            same_label(s, "service", sv->service);
            same_label(s, "principal", sv->principal);
        }
        for (size_t j = 0; j < r->n_kdcs; j++) {
            const struct sample *s;
            if (!r->kdcs[j].has_skew)
                continue;
            n_skew++;
            s = next_of(all, n, &at_skew, "krb5_kdc_clock_skew_seconds");
            same_label(s, "realm", r->realm);
            same_label(s, "target", r->kdcs[j].target);
            same_number(s, r->kdcs[j].skew_seconds);
        }
    }
    if (count_of(all, n, "krb5_probe_success") != n_probes ||
        count_of(all, n, "krb5_probe_error") != n_failed ||
        count_of(all, n, "krb5_service_principal_info") != n_info ||
        count_of(all, n, "krb5_kdc_clock_skew_seconds") != n_skew)
        fuzz_fail("exposition: samples written for nothing");
    for (size_t i = 0, at = 0; i < b->snap.n_errors; i++) {
        const struct sample *s = next_of(all, n, &at,
                                         "krb5_probe_errors_total");
        same_label(s, "realm", b->errors[i].realm);
        same_label(s, "status", ntstatus_name(b->errors[i].status));
        same_number(s, (double)b->errors[i].count);
    }
    if (b->snap.self != NULL) {
        size_t at = 0;
        const struct sample *s = next_of(all, n, &at,
                                         "krb5_exporter_build_info");
        same_label(s, "version", b->build.version);
        same_label(s, "krb5_version", b->build.krb5_version);
        same_label(s, "cares_version", b->build.cares_version);
        same_label(s, "microhttpd_version", b->build.microhttpd_version);
    }
}

/* Is s valid UTF-8 (as Prometheus insists for label values)? */
static int
utf8_ok(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; ) {
        unsigned c = s[i], k, min;
        unsigned long cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xe0) == 0xc0)
            k = 1, min = 0x80, cp = c & 0x1f;
        else if ((c & 0xf0) == 0xe0)
            k = 2, min = 0x800, cp = c & 0x0f;
        else if ((c & 0xf8) == 0xf0)
            k = 3, min = 0x10000, cp = c & 0x07;
        else
            return 0;
        for (unsigned j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + j] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += k + 1;
    }
    return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_strings fs;
    struct reader r;
    struct built *b = malloc(sizeof(*b));
    struct sbuf out;
    struct sample *all = NULL;
    size_t n;

    if (b == NULL)
        abort();
    fuzz_split(data, size, 64, &fs);
    memset(&r, 0, sizeof(r));
    r.ctl = (const unsigned char *)fs.s[0];
    r.ctl_len = strlen(fs.s[0]);
    r.fs = &fs;
    r.next = 1;
    build(&r, b);

    sbuf_init(&out);
    expo_write(&out, &b->snap);
    if (sbuf_status(&out) != 0)
        abort();
    if (out.len > 0 && strlen(out.data) != out.len)
        fuzz_fail("exposition: a NUL byte inside");
    if (out.len > 0 && out.data[out.len - 1] != '\n')
        fuzz_fail("exposition: the last line is not ended");
    if (utf8_ok(data, size) && out.len > 0 &&
        !utf8_ok((const unsigned char *)out.data, out.len))
        fuzz_fail("exposition: UTF-8 strings written as invalid UTF-8");
    n = parse(out.len > 0 ? out.data : "", &all);
    check(b, all, n);

    for (size_t i = 0; i < n; i++)
        sample_free(&all[i]);
    free(all);
    sbuf_free(&out);
    fuzz_strings_free(&fs);
    free(b);
    return 0;
}
