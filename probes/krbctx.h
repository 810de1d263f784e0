/*
 * krbctx: a krb5_context made from an in-memory profile, and the profile it
 * was made from.  Making a context is the dearest part of a probe after the
 * exchanges themselves (libkrb5 looks for and loads its plugins each time),
 * so a realm keeps its context from one probe to the next while the profile
 * stays the same (see realmstate.h).  A krbctx belongs to one thread at a
 * time.
 */
#ifndef KRB5EXP_KRBCTX_H
#define KRB5EXP_KRBCTX_H

#include <krb5/krb5.h>

#include "probes/krbprofile.h"

struct krbctx {
    krb5_context ctx;                 /* owned */
    struct krbprofile profile;        /* owned; what ctx was made from */
};

/*
 * A new context made from profile, which it takes over (profile is left
 * empty, even on failure).  Returns 0 and sets *out (free it with
 * krbctx_free()), or a krb5 error code.
 */
krb5_error_code krbctx_new(struct krbprofile *profile, struct krbctx **out);

/* Free kc and its context.  kc may be NULL. */
void krbctx_free(struct krbctx *kc);

#endif
