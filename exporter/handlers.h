/*
 * handlers: the HTTP adapters between http.c's routes and the app: each
 * turns a request into an app call and the outcome into a reply.  They
 * know the app and the pure writers; http.c knows nothing of either.
 */
#ifndef KRB5EXP_HANDLERS_H
#define KRB5EXP_HANDLERS_H

#include "exporter/app.h"
#include "exporter/http.h"

/* Fill out with the adapters for app (borrowed: it outlives the server). */
void handlers_for(struct app *app, struct http_handlers *out);

/* The adapters themselves; arg is the struct app. */
int handlers_metrics(void *arg, double budget_seconds, struct http_reply *out);
int handlers_probe(void *arg, const struct probe_query *query,
                   double budget_seconds, struct http_reply *out);
int handlers_reload(void *arg, struct http_reply *out);
int handlers_ready(void *arg);
int handlers_landing(void *arg, struct http_reply *out);

#endif
