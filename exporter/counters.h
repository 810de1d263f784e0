/*
 * counters: krb5_probe_errors_total, the per (realm, probe, error, status)
 * failure counts over the process's life.  Thread-safe; owned by the
 * application.
 */
#ifndef KRB5EXP_COUNTERS_H
#define KRB5EXP_COUNTERS_H

#include <pthread.h>
#include <stddef.h>

#include "probes/result.h"

struct error_count {
    char *realm;              /* owned */
    enum probe_kind kind;
    struct probe_error error;
    unsigned long status;     /* AD extended status (NTSTATUS); 0: none.
                                 Statuses with one `status` label share an
                                 entry: every status ntstatus_name() calls
                                 "UNKNOWN" counts under the first seen */
    unsigned long long count;
};

struct counters {
    pthread_mutex_t lock;
    struct error_count *entries;   /* owned array of n_entries */
    size_t n_entries;
};

int counters_init(struct counters *c);
void counters_destroy(struct counters *c);

/* Count every failed probe of r once.  Returns 0 or ENOMEM. */
int counters_add_result(struct counters *c, const struct realm_result *r);

/* A copy of the current counts; the caller frees it with
 * counters_snapshot_free(). */
int counters_snapshot(struct counters *c, struct error_count **out,
                      size_t *n_out);
void counters_snapshot_free(struct error_count *entries, size_t n);

#endif
