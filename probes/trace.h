/*
 * trace: the step-by-step account of one realm probe for the debug page:
 * discovery answers, each KDC tried and its reply, the AS and TGS
 * exchanges, and libkrb5's own trace.  Lines carry the time since the
 * probe started.  Thread-safe (the kdc probe writes from its own thread).
 * Every function accepts a NULL trace and then does nothing, so probes
 * call them unconditionally.  Nothing secret is ever written here.
 */
#ifndef KRB5EXP_TRACE_H
#define KRB5EXP_TRACE_H

#include <pthread.h>
#include <stddef.h>

#include "base/sbuf.h"

struct trace {
    pthread_mutex_t lock;
    struct sbuf text;         /* owned */
    double start;             /* monotonic */
};

void trace_init(struct trace *t);
void trace_free(struct trace *t);

/* Append one line "  +0.003s  TEXT". */
void trace_add(struct trace *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Copy a libkrb5 trace message into out[out_len] with key fingerprints
 * ("aes256-cts/1A2B") replaced by "aes256-cts/<redacted>" and the trailing
 * newline dropped.  Pure; exposed for tests.
 */
void trace_redact(const char *in, char *out, size_t out_len);

/* Route libkrb5's trace for ctx (a krb5_context) into t; NULL t: off. */
void trace_attach_krb5(void *ctx, struct trace *t);

#endif
