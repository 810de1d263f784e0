/* ktcache: keytab summaries per path; see ktcache.h. */
#include "probes/ktcache.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/credfile.h"
#include "probes/enctypes.h"

void
ktcache_summary_clear(struct ktcache_summary *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->entries[i].principal);
        free(s->entries[i].enctype);
    }
    free(s->entries);
    s->entries = NULL;
    s->n = 0;
}

static int
compare_entries(const void *a, const void *b)
{
    const struct ktcache_entry *x = a, *y = b;
    int c = strcmp(x->principal, y->principal);

    return c != 0 ? c : strcmp(x->enctype, y->enctype);
}

int
ktcache_summarize(const struct ktcache_entry *raw, size_t n,
                  struct ktcache_summary *out)
{
    struct ktcache_summary s = { NULL, 0 };

    s.entries = calloc(n ? n : 1, sizeof(*s.entries));
    if (s.entries == NULL)
        return ENOMEM;
    for (size_t i = 0; i < n; i++) {
        size_t j;
        for (j = 0; j < s.n; j++)
            if (strcmp(s.entries[j].principal, raw[i].principal) == 0 &&
                strcmp(s.entries[j].enctype, raw[i].enctype) == 0)
                break;
        if (j < s.n) {
            if (raw[i].kvno > s.entries[j].kvno)
                s.entries[j].kvno = raw[i].kvno;
            continue;
        }
        s.entries[s.n].principal = strdup(raw[i].principal);
        s.entries[s.n].enctype = strdup(raw[i].enctype);
        s.entries[s.n].kvno = raw[i].kvno;
        s.n++;
        if (s.entries[s.n - 1].principal == NULL ||
            s.entries[s.n - 1].enctype == NULL) {
            ktcache_summary_clear(&s);
            return ENOMEM;
        }
    }
    if (s.n > 1)
        qsort(s.entries, s.n, sizeof(*s.entries), compare_entries);
    *out = s;
    return 0;
}

int
ktcache_summary_copy(const struct ktcache_summary *src,
                     struct ktcache_summary *out)
{
    /* Summarising a summary copies it, order and all. */
    return ktcache_summarize(src->entries, src->n, out);
}

/*
 * Read every entry of the keytab at path into a summary.  credfile reads
 * the file (never blocking on a FIFO or device, bounded, the bytes wiped)
 * into a MEMORY keytab, so libkrb5 never opens it; beyond that the keys
 * pass through libkrb5's entry structs only, which it wipes when they are
 * freed.
 */
static krb5_error_code
read_keytab(krb5_context ctx, const char *path, struct ktcache_summary *out)
{
    struct ktcache_entry *raw = NULL;
    size_t n = 0, cap = 0;
    krb5_keytab kt = NULL;
    krb5_kt_cursor cursor;
    krb5_keytab_entry ent;
    krb5_error_code ret;
    int started = 0;

    ret = credfile_keytab(ctx, path, &kt);
    if (ret != 0)
        goto cleanup;
    ret = krb5_kt_start_seq_get(ctx, kt, &cursor);
    if (ret != 0)
        goto cleanup;
    started = 1;
    while ((ret = krb5_kt_next_entry(ctx, kt, &ent, &cursor)) == 0) {
        char enctype[64], *principal = NULL;

        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct ktcache_entry *grown = realloc(raw, ncap * sizeof(*raw));
            if (grown == NULL) {
                krb5_free_keytab_entry_contents(ctx, &ent);
                ret = ENOMEM;
                goto cleanup;
            }
            raw = grown;
            cap = ncap;
        }
        enctypes_name(ent.key.enctype, enctype, sizeof(enctype));
        ret = krb5_unparse_name(ctx, ent.principal, &principal);
        if (ret == 0) {
            raw[n].principal = strdup(principal);
            raw[n].enctype = strdup(enctype);
            raw[n].kvno = (long)ent.vno;
            n++;
            if (raw[n - 1].principal == NULL || raw[n - 1].enctype == NULL)
                ret = ENOMEM;
        }
        krb5_free_unparsed_name(ctx, principal);
        krb5_free_keytab_entry_contents(ctx, &ent);
        if (ret != 0)
            goto cleanup;
    }
    if (ret != KRB5_KT_END)
        goto cleanup;
    ret = ktcache_summarize(raw, n, out);
