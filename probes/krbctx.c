/* krbctx: a krb5 context and its profile; see krbctx.h. */
#include "probes/krbctx.h"

#include <errno.h>
#include <profile.h>
#include <stdlib.h>
#include <string.h>

krb5_error_code
krbctx_new(struct krbprofile *profile, struct krbctx **out)
{
    struct krbctx *kc = calloc(1, sizeof(*kc));
    profile_t prof = NULL;
    krb5_error_code ret;

    if (kc == NULL) {
        krbprofile_free(profile);
        return ENOMEM;
    }
    kc->profile = *profile;
    memset(profile, 0, sizeof(*profile));
    ret = (krb5_error_code)krbprofile_open(&kc->profile, (void **)&prof);
    if (ret == 0) {
        ret = krb5_init_context_profile(prof, 0, &kc->ctx);
        profile_release(prof);
    }
    if (ret != 0) {
        krbctx_free(kc);
        return ret;
    }
    *out = kc;
    return 0;
}

void
krbctx_free(struct krbctx *kc)
{
    if (kc == NULL)
        return;
    if (kc->ctx != NULL)
        krb5_free_context(kc->ctx);
    krbprofile_free(&kc->profile);
    free(kc);
}
