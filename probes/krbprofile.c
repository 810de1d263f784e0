/* krbprofile: in-memory krb5 profile through a vtable; see krbprofile.h. */
#include "probes/krbprofile.h"

#include <errno.h>
#include <profile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"

int
krbprofile_add(struct krbprofile *p, const char *const *names,
               const char *value)
{
    struct krbprofile_entry *e;
    size_t i;

    e = grow_one(&p->entries, p->n_entries, sizeof(*e));
    if (e == NULL)
        return ENOMEM;
    for (i = 0; i < 3 && names[i] != NULL; i++) {
        e->names[i] = strdup(names[i]);
        if (e->names[i] == NULL)
            goto fail;
    }
    e->value = strdup(value);
    if (e->value == NULL)
        goto fail;
    p->n_entries++;
    return 0;
fail:
    for (i = 0; i < 3; i++)
        free(e->names[i]);
    return ENOMEM;
}

static int
add_libdefault(struct krbprofile *p, const char *name, const char *value)
{
    const char *names[] = { "libdefaults", name, NULL };

    return krbprofile_add(p, names, value);
}

static int
by_value(const void *a, const void *b)
{
    const struct krbprofile_entry *x = a, *y = b;

    return strcmp(x->value, y->value);
}

int
krbprofile_build(struct krbprofile *p, const struct conf_realm *realm,
                 const struct kdc_set *set)
{
    const char *kdc_names[] = { "realms", realm->realm, "kdc", NULL };
    char hostport[300];
    size_t first_kdc;
    int ret;

    /* The exporter resolves names and talks to KDCs itself; libkrb5 must
     * not go to DNS on its own, nor adopt a KDC's clock silently. */
    ret = add_libdefault(p, "default_realm", realm->realm);
    if (ret == 0)
        ret = add_libdefault(p, "dns_lookup_kdc", "false");
    if (ret == 0)
        ret = add_libdefault(p, "dns_lookup_realm", "false");
    if (ret == 0)
        ret = add_libdefault(p, "dns_canonicalize_hostname", "false");
    if (ret == 0)
        ret = add_libdefault(p, "rdns", "false");
    if (ret == 0)
        ret = add_libdefault(p, "kdc_timesync", "0");   /* read as an integer */
    if (ret == 0) {
        char skew[32];
        snprintf(skew, sizeof(skew), "%.0f", realm->clockskew);
        ret = add_libdefault(p, "clockskew", skew);
    }
    /* The monitoring client has a password or a keytab, never a
     * certificate, so PKINIT is switched off.  Otherwise libkrb5 tries to
     * load pkinit.so (a package of its own, krb5-pkinit, seldom installed)
     * with every new context, and every debug trace starts with that
     * failure.  The preauth mechanisms the exporter needs stay: encrypted
     * timestamp (what AD asks for) and encrypted challenge (FAST) are built
     * into libkrb5, and SPAKE's module ships with libkrb5 itself. */
    if (ret == 0) {
        const char *names[] = { "plugins", "clpreauth", "disable", NULL };
        ret = krbprofile_add(p, names, "pkinit");
    }
    /* libkrb5 wants the realm's KDCs listed before it calls the send hook,
     * which then does the actual talking, in the order the probe chose.
     * The list is kept sorted, so that the profile, and a context made from
     * it, stays the same when DNS gives the same KDCs in another order. */
    first_kdc = p->n_entries;
    for (size_t i = 0; ret == 0 && i < set->n; i++) {
        const struct kdc_spec *k = &set->items[i].spec;
        char **values = NULL;
        snprintf(hostport, sizeof(hostport),
                 strchr(k->host, ':') ? "[%s]:%u" : "%s:%u", k->host,
                 (unsigned)k->port);
        if (krbprofile_lookup(p, kdc_names, &values) == 0) {
            int dup = 0;
            for (size_t j = 0; values[j] != NULL; j++)
                dup |= strcmp(values[j], hostport) == 0;
            krbprofile_free_values(values);
            if (dup)
                continue;
        }
        ret = krbprofile_add(p, kdc_names, hostport);
    }
    if (ret == 0)
        qsort(p->entries + first_kdc, p->n_entries - first_kdc,
              sizeof(*p->entries), by_value);
    /* The realm's explicit trust paths, so that a walk libkrb5 makes on
     * its own goes where the trust probe's goes ("." is MIT's "direct"). */
    for (size_t i = 0; ret == 0 && i < realm->n_capaths; i++) {
        const struct conf_capath *cp = &realm->capaths[i];
        const char *names[] = { "capaths", realm->realm, cp->realm, NULL };
        if (cp->n_via == 0)
            ret = krbprofile_add(p, names, ".");
        for (size_t j = 0; ret == 0 && j < cp->n_via; j++)
            ret = krbprofile_add(p, names, cp->via[j]);
    }
    return ret;
}

