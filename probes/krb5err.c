/*
 * krb5err: names, causes and fixes for the error codes probes report.
 *
 * The names come from a table generated from the installed krb5.h and ares.h
 * (see gen_errtable.py), so every code the libraries can return has its
 * symbolic name.  The advice is ours, written for the codes people meet when
 * a realm is an Active Directory domain.
 */
#include "probes/krb5err.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "krb5err_table.h"
#include "probes/httperr.h"

/*
 * libkrb5 passes errno values through unchanged, and com_err reserves table
 * number 0 for them.  No com_err table starts this low (bases are multiples
 * of 256 derived from a non-empty table name), and no errno value is this
 * high, so the bound separates the two without overlap.
 */
#define ERRNO_LIMIT 4096L

/* Name returned for code 0, which means "no error" in every space. */
static const char NONE_NAME[] = "NONE";
static const char UNKNOWN_NAME[] = "UNKNOWN";

static int
is_errno_range(long code)
{
    return code > 0 && code < ERRNO_LIMIT;
}

static int
compare_entry(const void *key, const void *member)
{
    long code = *(const long *)key;
    const struct errtable_entry *e = member;

    if (code < e->code)
        return -1;
    return code > e->code;
}

/* Look code up in a table sorted by code; NULL when absent. */
static const char *
table_name(const struct errtable_entry *table, size_t count, long code)
{
    const struct errtable_entry *e;

    e = bsearch(&code, table, count, sizeof(*table), compare_entry);
    return e != NULL ? e->name : NULL;
}

static const char *
errno_name(long code)
{
    const char *name = NULL;

    if (is_errno_range(code))
        name = strerrorname_np((int)code);
    return name != NULL ? name : UNKNOWN_NAME;
}

const char *
krb5err_name(enum err_space space, long code)
{
    const char *name = NULL;

    if (code == 0)
        return NONE_NAME;
    switch (space) {
    case ERR_SPACE_KRB5:
        name = table_name(errtable_krb5, ERRTABLE_KRB5_COUNT, code);
        if (name == NULL && is_errno_range(code))
            name = errno_name(code);
        break;
    case ERR_SPACE_ERRNO:
        name = errno_name(code);
        break;
    case ERR_SPACE_ARES:
        name = table_name(errtable_ares, ERRTABLE_ARES_COUNT, code);
        break;
    case ERR_SPACE_HTTP:
    case ERR_SPACE_CURL:
    case ERR_SPACE_GSS:
        name = httperr_name(space, code);
        break;
    }
    return name != NULL ? name : UNKNOWN_NAME;
}

struct probe_error
krb5err_from_krb5(long code)
{
    struct probe_error e = { ERR_SPACE_KRB5, code };

    if (is_errno_range(code))
        e.space = ERR_SPACE_ERRNO;
    return e;
}

unsigned long
krb5err_table_size(void)
{
    return (unsigned long)ERRTABLE_KRB5_COUNT;
}

struct advice_entry {
    enum err_space space;
    long code;
    struct krb5err_advice advice;
};

/*
 * The codes an operator of an Active Directory realm meets most, keyed by
 * the headers' own macros so that a renumbering cannot misattribute advice.
 * KRB5KDC_ERR_PREAUTH_REQUIRED is absent on purpose: it is the normal first
 * answer of an AS exchange and never reaches a probe as a failure.
 */
