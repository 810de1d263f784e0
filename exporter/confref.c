/* confref: a shared config; see confref.h. */
#include "exporter/confref.h"

#include <stdlib.h>

struct confref *
confref_new(struct conf *conf)
{
    struct confref *ref = malloc(sizeof(*ref));

    if (ref == NULL) {
        conf_free(conf);
        return NULL;
    }
    ref->conf = conf;
    ref->refs = 1;
    return ref;
}

struct confref *
confref_get(struct confref *ref)
{
    __atomic_add_fetch(&ref->refs, 1, __ATOMIC_RELAXED);
    return ref;
}

void
confref_put(struct confref *ref)
{
    if (ref == NULL)
        return;
    if (__atomic_sub_fetch(&ref->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        conf_free(ref->conf);
        free(ref);
    }
}
