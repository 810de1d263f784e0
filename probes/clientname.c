/* clientname: configured client names as principals; see clientname.h. */
#include "probes/clientname.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/service.h"

/* The realm part of a name: after its first unescaped '@', or NULL. */
static const char *
realm_part(const char *name)
{
    for (const char *p = name; *p != '\0'; p++) {
        if (*p == '\\' && p[1] != '\0')
            p++;
        else if (*p == '@')
            return p + 1;
    }
    return NULL;
}

int
clientname_is_enterprise(const char *configured, const char *realm)
{
    const char *r = realm_part(configured);

    return r != NULL && strcmp(r, realm) != 0;
}

char *
clientname_target(const char *configured, const char *realm)
{
    if (clientname_is_enterprise(configured, realm))
        return strdup(configured);
    return service_default_principal(configured, realm);
}

krb5_error_code
clientname_parse(krb5_context ctx, const char *configured, const char *realm,
                 krb5_principal *out)
{
    int flags = clientname_is_enterprise(configured, realm)
                    ? KRB5_PRINCIPAL_PARSE_ENTERPRISE : 0;

    return krb5_parse_name_flags(ctx, configured, flags, out);
}