static const struct advice_entry advice_table[] = {
    /* Reaching the KDC. */
    { ERR_SPACE_KRB5, KRB5_KDC_UNREACH,
      { "No KDC of the realm answered: DNS, routing or a firewall keeps this host from the domain controllers.",
        "Check the realm's \"kdcs\" in the exporter's config file (or its _kerberos SRV records when \"kdcs\" is left out), and that TCP and UDP port 88 to the DCs is open." } },
    { ERR_SPACE_KRB5, KRB5_REALM_UNKNOWN,
      { "No KDC is known for the realm: its entry in the exporter's config file has no \"kdcs\" and DNS has no _kerberos URI or SRV records for it.",
        "List the KDCs in the realm's \"kdcs\" in the exporter's config file or repair the SRV records; the \"realm\" name is case-sensitive, AD realms are upper case." } },
    { ERR_SPACE_KRB5, KRB5_REALM_CANT_RESOLVE,
      { "The KDC host names configured or found for the realm do not resolve.",
        "Resolve the realm's \"kdcs\" host names and SRV targets from this host and fix the DNS records, or the \"servers\" of the exporter's \"dns\" group (/etc/resolv.conf when it lists none)." } },
    { ERR_SPACE_KRB5, KRB5_CONFIG_NODEFREALM,
      { "libkrb5 knows no default realm and a principal was given without one; the exporter makes each realm's \"realm\" its default.",
        "Check the realm's \"realm\" in the exporter's config file and write its \"principal\" and \"services\" entries with their @REALM." } },
    { ERR_SPACE_KRB5, KRB5KDC_ERR_WRONG_REALM,
      { "The KDC that answered does not serve the requested realm (wrong DC, wrong realm name or a bad referral).",
        "Check the \"realm\" name in the exporter's config file and that its \"kdcs\" (or the SRV records found in DNS) point at DCs of that domain." } },
    { ERR_SPACE_KRB5, KRB5_KDCREP_MODIFIED,
      { "The KDC's reply does not match the request, often because the realm or principal differs in case from what AD returns.",
        "Write the realm in upper case and the principal exactly as AD spells it; look for another device answering on port 88." } },

    /* The client account. */
    { ERR_SPACE_KRB5, KRB5KDC_ERR_CLIENT_REVOKED,
      { "The KDC refuses the account: it is disabled, locked out or expired in AD.",
        "Check the account in AD Users and Computers; unlock or re-enable it and find what locked it out." } },
    { ERR_SPACE_KRB5, KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN,
      { "The client principal does not exist in the realm: a typo, the wrong realm, or the account was renamed or deleted.",
        "Compare the configured principal with the account's sAMAccountName or UPN in AD and the realm name." } },
    { ERR_SPACE_KRB5, KRB5KDC_ERR_PREAUTH_FAILED,
      { "Pre-authentication failed: the password is wrong or the keytab's keys no longer match the account.",
        "Reset the password or export a fresh keytab; repeated failures count towards the AD lockout threshold." } },
    { ERR_SPACE_KRB5, KRB5KDC_ERR_KEY_EXP,
      { "The account's password has expired in AD.",
        "Reset the password and export a new keytab; rotate service account passwords before they expire." } },
    { ERR_SPACE_KRB5, KRB5KDC_ERR_NAME_EXP,
      { "The account itself has expired: its expiry date in AD (accountExpires) has passed.",
        "Extend or clear the account expiry date in AD Users and Computers." } },
    { ERR_SPACE_KRB5, KRB5KDC_ERR_POLICY,
      { "A KDC policy rejected the request, such as logon hours, workstation restrictions, an authentication policy or Protected Users.",
        "Review the account's logon restrictions and authentication policies in AD and the DC's security event log." } },
    { ERR_SPACE_KRB5, KRB5KDC_ERR_ETYPE_NOSUPP,
      { "Client and KDC share no encryption type for this account, e.g. AES is not enabled on it or the client allows no RC4.",
        "Enable AES on the account in AD (msDS-SupportedEncryptionTypes) and reset its password; the exporter uses libkrb5's default encryption types, which its config does not change." } },

    /* Keys, keytabs and key versions. */
    { ERR_SPACE_KRB5, KRB5KRB_AP_ERR_BAD_INTEGRITY,
      { "A message failed its integrity check because the two sides use different keys: a stale password or keytab, or an encryption type mismatch.",
        "Export the keytab again after the last password change and make sure the account and this host agree on encryption types." } },
    { ERR_SPACE_KRB5, KRB5KRB_AP_ERR_BADKEYVER,
      { "The ticket is encrypted with a key version the service does not have, usually because the account's password changed.",
        "Export the service keytab with the current kvno and deploy it to every host of the service." } },
    { ERR_SPACE_KRB5, KRB5KRB_AP_ERR_NOKEY,
      { "The service keytab holds no key for the ticket's principal, or none in the ticket's encryption type: the wrong keytab, or one exported without the enctypes the KDC uses.",
        "List the keytab with klist -kte and export it again for this principal with every encryption type the account supports." } },
    { ERR_SPACE_KRB5, KRB5KRB_AP_WRONG_PRINC,
      { "The ticket is for a different principal than the keytab or the service expected: an SPN on the wrong account, or a keytab for another name.",
        "Compare the SPN the client asks for with the keytab's principals (klist -k) and the account holding the SPN in AD." } },
    { ERR_SPACE_KRB5, KRB5_KT_KVNONOTFOUND,
      { "The keytab has no key with the key version the KDC used; the password changed after the keytab was made.",
        "Export a fresh keytab with the current kvno and replace the old one." } },
    { ERR_SPACE_KRB5, KRB5_KT_NOTFOUND,
      { "The keytab has no entry for the principal or encryption type requested.",
        "List the keytab with klist -kte and export it again with the principal name and encryption types the probe uses." } },
    { ERR_SPACE_KRB5, KRB5_KT_END,
      { "The keytab was read to its end without a usable entry; it is empty or truncated.",
        "Inspect it with klist -kte and export it again if it has no entries." } },

    /* Services. */
    { ERR_SPACE_KRB5, KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN,
      { "The KDC knows no account with this service principal name: the SPN is missing, misspelt or on another account.",
        "Register the SPN on the right account with setspn -S and probe the host's FQDN, not an alias." } },

    /* Clocks. */
    { ERR_SPACE_KRB5, KRB5KRB_AP_ERR_SKEW,
      { "This host's clock and the KDC's or service's differ by more than the allowed skew (the realm's \"clockskew\", 300 seconds by default).",
        "Synchronise this host with the domain's time source (NTP from the DCs) and check the DC's own clock." } },
    { ERR_SPACE_KRB5, KRB5_KDCREP_SKEW,
      { "The KDC's reply shows a clock difference larger than the allowed skew.",
        "Synchronise this host with the domain's time source (NTP from the DCs) and check the DC's own clock." } },

    /* System errors, passed through by libkrb5 or met by our own I/O. */
    { ERR_SPACE_ERRNO, EAGAIN,
      { "A resource was temporarily unavailable, typically after an abrupt drop of the connection to the KDC.",
        "Look for resets and drops on the path to the DCs; if it persists, check this host's resource limits." } },
    { ERR_SPACE_ERRNO, ETIMEDOUT,
      { "Talking to the KDC timed out: packet loss, latency, or a firewall silently dropping port 88.",
        "Test TCP and UDP port 88 to each DC from this host and check firewalls and routes on the way." } },
    { ERR_SPACE_ERRNO, ECONNREFUSED,
      { "The KDC host refused the connection: nothing listens on port 88 there, or a firewall rejects it.",
        "Check that the KDC service runs on the DC and that port 88 is allowed from this host." } },
    { ERR_SPACE_ERRNO, EBUSY,
      { "A resource needed for ticket handling was busy, usually a lock on a credential cache or keytab file.",
        "Look for another process holding the cache or keytab and give each probe a cache of its own." } },
    { ERR_SPACE_ERRNO, ENOENT,
      { "A file is missing, usually a keytab or password file named in the exporter's config file.",
        "Check the path in the exporter's config file (\"keytab\", \"password_file\", \"service_keytab\") and that the file is deployed on this host." } },
    { ERR_SPACE_ERRNO, EACCES,
      { "Permission denied, usually the keytab or password file is not readable by the exporter's user.",
        "Give the file to the exporter's user with mode 0400, readable by nobody else." } },

    /* Services over HTTP Negotiate (the http probe). */
    { ERR_SPACE_HTTP, 401,
      { "The web service refused the ticket: usually its keytab is stale (the service's key changed on the KDC after the keytab was exported) or holds no key for the principal in the URL's host name.",
        "Export the service's keytab again (klist -kte on the server shows its kvnos) and check that the SPN HTTP/<host> is on the account the server's keytab comes from." } },
    { ERR_SPACE_HTTP, 403,
      { "The web service accepted the ticket but denies the monitoring principal access.",
        "Allow the monitoring principal (or any valid user) on the probed URL, or probe a URL it may read." } },
    { ERR_SPACE_KRB5, KRB5KRB_AP_ERR_MUT_FAIL,
      { "The web service answered without a Negotiate token that completes mutual authentication, so it did not prove that it holds the service's key: a proxy or load balancer that strips the header, or a server that does not send it.",
        "Make the server send its final WWW-Authenticate: Negotiate token (mod_auth_gssapi and IIS do), and pass it through any proxy in front." } },
    { ERR_SPACE_CURL, CURLE_PEER_FAILED_VERIFICATION,
      { "The web service's TLS certificate does not verify against the trusted CAs, or does not name the URL's host.",
        "Set the service's \"ca_file\" to the CA that signs the certificate, or probe the host name the certificate is issued for." } },

    /* DNS, through c-ares. */
    { ERR_SPACE_ARES, ARES_ENOTFOUND,
      { "DNS has no such name: the KDC host or the realm's _kerberos SRV record does not exist.",
        "Check the SRV records and KDC host names in the domain's DNS and this host's resolver search list." } },
    { ERR_SPACE_ARES, ARES_ENODATA,
      { "The name exists in DNS but has no record of the type asked for, e.g. no SRV record for the realm.",
        "Publish the realm's _kerberos SRV records or list its KDCs in the realm's \"kdcs\" in the exporter's config file." } },
    { ERR_SPACE_ARES, ARES_ETIMEOUT,
      { "The DNS servers did not answer in time.",
        "Check that the \"servers\" of the exporter's \"dns\" group (/etc/resolv.conf when it lists none) are reachable on port 53 and healthy; the \"dns\" group's \"timeout\" sets how long each try waits." } },
    { ERR_SPACE_ARES, ARES_ECONNREFUSED,
      { "The DNS server refused the connection: nothing listens on port 53 there.",
        "Check the \"servers\" of the exporter's \"dns\" group (/etc/resolv.conf when it lists none) and that the DNS service runs on them." } },
    { ERR_SPACE_ARES, ARES_ESERVFAIL,
      { "The DNS server failed to answer (SERVFAIL), often a broken delegation or forwarder, or AD DNS unreachable from it.",
        "Query the records directly against the DCs' DNS and repair the zone, delegation or forwarders." } },
};

const struct krb5err_advice *
krb5err_advice(enum err_space space, long code)
{
    size_t i;

    /* An errno passed through by libkrb5 gets the errno's advice. */
    if (space == ERR_SPACE_KRB5 && is_errno_range(code))
        space = ERR_SPACE_ERRNO;
    for (i = 0; i < sizeof(advice_table) / sizeof(advice_table[0]); i++) {
        if (advice_table[i].space == space && advice_table[i].code == code)
            return &advice_table[i].advice;
    }
    return NULL;
}
