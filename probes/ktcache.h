/*
 * ktcache: what a service keytab holds, as (principal, enctype, highest
 * kvno) entries, kept per path across scrapes and read again only when the
 * file changes on disk (device, inode, size or mtime).  No key material is
 * ever kept: the entries are names and numbers.  Each realm keeps its own
 * (see realmstate.h).  Thread-safe.
 */
#ifndef KRB5EXP_KTCACHE_H
#define KRB5EXP_KTCACHE_H

#include <krb5/krb5.h>
#include <pthread.h>
#include <stddef.h>

#include "probes/lockout.h"

/* The most keytab paths kept per cache; the least recently used goes
 * first. */
#define KTCACHE_MAX_PATHS 16

struct ktcache_entry {
    char *principal;          /* owned: with its realm */
    char *enctype;            /* owned: MIT's name */
    long kvno;
};

struct ktcache_summary {
    struct ktcache_entry *entries;   /* owned array of n */
    size_t n;
};

/* One cached keytab. */
struct ktcache_slot {
    char *path;                    /* owned; NULL: the slot is free */
    struct cred_stamp stamp;       /* the file as it was when read */
    struct ktcache_summary summary;
    unsigned long last_used;       /* a tick of the cache's clock */
};

struct ktcache {
    pthread_mutex_t lock;
    struct ktcache_slot slots[KTCACHE_MAX_PATHS];
    unsigned long ticks;
};

void ktcache_init(struct ktcache *c);

/* Forget every cached keytab and release c. */
void ktcache_destroy(struct ktcache *c);

/*
 * Reduce raw keytab entries (one per key, as the file lists them) to one
 * entry per (principal, enctype) with the highest kvno, sorted by principal
 * and then enctype.  The strings are copied.  Pure.  Returns 0 and sets
 * *out (caller clears it with ktcache_summary_clear()), or ENOMEM.
 */
int ktcache_summarize(const struct ktcache_entry *raw, size_t n,
                      struct ktcache_summary *out);

/* A deep copy of src into *out.  Returns 0 or ENOMEM. */
int ktcache_summary_copy(const struct ktcache_summary *src,
                         struct ktcache_summary *out);

/* Free what s owns and zero it; NULL is fine. */
void ktcache_summary_clear(struct ktcache_summary *s);

/*
 * The summary of the keytab file at path: the one cached in c while the
 * file is unchanged, else read afresh with ctx (which only this thread
 * uses) and cached (c NULL: read, and cache nothing).  On success returns
 * 0, sets *out (caller clears it) and *was_read_out to 1 when the file was
 * read now, 0 when the cache served.  Returns a krb5 error code or an
 * errno value otherwise.
 */
krb5_error_code ktcache_get(struct ktcache *c, krb5_context ctx,
                            const char *path, struct ktcache_summary *out,
                            int *was_read_out);

#endif
