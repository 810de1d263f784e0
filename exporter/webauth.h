/*
 * webauth: HTTP basic authentication against bcrypt hashes, as Prometheus's
 * exporter-toolkit does it.  A check for an unknown user costs one bcrypt
 * of the same cost as a real one, so that the time taken does not tell
 * unknown users from wrong passwords.
 */
#ifndef KRB5EXP_WEBAUTH_H
#define KRB5EXP_WEBAUTH_H

#include <stddef.h>

#include "conf/conf.h"

struct webauth_user {
    char *name;               /* owned */
    char *hash;               /* owned */
};

struct webauth {
    struct webauth_user *users;   /* owned array of n_users */
    size_t n_users;
    char *dummy_hash;         /* owned: checked for unknown users */
};

/* Copy the users (at least one).  Returns 0, ENOMEM, or EINVAL when a
 * dummy hash of the users' cost cannot be made. */
int webauth_init(struct webauth *a, const struct conf_user *users, size_t n);
void webauth_free(struct webauth *a);

/* 1 when user and password match a configured user, else 0.  NULL user or
 * password: 0, at the same cost. */
int webauth_check(const struct webauth *a, const char *user,
                  const char *password);

#endif
