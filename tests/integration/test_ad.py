#!/usr/bin/env python3
"""
Active Directory, for real (issue 12): the exporter against a Samba AD DC
(samba.SambaDC, Samba 4.17 on Debian 12) on loopback.

What an MIT KDC cannot show:
- a TGT with a password, a service ticket for an SPN on a user account,
  verified with a keytab from `samba-tool domain exportkeytab`; RC4 flagged
  weak for an account without msDS-SupportedEncryptionTypes; password and
  account expiry from the AS reply's last-req;
- the lockout guard against AD's own count: with a lockout threshold of 3,
  a wrong password, and 12 scrapes and 4 debug pages, badPwdCount is 1 and
  the account is not locked;
- several clients in one realm (`clients = ( ... )`), each with its own tgt
  series: good, disabled, locked out, must change its password, expired,
  and two UPN forms logged on as enterprise names, with the canonical name
  the KDC returned;
- the NTSTATUS AD puts in its errors (`status` label);
- a realm written in lower case: the KDC answers, the TGT cannot be had,
  and the debug page says why;
- the kpasswd server (`kpasswd = ( ... )`); the PAC in a service ticket.

One DC for the whole file (provisioned in setUpClass, ~4 s); every test
has users of its own, so AD's counts and the DC's log do not mix.
"""

import re
import time

import krbtest
import samba
from krbtest import select, value

REALM = samba.REALM                      # AD.TEST
SERVICE = 'HTTP/www.ad.test'
SERVICE_PRINCIPAL = SERVICE + '@' + REALM
LOCKOUT_THRESHOLD = 3

KDCREP_MODIFIED = (-1765328237, 'KRB5_KDCREP_MODIFIED')
STATUS_ACCOUNT_DISABLED = 'STATUS_ACCOUNT_DISABLED'
STATUS_ACCOUNT_EXPIRED = 'STATUS_ACCOUNT_EXPIRED'
STATUS_PASSWORD_MUST_CHANGE = 'STATUS_PASSWORD_MUST_CHANGE'


def debug_metrics(body):
    """The exposition at the end of a debug page, parsed."""
    head, sep, metrics = body.partition('== Metrics ==\n')
    if not sep:
        raise AssertionError('no metrics section in the debug page:\n' + body)
    return krbtest.parse_exposition(metrics)


