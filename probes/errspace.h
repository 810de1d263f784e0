/*
 * errspace: what a probe error is, apart from its names: a code in one of
 * several code spaces, because their numbers overlap (ARES_ENOTFOUND and
 * EINTR are both 4).  krb5err.h names the codes of every space; httperr.h
 * those of the http probe's three.  Both build on this header alone.
 */
#ifndef KRB5EXP_ERRSPACE_H
#define KRB5EXP_ERRSPACE_H

enum err_space { ERR_SPACE_KRB5, ERR_SPACE_ERRNO, ERR_SPACE_ARES,
                 ERR_SPACE_HTTP, ERR_SPACE_CURL, ERR_SPACE_GSS };

struct probe_error {
    enum err_space space;
    long code;                /* 0 means no error */
};

#endif
