"""
Keys and credentials health against a real KDC: service keytabs verified
against the tickets the KDC issues (a rotated key, a wrong key, a missing
principal), the kvno a keytab holds, ticket enctypes and weak ones, the
TGT's lifetime, and the password and account expiry the KDC reports.
"""

import os
import shutil
import time

import krbtest
from krbtest import select, value

REALM = 'KEYS.TEST'
PW_REALM = 'PW.KEYS.TEST'
AES256 = 'aes256-cts-hmac-sha1-96'
AES128 = 'aes128-cts-hmac-sha1-96'
RC4 = 'arcfour-hmac'

# The codes MIT krb5 1.20's krb5_rd_req() gives a service for each fault.
AP_ERR_BADKEYVER = (-1765328340, 'KRB5KRB_AP_ERR_BADKEYVER')
AP_ERR_BAD_INTEGRITY = (-1765328353, 'KRB5KRB_AP_ERR_BAD_INTEGRITY')
AP_ERR_NOKEY = (-1765328339, 'KRB5KRB_AP_ERR_NOKEY')


def service_entry(principal, keytab=None):
    """One services entry: a string, or a group naming its own keytab."""
    if keytab is None:
        return '"%s"' % principal
    return '{ principal = "%s"; keytab = "%s"; }' % (principal, keytab)


def keys_config(realm, kdcs, principal, services, keytab=None,
                password_file=None, service_keytab=None):
    lines = ['realms = (', '  { realm = "%s";' % realm,
             '    kdcs = ( %s );' % ', '.join('"%s"' % k for k in kdcs),
             '    timeout = 5.0;']
    if keytab:
        lines.append('    client = { principal = "%s"; keytab = "%s"; };'
                     % (principal, keytab))
    else:
        lines.append('    client = { principal = "%s"; password_file = '
                     '"%s"; };' % (principal, password_file))
    if service_keytab:
        lines.append('    service_keytab = "%s";' % service_keytab)
    lines.append('    services = ( %s );' % ', '.join(services))
    lines += ['  }', ');']
    return '\n'.join(lines) + '\n'


