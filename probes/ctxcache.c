/* ctxcache: realm contexts kept between probes; see ctxcache.h. */
#include "probes/ctxcache.h"

#include <stdlib.h>
#include <string.h>

#include "probes/realmctx.h"

void
ctxcache_init(struct ctxcache *c)
{
    memset(c, 0, sizeof(*c));
    pthread_mutex_init(&c->lock, NULL);
}

/* Index of realm's idle context, or n_idle.  c->lock held. */
static size_t
find_locked(const struct ctxcache *c, const char *realm)
{
    size_t i;

    for (i = 0; i < c->n_idle; i++) {
        if (strcmp(c->idle[i]->realm, realm) == 0)
            break;
    }
    return i;
}

/* Take entry i out of the array.  c->lock held. */
static struct realm_ctx *
remove_locked(struct ctxcache *c, size_t i)
{
    struct realm_ctx *rc = c->idle[i];

    c->idle[i] = c->idle[--c->n_idle];
    return rc;
}

struct realm_ctx *
ctxcache_take(struct ctxcache *c, const char *realm,
              const struct krbprofile *profile)
{
    struct realm_ctx *rc = NULL;
    size_t i;

    pthread_mutex_lock(&c->lock);
    i = find_locked(c, realm);
    if (i < c->n_idle)
        rc = remove_locked(c, i);
    pthread_mutex_unlock(&c->lock);
    if (rc != NULL && !krbprofile_equal(&rc->profile, profile)) {
        realmctx_free(rc);    /* made for KDCs or settings now changed */
        rc = NULL;
    }
    return rc;
}

void
ctxcache_give(struct ctxcache *c, struct realm_ctx *rc)
{
    struct realm_ctx *older = NULL, **grown;
    size_t i;

    pthread_mutex_lock(&c->lock);
    i = find_locked(c, rc->realm);
    if (i < c->n_idle) {
        older = c->idle[i];
        c->idle[i] = rc;
        rc = NULL;
    } else {
        grown = realloc(c->idle, (c->n_idle + 1) * sizeof(*grown));
        if (grown != NULL) {
            c->idle = grown;
            c->idle[c->n_idle++] = rc;
            rc = NULL;
        }
    }
    pthread_mutex_unlock(&c->lock);
    realmctx_free(older);
    realmctx_free(rc);        /* NULL unless it could not be kept */
}

void
ctxcache_clear(struct ctxcache *c)
{
    struct realm_ctx **idle;
    size_t n;

    pthread_mutex_lock(&c->lock);
    idle = c->idle;
    n = c->n_idle;
    c->idle = NULL;
    c->n_idle = 0;
    pthread_mutex_unlock(&c->lock);
    for (size_t i = 0; i < n; i++)
        realmctx_free(idle[i]);
    free(idle);
}

void
ctxcache_destroy(struct ctxcache *c)
{
    if (c == NULL)
        return;
    ctxcache_clear(c);
    pthread_mutex_destroy(&c->lock);
}
