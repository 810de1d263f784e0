/*
 * ntstatus: names, causes and fixes for the NTSTATUS values an Active
 * Directory domain controller gives with a KRB-ERROR (see edata.h), e.g.
 * 0xC0000234 "STATUS_ACCOUNT_LOCKED_OUT".
 *
 * The table is closed: the account and logon statuses AD and Samba KDCs
 * send, each spelled as Windows' ntstatus.h spells it and with the number
 * it has there (checked against Samba's NT_STATUS table).  A status not in
 * the table is named "UNKNOWN", never by its number: the name is a label
 * value of krb5_probe_error and krb5_probe_errors_total, and the counters
 * live as long as the exporter, so a number in the label would let a
 * domain controller add series without bound.  The number itself is shown
 * wherever a person reads it (--once, the debug page).
 */
#ifndef KRB5EXP_NTSTATUS_H
#define KRB5EXP_NTSTATUS_H

#include <stddef.h>

/* What an operator should know about a status. */
struct ntstatus_advice {
    const char *cause;        /* one line */
    const char *fix;          /* one line */
};

/* One entry of the table. */
struct ntstatus_entry {
    unsigned long status;     /* e.g. 0xC0000234 */
    const char *name;         /* e.g. "STATUS_ACCOUNT_LOCKED_OUT" */
    struct ntstatus_advice advice;
};

/* Name returned for a status the table does not hold. */
#define NTSTATUS_UNKNOWN_NAME "UNKNOWN"

/*
 * The name of a status for the `status` label: "" for 0 (no extended
 * error), the table's name, or "UNKNOWN".  Never NULL; static storage.
 */
const char *ntstatus_name(unsigned long status);

/* Advice for a status in the table, or NULL (0 and unknown statuses).
 * Static storage. */
const struct ntstatus_advice *ntstatus_advice(unsigned long status);

/* The whole table, for tests and documentation: *n_out entries. */
const struct ntstatus_entry *ntstatus_table(size_t *n_out);

#endif