class KeysTest(krbtest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kdc = kdc = krbtest.KDC((REALM, PW_REALM))
        cls.addClassCleanup(kdc.cleanup)
        kdc.addprinc('krbmon@' + REALM)
        cls.keytab = kdc.ktadd('krbmon@' + REALM)
        cls.kt = {}
        for name in ('good', 'rotated', 'wrongkey', 'moving'):
            p = kdc.addprinc('HTTP/%s.example.com@%s' % (name, REALM))
            cls.kt[name] = kdc.ktadd(p)
        # Rotated on the KDC after the keytab was made: kvno 2 against 1.
        kdc.cpw('HTTP/rotated.example.com@' + REALM)
        # Made again under the same name: kvno 1 on both sides, but the
        # KDC's key is a new random one the keytab does not hold.
        kdc.kadmin('delprinc -force HTTP/wrongkey.example.com@' + REALM,
                   realm=REALM)
        kdc.addprinc('HTTP/wrongkey.example.com@' + REALM)
        # Keys restricted to one enctype each.
        kdc.addprinc('HTTP/aes128.example.com@' + REALM,
                     options=('-e', AES128 + ':normal'))
        cls.kt['aes128'] = kdc.ktadd('HTTP/aes128.example.com@' + REALM)
        kdc.addprinc('HTTP/rc4.example.com@' + REALM,
                     options=('-e', RC4 + ':normal'))
        cls.kt['rc4'] = kdc.ktadd('HTTP/rc4.example.com@' + REALM)
        # A service that is in no keytab at all.
        kdc.addprinc('HTTP/nokey.example.com@' + REALM)

        # Expiry: a password client whose password expires in 10 days and
        # whose account expires in 20.
        cls.password = krbtest.random_password()
        kdc.addprinc('pwmon@' + PW_REALM, cls.password)
        now = int(time.time())
        cls.pw_expiry = now + 10 * 86400
        cls.acct_expiry = now + 20 * 86400
        kdc.modprinc('pwmon@' + PW_REALM, '-pwexpire',
                     '"%s"' % time.strftime('%Y-%m-%d %H:%M:%S UTC',
                                            time.gmtime(cls.pw_expiry)),
                     '-expire',
                     '"%s"' % time.strftime('%Y-%m-%d %H:%M:%S UTC',
                                            time.gmtime(cls.acct_expiry)))
        cls.pwfile = kdc.password_file(cls.password)
        kdc.addprinc('HTTP/www.example.com@' + PW_REALM)
        kdc.start()
        cls.kdcs = ['127.0.0.1:%d' % kdc.port]

    def exporter(self, services, service_keytab=None):
        return self.start_exporter(keys_config(
            REALM, self.kdcs, 'krbmon@' + REALM, services,
            keytab=self.keytab, service_keytab=service_keytab))

    def full(self, name):
        return 'HTTP/%s.example.com@%s' % (name, REALM)

    def test_verify_faults(self):
        exp = self.exporter(
            [service_entry('HTTP/%s.example.com' % n, self.kt[n])
             for n in ('good', 'rotated', 'wrongkey')] +
            [service_entry('HTTP/nokey.example.com'),
             service_entry('HTTP/unknown.example.com')],
            service_keytab=self.kt['good'])
        samples, text = exp.scrape()
        self.assertProbeSucceeds(samples, REALM, 'verify', self.full('good'))
        # An MIT 1.20 KDC puts a PAC in every service ticket, signed with
        # the service's key: the exporter finds it valid.
        self.assertEqual(value(samples, 'krb5_service_ticket_pac',
                               realm=REALM, principal=self.full('good')), 1)
        # A ticket the keytab cannot open, or none at all, shows 0.
        for name in ('rotated', 'wrongkey', 'nokey', 'unknown'):
            self.assertEqual(value(samples, 'krb5_service_ticket_pac',
                                   realm=REALM, principal=self.full(name)), 0,
                             name)

        # The rotated key: the KDC issues kvno 2, the keytab holds kvno 1.
        self.assertProbeSucceeds(samples, REALM, 'service',
                                 self.full('rotated'))
        self.assertProbeFails(samples, REALM, 'verify', self.full('rotated'),
                              AP_ERR_BADKEYVER)
        self.assertEqual(value(samples, 'krb5_service_ticket_kvno',
                               realm=REALM, principal=self.full('rotated')), 2)
        for enctype in (AES256, AES128):
            self.assertEqual(value(samples, 'krb5_keytab_kvno', realm=REALM,
                                   principal=self.full('rotated'),
                                   enctype=enctype), 1)

        # Same kvno, another key.
        self.assertProbeFails(samples, REALM, 'verify', self.full('wrongkey'),
                              AP_ERR_BAD_INTEGRITY)
        self.assertEqual(value(samples, 'krb5_service_ticket_kvno',
                               realm=REALM, principal=self.full('wrongkey')),
                         value(samples, 'krb5_keytab_kvno', realm=REALM,
                               principal=self.full('wrongkey'),
                               enctype=AES256))

        # The realm's keytab does not hold the principal at all.
        self.assertProbeFails(samples, REALM, 'verify', self.full('nokey'),
                              AP_ERR_NOKEY)

        # No ticket, no verification: the verify probe fails with the
        # service's own error, so its series stays.
        self.assertProbeFails(samples, REALM, 'verify', self.full('unknown'),
                              krbtest.KDC_ERR_S_PRINCIPAL_UNKNOWN)

        # The keytab kvnos of the good keytab are reported once although
        # two services use it.
        self.assertEqual(value(samples, 'krb5_keytab_kvno', realm=REALM,
                               principal=self.full('good'), enctype=AES256), 1)
        # Failures of verify are counted like any other probe's.
        self.assertEqual(value(samples, 'krb5_probe_errors_total',
                               realm=REALM, probe='verify',
                               code=str(AP_ERR_BADKEYVER[0])), 1)
        self.assertNotIn('BEGIN', text)
        result = krbtest.promtool_check(text)
        if result is not None:
            self.assertEqual(result[0], 0, result[1])

    def test_no_keytab_no_verify(self):
        exp = self.exporter([service_entry('HTTP/good.example.com')])
        samples, _ = exp.scrape()
        self.assertProbeSucceeds(samples, REALM, 'service', self.full('good'))
        self.assertEqual(select(samples, 'krb5_probe_success',
                                probe='verify'), [])
        self.assertEqual(select(samples, 'krb5_keytab_kvno'), [])
        self.assertEqual(select(samples, 'krb5_service_ticket_pac'), [])

    def test_enctypes(self):
        exp = self.exporter([service_entry('HTTP/%s.example.com' % n,
                                           self.kt[n])
                             for n in ('good', 'aes128', 'rc4')])
        samples, _ = exp.scrape()

        def enctypes(probe, target):
            return sorted(d['enctype'] for d, v in select(
                samples, 'krb5_ticket_enctype_info', realm=REALM,
                probe=probe, target=target) if v == 1)

        self.assertEqual(enctypes('tgt', 'krbmon@' + REALM), [AES256])
        self.assertEqual(enctypes('service', self.full('good')), [AES256])
        # The ticket is sealed in the service's only key; the session key
        # is the best enctype both ends allow.
        self.assertEqual(enctypes('service', self.full('aes128')),
                         sorted([AES128, AES256]))
        self.assertEqual(enctypes('service', self.full('rc4')),
                         sorted([AES256, RC4]))
        for probe, target, weak in (('tgt', 'krbmon@' + REALM, 0),
                                    ('service', self.full('good'), 0),
                                    ('service', self.full('aes128'), 0),
                                    ('service', self.full('rc4'), 1)):
            self.assertEqual(value(samples, 'krb5_ticket_weak_enctype',
                                   realm=REALM, probe=probe, target=target),
                             weak, target)
        self.assertEqual(value(samples, 'krb5_keytab_kvno', realm=REALM,
                               principal=self.full('aes128'),
                               enctype=AES128), 1)
        self.assertEqual(select(samples, 'krb5_keytab_kvno', realm=REALM,
                                principal=self.full('aes128'),
                                enctype=AES256), [])
        for name in ('good', 'aes128', 'rc4'):
            self.assertProbeSucceeds(samples, REALM, 'verify',
                                     self.full(name))
        # The TGT: the KDC's max_life of 10 hours, and renewable as the
        # KDC made it (its max_renewable_life is 7 days).
        self.assertEqual(value(samples, 'krb5_tgt_lifetime_seconds',
                               realm=REALM, principal='krbmon@' + REALM),
                         36000)
        self.assertEqual(value(samples, 'krb5_tgt_renewable', realm=REALM,
                               principal='krbmon@' + REALM), 1)
        # A keytab client hears nothing of expiry from libkrb5.
        for metric in ('krb5_password_expiry_timestamp_seconds',
                       'krb5_account_expiry_timestamp_seconds'):
            self.assertEqual(select(samples, metric, realm=REALM), [])

    def test_expiry(self):
        exp = self.start_exporter(keys_config(
            PW_REALM, self.kdcs, 'pwmon@' + PW_REALM,
            [service_entry('HTTP/www.example.com')],
            password_file=self.pwfile))
        samples, _ = exp.scrape()
        self.assertProbeSucceeds(samples, PW_REALM, 'tgt', 'pwmon@' + PW_REALM)
        pw = value(samples, 'krb5_password_expiry_timestamp_seconds',
                   realm=PW_REALM, principal='pwmon@' + PW_REALM)
        self.assertLessEqual(abs(pw - self.pw_expiry), 60)
        # The MIT KDC (1.20) sends no last-req expiry entries, only the
        # reply's key-expiration (the earlier of the password's and the
        # account's expiry), which libkrb5 hands on as the password's.  So
        # with MIT the account's expiry is never told apart: its series is
        # absent, as it is for any KDC that reports none.
        self.assertEqual(select(samples,
                                'krb5_account_expiry_timestamp_seconds'), [])

    def test_keytab_change_is_picked_up(self):
        kdc = self.kdc
        name = self.full('moving')
        path = os.path.join(self.make_workdir(), 'moving.keytab')
        shutil.copyfile(self.kt['moving'], path)
        os.chmod(path, 0o600)
        exp = self.exporter([service_entry('HTTP/moving.example.com', path)])
        samples, _ = exp.scrape()
        self.assertProbeSucceeds(samples, REALM, 'verify', name)
        self.assertEqual(value(samples, 'krb5_keytab_kvno', realm=REALM,
                               principal=name, enctype=AES256), 1)

        # An unchanged keytab is not read again.
        status, _, page = exp.get('/probe?realm=%s&debug=true' % REALM)
        self.assertEqual(status, 200, page)
        self.assertIn('unchanged since last read', page)

        # The key rotates on the KDC: the keytab now lags.
        kdc.cpw(name)
        samples, _ = exp.scrape()
        self.assertProbeFails(samples, REALM, 'verify', name,
                              AP_ERR_BADKEYVER)
        self.assertEqual(value(samples, 'krb5_service_ticket_kvno',
                               realm=REALM, principal=name), 2)
        self.assertEqual(value(samples, 'krb5_keytab_kvno', realm=REALM,
                               principal=name, enctype=AES256), 1)

        # The new key is added to the same file: seen at the next scrape,
        # without a restart or reload.
        kdc.ktadd(name, keytab=path)
        samples, _ = exp.scrape()
        self.assertProbeSucceeds(samples, REALM, 'verify', name)
        self.assertEqual(value(samples, 'krb5_keytab_kvno', realm=REALM,
                               principal=name, enctype=AES256), 2)
        status, _, page = exp.get('/probe?realm=%s&debug=true' % REALM)
        self.assertIn('unchanged since last read', page)


if __name__ == '__main__':
    krbtest.main()
