/* counters: process-lifetime error counters; see counters.h. */
#include "exporter/counters.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "probes/ntstatus.h"

int
counters_init(struct counters *c)
{
    memset(c, 0, sizeof(*c));
    return pthread_mutex_init(&c->lock, NULL);
}

void
counters_destroy(struct counters *c)
{
    counters_snapshot_free(c->entries, c->n_entries);
    pthread_mutex_destroy(&c->lock);
    c->entries = NULL;
    c->n_entries = 0;
}

/*
 * Find or create the entry for a key; called with the lock held.  The
 * status is keyed by its label, not its number, so that two statuses the
 * table does not know (both "UNKNOWN") never make two series with one
 * label set.
 */
static struct error_count *
entry_for(struct counters *c, const char *realm, enum probe_kind kind,
          struct probe_error error, unsigned long status)
{
    const char *status_name = ntstatus_name(status);
    struct error_count *e;

    for (size_t i = 0; i < c->n_entries; i++) {
        e = &c->entries[i];
        if (e->kind == kind && e->error.space == error.space &&
            e->error.code == error.code && strcmp(e->realm, realm) == 0 &&
            strcmp(ntstatus_name(e->status), status_name) == 0)
            return e;
    }
    e = grow_one(&c->entries, c->n_entries, sizeof(*e));
    if (e == NULL)
        return NULL;
    e->realm = strdup(realm);
    if (e->realm == NULL)
        return NULL;
    e->kind = kind;
    e->error = error;
    e->status = status;
    e->count = 0;
    c->n_entries++;
    return e;
}

int
counters_add_result(struct counters *c, const struct realm_result *r)
{
    struct error_count *e;
    int ret = 0;

    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < r->n_probes; i++) {
        /* A probe the lockout guard did not attempt is no new failure. */
        if (r->probes[i].success || r->probes[i].skipped)
            continue;
        e = entry_for(c, r->realm, r->probes[i].kind, r->probes[i].error,
                      r->probes[i].status);
        if (e == NULL) {
            ret = ENOMEM;
            break;
        }
        e->count++;
    }
    pthread_mutex_unlock(&c->lock);
    return ret;
}

int
counters_snapshot(struct counters *c, struct error_count **out, size_t *n_out)
{
    struct error_count *copy = NULL;
    size_t n = 0;
    int ret = 0;

    pthread_mutex_lock(&c->lock);
    if (c->n_entries > 0) {
        copy = calloc(c->n_entries, sizeof(*copy));
        if (copy == NULL) {
            ret = ENOMEM;
            goto cleanup;
        }
        for (n = 0; n < c->n_entries; n++) {
            copy[n] = c->entries[n];
            copy[n].realm = strdup(c->entries[n].realm);
            if (copy[n].realm == NULL) {
                counters_snapshot_free(copy, n);
                copy = NULL;
                ret = ENOMEM;
                goto cleanup;
            }
        }
    }
    *out = copy;
    *n_out = n;
cleanup:
    pthread_mutex_unlock(&c->lock);
    return ret;
}

void
counters_snapshot_free(struct error_count *entries, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(entries[i].realm);
    free(entries);
}
