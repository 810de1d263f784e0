/*
 * confref: a loaded config shared by reference.  A reload swaps in a new
 * one while scrapes and probes still running keep the one they started
 * with; the last reference frees it.
 */
#ifndef KRB5EXP_CONFREF_H
#define KRB5EXP_CONFREF_H

#include "conf/conf.h"

struct confref {
    struct conf *conf;        /* owned */
    int refs;                 /* atomic */
};

/* Wrap conf (taken over) with one reference; NULL on allocation failure,
 * conf then freed. */
struct confref *confref_new(struct conf *conf);
struct confref *confref_get(struct confref *ref);
/* Drop a reference; NULL is fine. */
void confref_put(struct confref *ref);

#endif
