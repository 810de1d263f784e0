/*
 * krbprofile: the in-memory krb5 profile a realm's probes run with, built
 * from our config and never from the machine's krb5.conf.
 *
 * It is a read-only profile served through profile_init_vtable().  (A
 * profile_init(NULL) profile cannot take profile_add_relation() in krb5
 * 1.20, and a file-backed one loses added relations when
 * krb5_init_context_profile() copies it.)
 */
#ifndef KRB5EXP_KRBPROFILE_H
#define KRB5EXP_KRBPROFILE_H

#include <stddef.h>

#include "conf/conf.h"
#include "probes/discovery.h"

struct krbprofile_entry {
    char *names[4];           /* section, name[, name], NULL; owned */
    char *value;              /* owned */
};

struct krbprofile {
    struct krbprofile_entry *entries;  /* owned array of n_entries */
    size_t n_entries;
};

/*
 * The KDC a profile opened with krbprofile_open() names for every realm it
 * lists none for (another realm of a trust walk), so that libkrb5 hands
 * their messages to the send hook; the hook sends them to the realm's KDCs
 * as the probe found them.  A name under .invalid (RFC 6761), which never
 * resolves, should anything try.
 */
#define KRBPROFILE_ROUTED_KDC "routed-by-send-hook.krb5-exporter.invalid"

/*
 * Fill p with the relations for one realm: default_realm, the KDCs of set,
 * no DNS lookups of its own, strict clock handling with the realm's
 * clockskew, and its capaths.  Returns 0 or ENOMEM; on failure p holds
 * what was added so far and must still be freed.
 */
int krbprofile_build(struct krbprofile *p, const struct conf_realm *realm,
                     const struct kdc_set *set);

/* Add one relation; names ends with NULL, at most three names. */
int krbprofile_add(struct krbprofile *p, const char *const *names,
                   const char *value);

/*
 * Values of the relation `names` (NULL-terminated): returns 0 and sets
 * *values_out to a NULL-terminated array the caller frees with
 * krbprofile_free_values(); ENOENT when there is none; ENOMEM.  Pure lookup,
 * exposed for tests.
 */
int krbprofile_lookup(const struct krbprofile *p, const char *const *names,
                      char ***values_out);
void krbprofile_free_values(char **values);

/*
 * Do a and b hold the same relations in the same order?  Then a context
 * made from one behaves as one made from the other.  Pure.
 */
int krbprofile_equal(const struct krbprofile *a, const struct krbprofile *b);

void krbprofile_free(struct krbprofile *p);

/*
 * Make a profile_t reading from p (borrowed: p must outlive the profile and
 * every krb5 context made from it).  Returns 0 or a profile error code.
 */
long krbprofile_open(struct krbprofile *p, void **profile_out);

#endif
