/*
 * fuzz_dnsparse: the pure half of KDC discovery and canonicalisation, on
 * what a DNS server (or the config) may say.  The first byte picks the
 * function; the rest is its input:
 *   0  a URI record value                      dnsparse_uri, _kdc_target
 *   1  SRV records: 6 bytes priority, weight,  dnsparse_sort_srv
 *      port, then the target up to a NUL
 *   2  QUERY\0ALIAS\0NAME\0ALIAS\0NAME...      dnsparse_follow_cnames
 *      (the second byte is the output size)
 *   3  SERVICE\0CANON_HOST\0REALM              dnsparse_service_host,
 *      (the second byte is the host size)      dnsparse_service_principal
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzzutil.h"
#include "probes/dnsparse.h"

#define MAX_RECORDS 64

/* Lowercase with at most one trailing dot dropped, as normalize_host. */
static void
check_normal(const char *what, const char *host)
{
    for (const char *p = host; *p != '\0'; p++)
        if (isupper((unsigned char)*p))
            fuzz_fail("%s: \"%s\" not lowercased", what, host);
}

static void
fuzz_uri(const char *uri)
{
    struct kdc_spec spec, before;
    char target[300];
    int ret;

    memset(&spec, 0x5a, sizeof(spec));
    before = spec;
    ret = dnsparse_uri(uri, &spec);
    if (ret != 0) {
        if (ret != 1 && ret != -1)
            fuzz_fail("dnsparse_uri: returned %d", ret);
        if (memcmp(&spec, &before, sizeof(spec)) != 0)
            fuzz_fail("dnsparse_uri: \"%s\" refused but out written", uri);
        if (ret == 1 && strncasecmp(uri, "krb5srv:", 8) != 0)
            fuzz_fail("dnsparse_uri: \"%s\" taken as kkdcp", uri);
        return;
    }
    if (strncasecmp(uri, "krb5srv:", 8) != 0)
        fuzz_fail("dnsparse_uri: \"%s\" taken without the scheme", uri);
    if (memchr(spec.host, '\0', sizeof(spec.host)) == NULL ||
        spec.host[0] == '\0')
        fuzz_fail("dnsparse_uri: \"%s\" gave an empty or unended host", uri);
    if (strstr(uri, spec.host) == NULL && strcasestr(uri, spec.host) == NULL)
        fuzz_fail("dnsparse_uri: host \"%s\" not in \"%s\"", spec.host, uri);
    check_normal("dnsparse_uri", spec.host);
    if (spec.port == 0 || (spec.proto != KDC_PROTO_UDP &&
                           spec.proto != KDC_PROTO_TCP) ||
        (spec.primary != 0 && spec.primary != 1))
        fuzz_fail("dnsparse_uri: \"%s\" gave port %u proto %d primary %d",
                  uri, spec.port, (int)spec.proto, spec.primary);
    dnsparse_kdc_target(&spec, target);
    if (strnlen(target, sizeof(target)) >= sizeof(target) ||
        (strncmp(target, "udp/", 4) != 0 && strncmp(target, "tcp/", 4) != 0))
        fuzz_fail("dnsparse_kdc_target: \"%s\"", target);
}

/* Is a before b in the order dnsparse_sort_srv promises? */
static int
srv_before(const struct srv_record *a, const struct srv_record *b)
{
    return a->priority < b->priority ||
           (a->priority == b->priority && a->weight > b->weight);
}

static void
fuzz_srv(const uint8_t *data, size_t size)
{
    struct srv_record in[MAX_RECORDS], got[MAX_RECORDS], want[MAX_RECORDS];
    size_t n = 0, n_want = 0, kept;

    memset(in, 0, sizeof(in));
    while (size >= 6 && n < MAX_RECORDS) {
        struct srv_record *r = &in[n++];
        size_t len = 0;
        r->priority = (unsigned short)(data[0] << 8 | data[1]);
        r->weight = (unsigned short)(data[2] << 8 | data[3]);
        r->port = (unsigned short)(data[4] << 8 | data[5]);
        data += 6;
        size -= 6;
        while (len < size && data[len] != 0 && len < sizeof(r->target) - 1)
            len++;
        memcpy(r->target, data, len);
        r->target[len] = '\0';
        data += len;
        size -= len;
        if (size > 0 && data[0] == 0) {
            data++;
            size--;
        }
    }
    memcpy(got, in, sizeof(in));
    kept = dnsparse_sort_srv(got, n);

    /* The expected order: a stable sort of the usable records. */
    for (size_t i = 0; i < n; i++) {
        if (in[i].target[0] == '\0' || strcmp(in[i].target, ".") == 0)
            continue;
        size_t j = n_want++;
        while (j > 0 && srv_before(&in[i], &want[j - 1])) {
            want[j] = want[j - 1];
            j--;
        }
        want[j] = in[i];
        dnsparse_normalize_host(want[j].target);
    }
    if (kept != n_want)
        fuzz_fail("dnsparse_sort_srv: kept %zu of %zu, expected %zu", kept,
                  n, n_want);
    for (size_t i = 0; i < kept; i++) {
        if (got[i].priority != want[i].priority ||
            got[i].weight != want[i].weight || got[i].port != want[i].port ||
            strcmp(got[i].target, want[i].target) != 0)
            fuzz_fail("dnsparse_sort_srv: record %zu is %u %u %u %s, "
                      "expected %u %u %u %s", i, got[i].priority,
                      got[i].weight, got[i].port, got[i].target,
                      want[i].priority, want[i].weight, want[i].port,
                      want[i].target);
        check_normal("dnsparse_sort_srv", got[i].target);
    }
}