cleanup:
    if (started)
        krb5_kt_end_seq_get(ctx, kt, &cursor);
    credfile_keytab_close(ctx, kt);
    for (size_t i = 0; i < n; i++) {
        free(raw[i].principal);
        free(raw[i].enctype);
    }
    free(raw);
    return ret;
}

void
ktcache_init(struct ktcache *c)
{
    memset(c, 0, sizeof(*c));
    pthread_mutex_init(&c->lock, NULL);
}

void
ktcache_destroy(struct ktcache *c)
{
    for (size_t i = 0; i < KTCACHE_MAX_PATHS; i++) {
        free(c->slots[i].path);
        ktcache_summary_clear(&c->slots[i].summary);
    }
    pthread_mutex_destroy(&c->lock);
    memset(c, 0, sizeof(*c));
}

/* The slot caching path, or NULL; c->lock held. */
static struct ktcache_slot *
find_slot(struct ktcache *c, const char *path)
{
    for (size_t i = 0; i < KTCACHE_MAX_PATHS; i++)
        if (c->slots[i].path != NULL && strcmp(c->slots[i].path, path) == 0)
            return &c->slots[i];
    return NULL;
}

/* A free slot, or the least recently used one emptied; c->lock held. */
static struct ktcache_slot *
take_slot(struct ktcache *c)
{
    struct ktcache_slot *oldest = &c->slots[0];

    for (size_t i = 0; i < KTCACHE_MAX_PATHS; i++) {
        if (c->slots[i].path == NULL)
            return &c->slots[i];
        if (c->slots[i].last_used < oldest->last_used)
            oldest = &c->slots[i];
    }
    free(oldest->path);
    oldest->path = NULL;
    ktcache_summary_clear(&oldest->summary);
    return oldest;
}

krb5_error_code
ktcache_get(struct ktcache *c, krb5_context ctx, const char *path,
            struct ktcache_summary *out, int *was_read_out)
{
    struct ktcache_summary fresh = { NULL, 0 };
    struct cred_stamp stamp;
    struct ktcache_slot *sl;
    krb5_error_code ret;
    char *path_copy = NULL;

    if (c == NULL) {
        ret = read_keytab(ctx, path, out);
        if (ret == 0)
            *was_read_out = 1;
        return ret;
    }
    /* The stamp is taken before the read: a change during the read then
     * shows on the next call, and the file is read again. */
    lockout_stamp(path, &stamp);
    if (!stamp.ok)
        return errno != 0 ? errno : ENOENT;
    pthread_mutex_lock(&c->lock);
    sl = find_slot(c, path);
    if (sl != NULL && lockout_same_stamp(&sl->stamp, &stamp)) {
        sl->last_used = ++c->ticks;
        ret = ktcache_summary_copy(&sl->summary, out);
        pthread_mutex_unlock(&c->lock);
        if (ret == 0)
            *was_read_out = 0;
        return ret;
    }
    pthread_mutex_unlock(&c->lock);

    /* Read outside the lock: the realm's other probes need not wait. */
    ret = read_keytab(ctx, path, &fresh);
    if (ret != 0)
        return ret;
    ret = ktcache_summary_copy(&fresh, out);
    path_copy = strdup(path);
    if (ret != 0 || path_copy == NULL) {
        ktcache_summary_clear(&fresh);
        ktcache_summary_clear(out);
        free(path_copy);
        return ENOMEM;
    }
    pthread_mutex_lock(&c->lock);
    sl = find_slot(c, path);
    if (sl == NULL) {
        sl = take_slot(c);
        sl->path = path_copy;
        path_copy = NULL;
    }
    ktcache_summary_clear(&sl->summary);
    sl->summary = fresh;
    sl->stamp = stamp;
    sl->last_used = ++c->ticks;
    pthread_mutex_unlock(&c->lock);
    free(path_copy);
    *was_read_out = 1;
    return 0;
}
