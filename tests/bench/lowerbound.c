/*
 * lowerbound: the floor under a scrape's cost.  It makes the libkrb5 calls
 * a scrape needs, and nothing else: per realm, initial credentials from a
 * keytab, then a service ticket for each service, one realm after another
 * in one process, with no HTTP, no exposition and no threads.  For the
 * benchmark only; it is not installed.
 *
 *   krb5exp_bench_lowerbound ROUNDS SPEC_FILE
 *
 * SPEC_FILE has one realm per line: REALM CLIENT KEYTAB SERVICE...  (every
 * principal with its realm).  The KDCs come from the ordinary krb5.conf
 * that KRB5_CONFIG names.  One round probes every realm once; a first
 * round warms the context up and is not counted.  It prints, on stdout,
 * the CPU time (user + system, from getrusage) and the wall time of one
 * round, averaged over ROUNDS, and exits 1 when any call failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <krb5.h>

#define MAX_REALMS 1024
#define MAX_SERVICES 16

struct realm_spec {
    char *client;               /* owned */
    char *keytab;               /* owned */
    char *services[MAX_SERVICES]; /* owned */
    int n_services;
};

static struct realm_spec specs[MAX_REALMS];
static int n_specs;

static double cpu_seconds(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double wall_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int read_specs(const char *path)
{
    char line[4096];
    FILE *f = fopen(path, "r");

    if (f == NULL) {
        perror(path);
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL && n_specs < MAX_REALMS) {
        struct realm_spec *s = &specs[n_specs];
        char *save = NULL;
        char *word = strtok_r(line, " \t\n", &save);

        /* The realm itself is in every principal; the first word only
         * names the line. */
        if (word == NULL)
            continue;
        s->client = strtok_r(NULL, " \t\n", &save);
        s->keytab = strtok_r(NULL, " \t\n", &save);
        if (s->client == NULL || s->keytab == NULL) {
            fprintf(stderr, "%s: line %d: expected REALM CLIENT KEYTAB "
                    "SERVICE...\n", path, n_specs + 1);
            fclose(f);
            return -1;
        }
        s->client = strdup(s->client);
        s->keytab = strdup(s->keytab);
        while ((word = strtok_r(NULL, " \t\n", &save)) != NULL &&
               s->n_services < MAX_SERVICES)
            s->services[s->n_services++] = strdup(word);
        n_specs++;
    }
    fclose(f);
    return 0;
}

static void report(krb5_context ctx, krb5_error_code ret, const char *what,
                   const char *name)
{
    const char *msg = krb5_get_error_message(ctx, ret);

    fprintf(stderr, "lowerbound: %s %s: %s\n", what, name, msg);
    krb5_free_error_message(ctx, msg);
}

/* One realm's TGT and service tickets; returns 0 or the first error. */
static krb5_error_code probe_realm(krb5_context ctx,
                                   const struct realm_spec *s)
{
    krb5_principal client = NULL, server = NULL;
    krb5_keytab kt = NULL;
    krb5_ccache cc = NULL;
    krb5_get_init_creds_opt *opt = NULL;
    krb5_creds tgt, in, *out = NULL;
    int have_tgt = 0;
    krb5_error_code ret;

    memset(&tgt, 0, sizeof(tgt));
    ret = krb5_parse_name(ctx, s->client, &client);
    if (ret == 0)
        ret = krb5_kt_resolve(ctx, s->keytab, &kt);
    if (ret == 0)
        ret = krb5_get_init_creds_opt_alloc(ctx, &opt);
    if (ret != 0)
        goto cleanup;
    ret = krb5_get_init_creds_keytab(ctx, &tgt, client, kt, 0, NULL, opt);
    if (ret != 0) {
        report(ctx, ret, "initial credentials for", s->client);
        goto cleanup;
    }
    have_tgt = 1;
    /* A fresh ccache each round, so no service ticket comes from cache. */
    ret = krb5_cc_new_unique(ctx, "MEMORY", NULL, &cc);
    if (ret == 0)
        ret = krb5_cc_initialize(ctx, cc, client);
    if (ret == 0)
        ret = krb5_cc_store_cred(ctx, cc, &tgt);
    if (ret != 0)
        goto cleanup;
    for (int i = 0; i < s->n_services; i++) {
        ret = krb5_parse_name(ctx, s->services[i], &server);
        if (ret != 0)
            goto cleanup;
        memset(&in, 0, sizeof(in));
        in.client = client;
        in.server = server;
        ret = krb5_get_credentials(ctx, 0, cc, &in, &out);
        krb5_free_principal(ctx, server);
        server = NULL;
        if (ret != 0) {
            report(ctx, ret, "service ticket for", s->services[i]);
            goto cleanup;
        }
        krb5_free_creds(ctx, out);
        out = NULL;
    }
cleanup:
    if (cc != NULL)
        krb5_cc_destroy(ctx, cc);
    if (have_tgt)
        krb5_free_cred_contents(ctx, &tgt);
    krb5_get_init_creds_opt_free(ctx, opt);
    if (kt != NULL)
        krb5_kt_close(ctx, kt);
    krb5_free_principal(ctx, client);
    return ret;
}

int main(int argc, char **argv)
{
    krb5_context ctx = NULL;
    double cpu0, wall0;
    int rounds, failures = 0;

    if (argc != 3 || (rounds = atoi(argv[1])) < 1) {
        fprintf(stderr, "usage: %s ROUNDS SPEC_FILE\n", argv[0]);
        return 2;
    }
    if (read_specs(argv[2]) != 0)
        return 2;
    if (krb5_init_context(&ctx) != 0) {
        fprintf(stderr, "lowerbound: cannot make a krb5 context\n");
        return 2;
    }
    for (int i = 0; i < n_specs; i++)
        if (probe_realm(ctx, &specs[i]) != 0)
            failures++;
    cpu0 = cpu_seconds();
    wall0 = wall_seconds();
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < n_specs; i++)
            if (probe_realm(ctx, &specs[i]) != 0)
                failures++;
    printf("realms=%d rounds=%d cpu_per_round=%.6f wall_per_round=%.6f "
           "failures=%d\n", n_specs, rounds,
           (cpu_seconds() - cpu0) / rounds, (wall_seconds() - wall0) / rounds,
           failures);
    krb5_free_context(ctx);
    for (int i = 0; i < n_specs; i++) {
        free(specs[i].client);
        free(specs[i].keytab);
        for (int j = 0; j < specs[i].n_services; j++)
            free(specs[i].services[j]);
    }
    return failures == 0 ? 0 : 1;
}
