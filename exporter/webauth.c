/* webauth: basic auth with bcrypt; see webauth.h. */
#include "exporter/webauth.h"

#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
webauth_init(struct webauth *a, const struct conf_user *users, size_t n)
{
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data data;
    unsigned long cost;
    const char *h;

    memset(a, 0, sizeof(*a));
    if (n == 0)
        return EINVAL;
    a->users = calloc(n, sizeof(*a->users));
    if (a->users == NULL)
        return ENOMEM;
    for (; a->n_users < n; a->n_users++) {
        a->users[a->n_users].name = strdup(users[a->n_users].name);
        a->users[a->n_users].hash = strdup(users[a->n_users].hash);
        if (a->users[a->n_users].name == NULL ||
            a->users[a->n_users].hash == NULL) {
            a->n_users++;
            webauth_free(a);
            return ENOMEM;
        }
    }
    /* A hash of a random password with the first user's cost: checking an
     * unknown user against it takes as long as checking a real one. */
    cost = strtoul(users[0].hash + 4, NULL, 10);
    if (crypt_gensalt_rn("$2b$", cost, NULL, 0, setting, sizeof(setting)) ==
        NULL) {
        webauth_free(a);
        return EINVAL;
    }
    memset(&data, 0, sizeof(data));
    h = crypt_rn("no user has this password", setting, &data, sizeof(data));
    a->dummy_hash = h != NULL && h[0] != '*' ? strdup(h) : NULL;
    if (a->dummy_hash == NULL) {
        webauth_free(a);
        return ENOMEM;
    }
    return 0;
}

void
webauth_free(struct webauth *a)
{
    for (size_t i = 0; i < a->n_users; i++) {
        free(a->users[i].name);
        free(a->users[i].hash);
    }
    free(a->users);
    free(a->dummy_hash);
    memset(a, 0, sizeof(*a));
}

/* Compare two strings in time that depends only on their lengths. */
static int
same_text(const char *x, const char *y)
{
    size_t lx = strlen(x), ly = strlen(y);
    unsigned char diff = lx != ly;

    for (size_t i = 0; i < lx && i < ly; i++)
        diff |= (unsigned char)(x[i] ^ y[i]);
    return diff == 0;
}

int
webauth_check(const struct webauth *a, const char *user, const char *password)
{
    const char *hash = a->dummy_hash;
    struct crypt_data *data;
    const char *out;
    int known = 0, ok;

    for (size_t i = 0; user != NULL && i < a->n_users; i++) {
        if (same_text(a->users[i].name, user)) {
            hash = a->users[i].hash;
            known = 1;
        }
    }
    /* struct crypt_data is large: keep it off the connection thread's
     * stack. */
    data = calloc(1, sizeof(*data));
    if (data == NULL)
        return 0;
    out = crypt_rn(password != NULL ? password : "", hash, data,
                   sizeof(*data));
    ok = out != NULL && out[0] != '*' && same_text(out, hash);
    explicit_bzero(data, sizeof(*data));
    free(data);
    return known && ok && password != NULL;
}