/* Is names [realms] REALM kdc? */
static int
is_kdc_relation(const char *const *names)
{
    return names[0] != NULL && strcmp(names[0], "realms") == 0 &&
           names[1] != NULL && names[2] != NULL &&
           strcmp(names[2], "kdc") == 0 && names[3] == NULL;
}

static int
same_string(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int
krbprofile_equal(const struct krbprofile *a, const struct krbprofile *b)
{
    if (a->n_entries != b->n_entries)
        return 0;
    for (size_t i = 0; i < a->n_entries; i++) {
        const struct krbprofile_entry *x = &a->entries[i], *y = &b->entries[i];
        for (size_t j = 0; j < 3; j++) {
            if (!same_string(x->names[j], y->names[j]))
                return 0;
        }
        if (!same_string(x->value, y->value))
            return 0;
    }
    return 1;
}

static int
names_match(const struct krbprofile_entry *e, const char *const *names)
{
    size_t i;

    for (i = 0; i < 3 && e->names[i] != NULL; i++) {
        if (names[i] == NULL || strcmp(e->names[i], names[i]) != 0)
            return 0;
    }
    return names[i] == NULL;
}

int
krbprofile_lookup(const struct krbprofile *p, const char *const *names,
                  char ***values_out)
{
    char **values;
    size_t n = 0;

    values = calloc(p->n_entries + 1, sizeof(*values));
    if (values == NULL)
        return ENOMEM;
    for (size_t i = 0; i < p->n_entries; i++) {
        if (!names_match(&p->entries[i], names))
            continue;
        values[n] = strdup(p->entries[i].value);
        if (values[n] == NULL) {
            krbprofile_free_values(values);
            return ENOMEM;
        }
        n++;
    }
    if (n == 0) {
        free(values);
        return ENOENT;
    }
    *values_out = values;
    return 0;
}

void
krbprofile_free_values(char **values)
{
    if (values == NULL)
        return;
    for (size_t i = 0; values[i] != NULL; i++)
        free(values[i]);
    free(values);
}

void
krbprofile_free(struct krbprofile *p)
{
    for (size_t i = 0; i < p->n_entries; i++) {
        for (size_t j = 0; j < 3; j++)
            free(p->entries[i].names[j]);
        free(p->entries[i].value);
    }
    free(p->entries);
    p->entries = NULL;
    p->n_entries = 0;
}

/*
 * Every realm has a KDC here: one the profile lists, or else
 * KRBPROFILE_ROUTED_KDC.  libkrb5 looks a realm's KDCs up in the profile
 * before it calls the send hook (k5_locate_kdc() comes first in
 * krb5_sendto_kdc()), and fails a realm with none (KRB5_REALM_UNKNOWN);
 * the hook then talks to the realm's real KDCs, which the probe found
 * itself (realmroute.h).  The name is only ever stored, never resolved.
 */
static long
vt_get_values(void *cbdata, const char *const *names, char ***ret_values)
{
    int ret = krbprofile_lookup(cbdata, names, ret_values);
    char **values;

    if (ret == ENOENT && is_kdc_relation(names)) {
        values = calloc(2, sizeof(*values));
        if (values == NULL || (values[0] = strdup(KRBPROFILE_ROUTED_KDC))
                                  == NULL) {
            free(values);
            return ENOMEM;
        }
        *ret_values = values;
        return 0;
    }
    return ret == ENOENT ? PROF_NO_RELATION : ret;
}

static void
vt_free_values(void *cbdata, char **values)
{
    (void)cbdata;
    krbprofile_free_values(values);
}

long
krbprofile_open(struct krbprofile *p, void **profile_out)
{
    struct profile_vtable vt;
    profile_t profile = NULL;
    long ret;

    memset(&vt, 0, sizeof(vt));
    vt.minor_ver = 1;
    vt.get_values = vt_get_values;
    vt.free_values = vt_free_values;
    ret = profile_init_vtable(&vt, p, &profile);
    if (ret == 0)
        *profile_out = profile;
    return ret;
}