/* Equal as DNS names: ignoring case and one trailing dot. */
static int
same_name(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);

    la -= la > 0 && a[la - 1] == '.';
    lb -= lb > 0 && b[lb - 1] == '.';
    return la == lb && strncasecmp(a, b, la) == 0;
}

/* Is `name` an end of the chain that normalises to `out`? */
static int
chain_end(const char *name, const char *out, const char *const *aliases,
          size_t n)
{
    char norm[512];

    if (strlen(name) >= sizeof(norm))
        return 0;
    strcpy(norm, name);
    dnsparse_normalize_host(norm);
    if (strcmp(norm, out) != 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (same_name(aliases[i], name))
            return 0;
    return 1;
}

static void
fuzz_cnames(const uint8_t *data, size_t size)
{
    struct fuzz_strings fs;
    const char *aliases[MAX_RECORDS], *names[MAX_RECORDS];
    size_t out_len, n = 0;
    char *out;

    if (size < 1)
        return;
    out_len = data[0];
    fuzz_split(data + 1, size - 1, 1 + 2 * MAX_RECORDS, &fs);
    for (size_t i = 1; i + 1 < fs.n; i += 2) {
        aliases[n] = fs.s[i];
        names[n++] = fs.s[i + 1];
    }
    out = malloc(out_len ? out_len : 1);
    if (out == NULL)
        abort();
    if (dnsparse_follow_cnames(fs.s[0], aliases, names, n, out,
                               out_len) == 0) {
        /* The answer is the query or a name, normalised, that is no alias
         * of anything: the end of the chain. */
        int found = 0;
        if (strnlen(out, out_len) >= out_len)
            fuzz_fail("dnsparse_follow_cnames: overran %zu bytes", out_len);
        check_normal("dnsparse_follow_cnames", out);
        for (size_t i = 0; i <= n && !found; i++)
            found = chain_end(i == n ? fs.s[0] : names[i], out, aliases, n);
        if (!found)
            fuzz_fail("dnsparse_follow_cnames: \"%s\" is not the end of a "
                      "chain", out);
    }
    free(out);
    fuzz_strings_free(&fs);
}

static void
fuzz_service(const uint8_t *data, size_t size)
{
    struct fuzz_strings fs;
    const char *service, *canon, *realm, *slash;
    char *big, *host, *principal;
    size_t host_len;
    int ret, ret_big;

    if (size < 1)
        return;
    host_len = data[0];
    fuzz_split(data + 1, size - 1, 3, &fs);
    service = fuzz_str(&fs, 0, "");
    canon = fuzz_str(&fs, 1, "canon.example.com");
    realm = fuzz_str(&fs, 2, "EXAMPLE.COM");
    host = malloc(host_len ? host_len : 1);
    big = malloc(strlen(service) + 1);
    if (host == NULL || big == NULL)
        abort();
    ret = dnsparse_service_host(service, host, host_len);
    ret_big = dnsparse_service_host(service, big, strlen(service) + 1);
    slash = strchr(service, '/');
    if (ret == 0) {
        if (ret_big != 0 || strcmp(host, big) != 0)
            fuzz_fail("dnsparse_service_host: depends on the buffer size");
        if (host[0] == '\0' || strnlen(host, host_len) >= host_len ||
            strpbrk(host, ":/@") != NULL || slash == NULL ||
            strncmp(slash + 1, host, strlen(host)) != 0)
            fuzz_fail("dnsparse_service_host: \"%s\" from \"%s\"", host,
                      service);
    }
    principal = dnsparse_service_principal(service, canon, realm);
    if ((principal == NULL) != (ret_big != 0))
        fuzz_fail("dnsparse_service_principal: \"%s\" %s", service,
                  principal ? "has no host but got a principal"
                            : "has a host but got no principal");
    if (principal != NULL) {
        size_t start = (size_t)(slash + 1 - service);
        const char *rest = service + start + strlen(big);
        size_t lp = strlen(principal), lr = strlen(realm);
        if (strncmp(principal, service, start) != 0 ||
            strncmp(principal + start, canon, strlen(canon)) != 0 ||
            strncmp(principal + start + strlen(canon), rest,
                    strlen(rest)) != 0)
            fuzz_fail("dnsparse_service_principal: \"%s\" from \"%s\" and "
                      "\"%s\"", principal, service, canon);
        if (strchr(rest, '@') == NULL &&
            (lp < lr + 1 || principal[lp - lr - 1] != '@' ||
             strcmp(principal + lp - lr, realm) != 0))
            fuzz_fail("dnsparse_service_principal: \"%s\" lacks @%s",
                      principal, realm);
    }
    free(principal);
    free(big);
    free(host);
    fuzz_strings_free(&fs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s;

    if (size < 1)
        return 0;
    switch (data[0] % 4) {
    case 0:
        s = fuzz_cstr(data + 1, size - 1);
        fuzz_uri(s);
        free(s);
        break;
    case 1:
        fuzz_srv(data + 1, size - 1);
        break;
    case 2:
        fuzz_cnames(data + 1, size - 1);
        break;
    default:
        fuzz_service(data + 1, size - 1);
        break;
    }
    return 0;
}
