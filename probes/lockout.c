/* lockout: the account lockout guard; see lockout.h. */
#include "probes/lockout.h"

#include <krb5/krb5.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int
lockout_is_credential_error(struct probe_error e)
{
    if (e.space != ERR_SPACE_KRB5)
        return 0;
    return e.code == KRB5KDC_ERR_PREAUTH_FAILED ||
           e.code == KRB5KDC_ERR_CLIENT_REVOKED ||
           e.code == KRB5KDC_ERR_KEY_EXP ||
           e.code == KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN;
}

void
lockout_stamp(const char *path, struct cred_stamp *out)
{
    struct stat st;

    memset(out, 0, sizeof(*out));
    if (path == NULL || stat(path, &st) != 0)
        return;
    out->ok = 1;
    out->dev = st.st_dev;
    out->ino = st.st_ino;
    out->size = st.st_size;
    out->mtime = st.st_mtim;
}

int
lockout_same_stamp(const struct cred_stamp *a, const struct cred_stamp *b)
{
    return a->ok == b->ok && a->dev == b->dev && a->ino == b->ino &&
           a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
           a->mtime.tv_nsec == b->mtime.tv_nsec;
}

int
lockout_active(const struct lockout_state *s, const struct cred_stamp *current,
               double now, double *left_out)
{
    if (s->until <= now)
        return 0;
    /* New credentials deserve a try at once. */
    if (!lockout_same_stamp(&s->stamp, current))
        return 0;
    if (left_out != NULL)
        *left_out = s->until - now;
    return 1;
}

void
lockout_after_tgt(struct lockout_state *s, const struct lockout_policy *p,
                  int success, struct probe_error error, const char *message,
                  const struct cred_stamp *stamp, double now)
{
    if (success) {
        lockout_reset(s);
        return;
    }
    if (!lockout_is_credential_error(error))
        return;
    /* A repeat with the same credentials doubles the wait; new credentials
     * that fail start over. */
    if (s->period > 0 && lockout_same_stamp(&s->stamp, stamp))
        s->period = s->period * 2 > p->cap ? p->cap : s->period * 2;
    else
        s->period = p->start > p->cap ? p->cap : p->start;
    s->until = now + s->period;
    s->error = error;
    snprintf(s->message, sizeof(s->message), "%s", message ? message : "");
    s->stamp = *stamp;
}

void
lockout_reset(struct lockout_state *s)
{
    memset(s, 0, sizeof(*s));
}
