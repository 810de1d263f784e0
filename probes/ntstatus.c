/*
 * ntstatus: the closed table of NTSTATUS values a domain controller puts
 * in a KRB-ERROR's extended error; see ntstatus.h.
 *
 * Which statuses: those Samba's KDC hands to its clients (the account
 * checks of its database glue, the lockout and clock checks of its audit
 * hook, authentication policies) and those Windows DCs are known to send
 * for the same faults.  The numbers are Windows' (ntstatus.h); the advice
 * is ours, written for the account the exporter monitors.
 */
#include "probes/ntstatus.h"

static const struct ntstatus_entry table[] = {
    { 0xC000005EUL, "STATUS_NO_LOGON_SERVERS",
      { "The domain controller could not reach a logon server it needed for this account, such as a DC of a trusted domain or the PDC emulator.",
        "Check the DC's own connectivity and secure channel (nltest /sc_verify:<domain>) and its DNS, then probe again." } },
    { 0xC0000064UL, "STATUS_NO_SUCH_USER",
      { "The domain controller has no account with this name.",
        "Compare the configured \"principal\" with the account's sAMAccountName or userPrincipalName; a new account may not have replicated to every DC yet." } },
    { 0xC000006AUL, "STATUS_WRONG_PASSWORD",
      { "The password or key the exporter presented is not the account's.",
        "Set the account's current password in the \"password_file\", or export a fresh \"keytab\"; every wrong attempt counts towards the lockout threshold." } },
    { 0xC000006CUL, "STATUS_PASSWORD_RESTRICTION",
      { "A password policy refused the password: too short, too simple, in the history, or changed before the minimum age.",
        "Choose a password that meets the domain's policy (Get-ADDefaultDomainPasswordPolicy, or the account's fine-grained policy), then update the exporter's credentials." } },
    { 0xC000006DUL, "STATUS_LOGON_FAILURE",
      { "The domain controller refused the logon without saying more: an unknown account or a bad password.",
        "Check the \"principal\" and its password or keytab, and the DC's security log (events 4768 and 4771) for the account." } },
    { 0xC000006EUL, "STATUS_ACCOUNT_RESTRICTION",
      { "An account restriction refuses the logon, such as membership of Protected Users, an authentication policy, or a blank password where none is allowed.",
        "Check the account's group memberships (Protected Users), its authentication policy and silo, and the DC's security log for the restriction." } },
    { 0xC000006FUL, "STATUS_INVALID_LOGON_HOURS",
      { "The account's logon hours (logonHours) do not allow a logon at this time.",
        "Permit every hour in the monitoring account's logon hours (AD Users and Computers, Account tab, Logon Hours)." } },
    { 0xC0000070UL, "STATUS_INVALID_WORKSTATION",
      { "The account may log on only from the computers it lists (userWorkstations), and the exporter's host is not one of them.",
        "Add the exporter's host to the account's \"Log On To\" list, or clear the list." } },
    { 0xC0000071UL, "STATUS_PASSWORD_EXPIRED",
      { "The account's password is older than the maximum password age of the domain or of its fine-grained policy.",
        "Set a new password, then update the exporter's \"password_file\" or export a new \"keytab\"; give the account a rotation schedule or a policy without expiry." } },
    { 0xC0000072UL, "STATUS_ACCOUNT_DISABLED",
      { "The account is disabled in the directory (userAccountControl ACCOUNTDISABLE).",
        "Re-enable it (Enable-ADAccount, or AD Users and Computers) if it is meant to log on; event 4725 on the DCs names who disabled it." } },
    { 0xC0000133UL, "STATUS_TIME_DIFFERENCE_AT_DC",
      { "The exporter's clock and the domain controller's differ by more than the domain allows (5 minutes by default).",
        "Synchronise the exporter's host with the domain's time source (NTP from the DCs) and check the DC's own clock (w32tm /query /status)." } },
    { 0xC0000193UL, "STATUS_ACCOUNT_EXPIRED",
      { "The account's expiry date (accountExpires) has passed.",
        "Extend or clear the expiry date (Set-ADAccountExpiration, or AD Users and Computers, Account tab, Account expires)." } },
    { 0xC0000224UL, "STATUS_PASSWORD_MUST_CHANGE",
      { "The account must change its password before it logs on: \"User must change password at next logon\" is set (pwdLastSet is 0), often after an administrator's reset.",
        "Set a new password (kpasswd, or Set-ADAccountPassword) so that the flag clears, then update the exporter's \"password_file\" or export a new \"keytab\"." } },
    { 0xC0000234UL, "STATUS_ACCOUNT_LOCKED_OUT",
      { "The domain locked the account out after more bad passwords than its lockout threshold allows.",
        "Unlock it (Unlock-ADAccount, or AD Users and Computers), then find the source of the bad passwords: event 4740 on the PDC emulator names the calling computer. The exporter's own lockout guard spent at most one of them before it stopped presenting the credentials." } },
    { 0xC00002FAUL, "STATUS_SMARTCARD_LOGON_REQUIRED",
      { "The account requires a smart card for logon, so a password or keytab is refused.",
        "Clear \"Smart card is required for interactive logon\" on the monitoring account, or monitor with an account that may use a password." } },
    { 0xC0000413UL, "STATUS_AUTHENTICATION_FIREWALL_FAILED",
      { "An authentication policy or silo, or a selective-authentication trust, forbids this account to authenticate here.",
        "Review the account's authentication policy and silo (Get-ADAuthenticationPolicy) or the \"Allowed to authenticate\" permission the trust requires." } },
};

#define TABLE_SIZE (sizeof(table) / sizeof(table[0]))

static const struct ntstatus_entry *
find(unsigned long status)
{
    for (size_t i = 0; i < TABLE_SIZE; i++)
        if (table[i].status == status)
            return &table[i];
    return NULL;
}

const char *
ntstatus_name(unsigned long status)
{
    const struct ntstatus_entry *e;

    if (status == 0)
        return "";
    e = find(status);
    return e != NULL ? e->name : NTSTATUS_UNKNOWN_NAME;
}

const struct ntstatus_advice *
ntstatus_advice(unsigned long status)
{
    const struct ntstatus_entry *e = status != 0 ? find(status) : NULL;

    return e != NULL ? &e->advice : NULL;
}

const struct ntstatus_entry *
ntstatus_table(size_t *n_out)
{
    *n_out = TABLE_SIZE;
    return table;
}