class ActiveDirectoryTest(krbtest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dc = dc = samba.SambaDC()
        cls.addClassCleanup(dc.cleanup)
        dc.start()
        # Printed for meson's log: what the fixture costs.
        print('samba: provisioned in %.1f s, started in %.1f s'
              % (dc.provision_seconds, dc.start_seconds))
        dc.password_settings(
            account_lockout_threshold=LOCKOUT_THRESHOLD,
            account_lockout_duration=30, reset_account_lockout_after=30)
        cls.password = krbtest.random_password()
        # The service: an SPN on a user account, which has no
        # msDS-SupportedEncryptionTypes, so its tickets are sealed in RC4.
        dc.create_user('websvc', cls.password)
        dc.add_spn(SERVICE, 'websvc')
        cls.service_keytab = dc.export_keytab(SERVICE)
        cls._clients = None

    # --- helpers -----------------------------------------------------------

    def user(self, name, **options):
        """A user of this test's own with the class password: name@AD.TEST."""
        return self.dc.create_user(name, self.password, **options)

    def good_password_file(self, name):
        return self.dc.password_file(self.password, name)

    def exporter(self, principal=None, realm=REALM, services=(), **options):
        config = krbtest.config_text([krbtest.realm_config(
            realm, self.dc.kdcs, principal, services=services, **options)])
        return self.start_exporter(config)

    def debug_page(self, exp, realm=REALM):
        status, _, body = exp.get('/probe?realm=%s&debug=true' % realm)
        self.assertEqual(status, 200, body)
        return body

    def assertTgtFails(self, samples, target, code_name, status=None,
                       realm=REALM):
        """
        The client's tgt probe failed with exactly this code and name, and
        (when status is given) this NTSTATUS label, "" for none.
        """
        code, name = code_name
        self.assertEqual(value(samples, 'krb5_probe_success', realm=realm,
                               probe='tgt', target=target), 0.0)
        errors = select(samples, 'krb5_probe_error', realm=realm,
                        probe='tgt', target=target)
        if status is None:
            self.assertEqual([(d['code'], d['name'], v) for d, v in errors],
                             [(str(code), name, 1.0)])
        else:
            self.assertEqual(
                [(d['code'], d['name'], d.get('status'), v)
                 for d, v in errors],
                [(str(code), name, status, 1.0)])

    # --- what works today ----------------------------------------------------

    def test_tgt_with_password(self):
        principal = self.user('pwmon')
        exp = self.exporter(principal,
                            password_file=self.good_password_file('pwmon'))
        samples, _ = exp.scrape()
        self.assertProbeSucceeds(samples, REALM, 'tgt', principal)
        self.assertProbeSucceeds(samples, REALM, 'kdc',
                                 'udp/127.0.0.1:%d' % self.dc.port)
        self.assertEqual(value(samples, 'krb5_ticket_weak_enctype',
                               realm=REALM, probe='tgt', target=principal),
                         0.0)
        # The DC's own record of it.
        self.assertTrue(self.dc.as_req_lines(principal, 'SUCCESS'),
                        self.dc.tail())

    def test_service_ticket_for_spn_verified_rc4_weak(self):
        principal = self.user('svcmon')
        exp = self.exporter(principal,
                            password_file=self.good_password_file('svcmon'),
                            services=(SERVICE,),
                            extra='service_keytab = "%s";'
                            % self.service_keytab)
        samples, _ = exp.scrape()
        self.assertProbeSucceeds(samples, REALM, 'tgt', principal)
        self.assertProbeSucceeds(samples, REALM, 'service', SERVICE_PRINCIPAL)
        self.assertProbeSucceeds(samples, REALM, 'verify', SERVICE_PRINCIPAL)
        self.assertEqual(value(samples, 'krb5_service_principal_info',
                               realm=REALM, service=SERVICE),
                         1.0)
        # Sealed in RC4 (the account names no enctypes), and flagged so.
        enctypes = sorted(d['enctype'] for d, v in select(
            samples, 'krb5_ticket_enctype_info', realm=REALM,
            probe='service', target=SERVICE_PRINCIPAL))
        self.assertIn('arcfour-hmac', enctypes)
        self.assertEqual(value(samples, 'krb5_ticket_weak_enctype',
                               realm=REALM, probe='service',
                               target=SERVICE_PRINCIPAL), 1.0)
        # The keytab holds the key version the KDC used.
        kvno = value(samples, 'krb5_service_ticket_kvno', realm=REALM,
                     principal=SERVICE_PRINCIPAL)
        keytab = [v for d, v in select(samples, 'krb5_keytab_kvno',
                                       realm=REALM,
                                       principal=SERVICE_PRINCIPAL)]
        self.assertTrue(keytab)
        self.assertEqual(max(keytab), kvno)

    def test_password_and_account_expiry_from_last_req(self):
        principal = self.user('expmon')
        account_expires = int(time.time()) + 10 * 86400
        self.dc.set_account_expires('expmon', account_expires)
        pwd_last_set = samba.nt_time_to_unix(
            self.dc.user_attribute('expmon', 'pwdLastSet'))
        max_pwd_age = -int(self.dc.domain_attribute('maxPwdAge')) / 1e7
        exp = self.exporter(principal,
                            password_file=self.good_password_file('expmon'))
        samples, _ = exp.scrape()
        self.assertProbeSucceeds(samples, REALM, 'tgt', principal)
        self.assertAlmostEqual(
            value(samples, 'krb5_password_expiry_timestamp_seconds',
                  realm=REALM, principal=principal),
            pwd_last_set + max_pwd_age, delta=1.0)
        self.assertAlmostEqual(
            value(samples, 'krb5_account_expiry_timestamp_seconds',
                  realm=REALM, principal=principal),
            account_expires, delta=1.0)

    def test_lockout_guard_against_ads_own_count(self):
        # A wrong password: the first probe is one failed logon, and after
        # it neither /metrics nor the debug page presents it again, so AD
        # counts one bad password and never locks the account.
        principal = self.user('guardmon')
        wrong = self.dc.password_file('wrong-' + self.password, 'guardmon')
        exp = self.exporter(principal, password_file=wrong)
        scrapes = debugs = 0
        for i in range(16):
            if i % 4 == 1:
                samples = debug_metrics(self.debug_page(exp))
                debugs += 1
            else:
                samples, _ = exp.scrape()
                scrapes += 1
            self.assertTgtFails(samples, principal,
                                krbtest.KDC_ERR_PREAUTH_FAILED)
        self.assertEqual((scrapes, debugs), (12, 4))
        self.assertGreater(value(samples, 'krb5_probe_backoff_seconds',
                                 realm=REALM), 0.0)
        failed = self.dc.as_req_lines(principal, 'ERR_PREAUTH_FAILED')
        self.assertEqual(self.dc.bad_pwd_count('guardmon'), 1,
                         '\n'.join(failed))
        self.assertEqual(self.dc.lockout_time('guardmon'), 0)
        self.assertEqual(len(failed), 1, '\n'.join(failed))

    # --- a. several clients in one realm ----------------------------------------

    def seven_clients(self):
        """
        The same seven users for every test that asks (their logons are
        all with the right password, so no count of AD's moves): returns
        (clients config, {role: target}).
        """
        cls = type(self)
        if cls._clients is None:
            dc, pw = self.dc, self.password
            targets = {}
            clients = []
            # Good, with a keytab exported from the DC; first, so the kdc
            # probe's AS-REQ carries a name that exists.
            targets['good'] = dc.create_user('clgood', pw)
            clients.append({'principal': targets['good'],
                            'keytab': dc.export_keytab(targets['good'])})
            targets['disabled'] = dc.create_user('cldisabled', pw)
            dc.disable_user('cldisabled')
            targets['locked'] = dc.create_user('cllocked', pw)
            dc.lock_out('cllocked', LOCKOUT_THRESHOLD)
            targets['must_change'] = dc.create_user('clmust', pw,
                                                    must_change=True)
            targets['expired'] = dc.create_user('clexpired', pw)
            dc.set_expiry('clexpired', 0)
            # A UPN in a suffix of its own, and samba-tool's default UPN
            # (user@ad.test) written with the realm in lower case.
            dc.create_user('clupn', pw, upn='monitor@corp.example')
            targets['upn'] = 'monitor@corp.example'
            dc.create_user('krbmon', pw)
            targets['upn_lower'] = 'krbmon@ad.test'
            pwfile = dc.password_file(pw, 'clients')
            for role in ('disabled', 'locked', 'must_change', 'expired',
                         'upn', 'upn_lower'):
                clients.append({'principal': targets[role],
                                'password_file': pwfile})
            cls._clients = (clients, targets)
        return cls._clients

    CANONICAL = {'upn': 'clupn@AD.TEST', 'upn_lower': 'krbmon@AD.TEST'}

    def clients_exporter(self):
        clients, targets = self.seven_clients()
        return self.exporter(clients=clients), targets

    def test_clients_each_have_a_tgt_series(self):
        exp, t = self.clients_exporter()
        samples, _ = exp.scrape()
        tgt = {d['target']: v for d, v in select(
            samples, 'krb5_probe_success', realm=REALM, probe='tgt')}
        self.assertEqual(sorted(tgt), sorted(t.values()))
        for role in ('good', 'upn', 'upn_lower'):
            with self.subTest(client=role):
                self.assertProbeSucceeds(samples, REALM, 'tgt', t[role])
        for role, code_name in (
                ('disabled', krbtest.KDC_ERR_CLIENT_REVOKED),
                ('locked', krbtest.KDC_ERR_CLIENT_REVOKED),
                ('must_change', krbtest.KDC_ERR_KEY_EXP),
                ('expired', krbtest.KDC_ERR_CLIENT_REVOKED)):
            with self.subTest(client=role):
                self.assertTgtFails(samples, t[role], code_name)
        # The UPNs, as configured, and the name the KDC gave them.
        for role in ('upn', 'upn_lower'):
            with self.subTest(client=role):
                self.assertEqual(value(samples, 'krb5_client_principal_info',
                                       realm=REALM, principal=t[role]), 1.0)
                self.assertEqual(
                    [d['canonical'] for d, v in select(
                        samples, 'krb5_client_principal_info', realm=REALM,
                        principal=t[role])],
                    [self.CANONICAL[role]])
        # The good clients go on being probed while the bad ones rest.
        samples, _ = exp.scrape()
        for role in ('good', 'upn', 'upn_lower'):
            with self.subTest(client=role, scrape=2):
                self.assertProbeSucceeds(samples, REALM, 'tgt', t[role])

    def test_clients_canonical_names_on_the_debug_page(self):
        exp, t = self.clients_exporter()
        body = self.debug_page(exp)
        samples = debug_metrics(body)
        # The exporter's own lines, not libkrb5's trace of its ccache.
        own = '\n'.join(l for l in body.partition('== Metrics ==')[0]
                        .splitlines() if 'krb5: [' not in l)
        for role in ('upn', 'upn_lower'):
            with self.subTest(client=role):
                self.assertProbeSucceeds(samples, REALM, 'tgt', t[role])
                self.assertEqual(
                    [d['canonical'] for d, v in select(
                        samples, 'krb5_client_principal_info', realm=REALM,
                        principal=t[role])],
                    [self.CANONICAL[role]])
                self.assertIn(t[role], own)
                self.assertIn(self.CANONICAL[role], own)

    # --- b. the NTSTATUS of AD's errors --------------------------------------

    def test_clients_extended_status(self):
        exp, t = self.clients_exporter()
        samples, _ = exp.scrape()
        for role, code_name, status in (
                ('disabled', krbtest.KDC_ERR_CLIENT_REVOKED,
                 STATUS_ACCOUNT_DISABLED),
                ('expired', krbtest.KDC_ERR_CLIENT_REVOKED,
                 STATUS_ACCOUNT_EXPIRED),
                ('must_change', krbtest.KDC_ERR_KEY_EXP,
                 STATUS_PASSWORD_MUST_CHANGE),
                # Samba 4.17 sends no NTSTATUS for a locked-out account.
                ('locked', krbtest.KDC_ERR_CLIENT_REVOKED, '')):
            with self.subTest(client=role):
                self.assertTgtFails(samples, t[role], code_name, status)

    # --- c. a realm written in lower case ----------------------------------------

    def test_lowercase_realm(self):
        self.user('lcmon')
        exp = self.exporter('lcmon', realm='ad.test',
                            password_file=self.good_password_file('lcmon'))
        samples, _ = exp.scrape()
        self.assertProbeSucceeds(samples, 'ad.test', 'kdc',
                                 'udp/127.0.0.1:%d' % self.dc.port)
        tgt = select(samples, 'krb5_probe_success', realm='ad.test',
                     probe='tgt')
        self.assertEqual([v for d, v in tgt], [0.0])
        self.assertTgtFails(samples, tgt[0][0]['target'], KDCREP_MODIFIED,
                            realm='ad.test')
        body = self.debug_page(exp, realm='ad.test')
        head = body.partition('== Metrics ==')[0]
        self.assertIn('AD.TEST', head)
        self.assertRegex(head, re.compile(r'case[- ]sensitive', re.I))

    # --- d. kpasswd ---------------------------------------------------------------

    def test_kpasswd_answers(self):
        principal = self.user('kpmon')
        target = 'udp/127.0.0.1:%d' % self.dc.kpasswd_port
        exp = self.exporter(principal,
                            password_file=self.good_password_file('kpmon'),
                            kpasswd=['127.0.0.1:%d' % self.dc.kpasswd_port])
        samples, _ = exp.scrape()
        self.assertProbeSucceeds(samples, REALM, 'tgt', principal)
        self.assertProbeSucceeds(samples, REALM, 'kpasswd', target)

    def test_kpasswd_closed_port(self):
        principal = self.user('kpclosed')
        port = krbtest.closed_port()
        target = 'udp/127.0.0.1:%d' % port
        exp = self.exporter(principal,
                            password_file=self.good_password_file('kpclosed'),
                            kpasswd=['127.0.0.1:%d' % port])
        samples, _ = exp.scrape()
        self.assertProbeSucceeds(samples, REALM, 'tgt', principal)
        self.assertEqual(value(samples, 'krb5_probe_success', realm=REALM,
                               probe='kpasswd', target=target), 0.0)
        errors = select(samples, 'krb5_probe_error', realm=REALM,
                        probe='kpasswd', target=target)
        self.assertEqual([v for d, v in errors], [1.0], errors)

    # --- e. the PAC ---------------------------------------------------------------

    def test_service_ticket_pac(self):
        principal = self.user('pacmon')
        exp = self.exporter(principal,
                            password_file=self.good_password_file('pacmon'),
                            services=(SERVICE,),
                            extra='service_keytab = "%s";'
                            % self.service_keytab)
        samples, _ = exp.scrape()
        self.assertProbeSucceeds(samples, REALM, 'verify', SERVICE_PRINCIPAL)
        self.assertEqual(value(samples, 'krb5_service_ticket_pac',
                               realm=REALM, principal=SERVICE_PRINCIPAL),
                         1.0)


if __name__ == '__main__':
    krbtest.main()
