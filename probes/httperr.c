/* httperr: HTTP, curl and GSS-API codes; see httperr.h. */
#include "probes/httperr.h"

#include <errno.h>
#include <string.h>

#include "httperr_table.h"

const char *
httperr_name(enum err_space space, long code)
{
    switch (space) {
    case ERR_SPACE_HTTP:
        for (size_t i = 0; i < ERRTABLE_HTTP_COUNT; i++)
            if ((long)errtable_http[i].code == code)
                return errtable_http[i].name;
        return NULL;
    case ERR_SPACE_CURL:
        return code > 0 && code < (long)ERRTABLE_CURL_COUNT
                   ? errtable_curl[code] : NULL;
    case ERR_SPACE_GSS:
        if (code <= 0 || (unsigned long)code > 0xffffffffUL)
            return NULL;
        code = (long)httperr_gss_error((unsigned long)code);
        for (size_t i = 0; i < ERRTABLE_GSS_COUNT; i++)
            if ((long)errtable_gss[i].code == code)
                return errtable_gss[i].name;
        return NULL;
    case ERR_SPACE_KRB5:
    case ERR_SPACE_ERRNO:
    case ERR_SPACE_ARES:
        break;
    }
    return NULL;
}

unsigned long
httperr_gss_error(unsigned long major)
{
    unsigned long routine = GSS_ROUTINE_ERROR((OM_uint32)major);

    return routine != 0 ? routine : GSS_CALLING_ERROR((OM_uint32)major);
}

struct probe_error
httperr_from_curl(long curl_code, long os_errno)
{
    switch (curl_code) {
    case CURLE_OK:
        return (struct probe_error){ ERR_SPACE_CURL, 0 };
    case CURLE_OPERATION_TIMEDOUT:
        return (struct probe_error){ ERR_SPACE_ERRNO, ETIMEDOUT };
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
        /* The socket's own error says more than "could not connect". */
        if (os_errno > 0 && strerrorname_np((int)os_errno) != NULL)
            return (struct probe_error){ ERR_SPACE_ERRNO, os_errno };
        break;
    default:
        break;
    }
    return (struct probe_error){ ERR_SPACE_CURL, curl_code };
}
