#!/usr/bin/env python3
"""
Active Directory's extended error, end to end: a fake KDC on loopback (the
scriptable hostile.HostileKDC, told what to answer) refuses every AS-REQ
with a KRB-ERROR KDC_ERR_CLIENT_REVOKED (error-code 18) whose e-data holds
an NTSTATUS, as a domain controller does, and the exporter must report the
status:

  LOCKED.ADSTATUS.TEST    METHOD-DATA, a PA-ETYPE-INFO2 entry then one of
                          type 3 (PA-PW-SALT), as Samba 4.17 sends it:
                          STATUS_ACCOUNT_LOCKED_OUT, 0xC0000234;
  DISABLED.ADSTATUS.TEST  one KERB-ERROR-DATA (as Windows sends it):
                          STATUS_ACCOUNT_DISABLED, 0xC0000072;
  PLAIN.ADSTATUS.TEST     no e-data at all: status="".

The reply is built here, field by field, so the test needs no real KDC.
Checked: the status label on the tgt error series and on the error
counter, the same label set on every krb5_probe_error sample, the --once
summary and the debug page naming the status with its cause and fix, and
the status still reported while the lockout guard holds the credentials
back (so that Krb5AccountLockedOut does not turn into
Krb5CredentialsRevoked mid-incident).
"""

import datetime
import os
import struct
import unittest

import hostile
import krbtest
from krbtest import select, value

LOCKED = 'LOCKED.ADSTATUS.TEST'
DISABLED = 'DISABLED.ADSTATUS.TEST'
PLAIN = 'PLAIN.ADSTATUS.TEST'
REALMS = (LOCKED, DISABLED, PLAIN)

KDC_ERR_CLIENT_REVOKED = 18
STATUS_ACCOUNT_LOCKED_OUT = 0xC0000234
STATUS_ACCOUNT_DISABLED = 0xC0000072
REVOKED = krbtest.KDC_ERR_CLIENT_REVOKED

SCRAPE_TIMEOUT = {'X-Prometheus-Scrape-Timeout-Seconds': '10'}


# --- a KRB-ERROR, in DER ----------------------------------------------------

def der(tag, body):
    n = len(body)
    if n < 0x80:
        head = bytes([n])
    else:
        octets = n.to_bytes((n.bit_length() + 7) // 8, 'big')
        head = bytes([0x80 | len(octets)]) + octets
    return bytes([tag]) + head + body


def der_int(v):
    return der(0x02, v.to_bytes(max(1, (v.bit_length() + 8) // 8), 'big',
                                signed=True))


def ctx(n, body):
    return der(0xa0 + n, body)


def seq(*items):
    return der(0x30, b''.join(items))


def kerb_ext_error(status, flags=1):
    """MS-KILE 2.2.1: status, reserved, flags; little-endian uint32s."""
    return struct.pack('<III', status, 0, flags)


def pa_data(padata_type, value):
    """A PA-DATA (or, with the same tags, a KERB-ERROR-DATA)."""
    return seq(ctx(1, der_int(padata_type)), ctx(2, der(0x04, value)))


# PA-ETYPE-INFO2 (19) for aes256-cts (18) with the salt "AD.TESTdis", as
# Samba 4.17 puts it before the status.
ETYPE_INFO2 = pa_data(19, seq(seq(ctx(0, der_int(18)),
                                  ctx(1, der(0x1b, b'AD.TESTdis')),
                                  ctx(2, der(0x04, b'\x00\x00\x10\x00')))))


def method_data_edata(status, before=b''):
    """METHOD-DATA ending in a PA-PW-SALT (3) entry that holds status."""
    return seq(before, pa_data(3, kerb_ext_error(status)))


def kerb_error_data_edata(status):
    """As Windows sends it: KERB-ERROR-DATA, KERB_ERR_TYPE_EXTENDED (3)."""
    return pa_data(3, kerb_ext_error(status))


def krb_error(realm, error_code, edata=None):
    """A KRB-ERROR [APPLICATION 30] from the KDC of realm, sent now."""
    now = datetime.datetime.now(datetime.timezone.utc)
    stime = now.strftime('%Y%m%d%H%M%SZ').encode('ascii')
    realm_b = realm.encode('ascii')
    fields = [
        ctx(0, der_int(5)),                      # pvno
        ctx(1, der_int(30)),                     # msg-type
        ctx(4, der(0x18, stime)),                # stime
        ctx(5, der_int(now.microsecond)),        # susec
        ctx(6, der_int(error_code)),             # error-code
        ctx(9, der(0x1b, realm_b)),              # realm
        ctx(10, seq(ctx(0, der_int(2)),          # sname krbtgt/REALM
                    ctx(1, seq(der(0x1b, b'krbtgt'),
                               der(0x1b, realm_b))))),
    ]
    if edata is not None:
        fields.append(ctx(12, der(0x04, edata)))   # e-data
    return der(0x7e, seq(*fields))


class RefusingKDC(hostile.HostileKDC):
    """
    A HostileKDC scripted to answer every request, over UDP and TCP, with
    the KRB-ERROR reply() makes (fresh, so that its clock is now).
    """

    def __init__(self, reply):
        self.reply = reply
        super().__init__(hostile.RANDOM)

    def _udp_reply(self, request):
        return self.reply()

    def _answer_conn(self, conn):
        head = hostile._recv_exact(conn, 4, self.stopping)
        if head is None:
            return
        length = struct.unpack('>I', head)[0]
        if length > 65536:
            return
        if hostile._recv_exact(conn, length, self.stopping) is None:
            return
        self._count('tcp')
        body = self.reply()
        self._send(conn, struct.pack('>I', len(body)) + body)


EDATA = {
    LOCKED: lambda: method_data_edata(STATUS_ACCOUNT_LOCKED_OUT, ETYPE_INFO2),
    DISABLED: lambda: kerb_error_data_edata(STATUS_ACCOUNT_DISABLED),
    PLAIN: lambda: None,
}


class AdStatusTest(krbtest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.kdcs = {}
        for realm in REALMS:
            kdc = RefusingKDC(lambda realm=realm: krb_error(
                realm, KDC_ERR_CLIENT_REVOKED, EDATA[realm]()))
            cls.addClassCleanup(kdc.close)
            cls.kdcs[realm] = kdc

    def config(self, workdir, realms=REALMS):
        # A password file: nothing is ever decrypted, and libkrb5 asks for
        # no key before the KDC has answered.
        pw = krbtest.write_private(os.path.join(workdir, 'password'),
                                   'not-used-for-anything\n')
        return krbtest.config_text([krbtest.realm_config(
            realm, [self.kdcs[realm].address()], 'krbmon@' + realm,
            password_file=pw, services=('HTTP/www.example.com',),
            transport='both', timeout=3.0) for realm in realms])

    def exporter(self):
        workdir = self.make_workdir()
        return self.start_exporter(self.config(workdir), workdir=workdir)

    def tgt_error(self, samples, realm):
        errors = select(samples, 'krb5_probe_error', realm=realm, probe='tgt',
                        target='krbmon@' + realm)
        self.assertEqual(len(errors), 1, errors)
        return errors[0][0]

    # --- the exposition ---------------------------------------------------

    def test_locked_out_status_on_the_tgt_error(self):
        exp = self.exporter()
        samples, body = exp.scrape(headers=SCRAPE_TIMEOUT)
        self.assertProbeFails(samples, LOCKED, 'tgt', 'krbmon@' + LOCKED,
                              REVOKED)
        labels = self.tgt_error(samples, LOCKED)
        self.assertEqual(labels['status'], 'STATUS_ACCOUNT_LOCKED_OUT')
        self.assertEqual(value(samples, 'krb5_probe_errors_total',
                               realm=LOCKED, probe='tgt',
                               name='KRB5KDC_ERR_CLIENT_REVOKED',
                               status='STATUS_ACCOUNT_LOCKED_OUT'), 1.0)
        # The KDC answered: it is up, and the refusal is the tgt probe's.
        for proto in ('udp', 'tcp'):
            self.assertProbeSucceeds(samples, LOCKED, 'kdc', '%s/%s' % (
                proto, self.kdcs[LOCKED].address()))
        checked = krbtest.promtool_check(body)
        if checked is not None:
            self.assertEqual(checked[0], 0, checked[1])

    def test_windows_wrapping_and_no_status(self):
        exp = self.exporter()
        samples, _ = exp.scrape(headers=SCRAPE_TIMEOUT)
        self.assertEqual(self.tgt_error(samples, DISABLED)['status'],
                         'STATUS_ACCOUNT_DISABLED')
        self.assertProbeFails(samples, PLAIN, 'tgt', 'krbmon@' + PLAIN,
                              REVOKED)
        self.assertEqual(self.tgt_error(samples, PLAIN)['status'], '')
        self.assertEqual(value(samples, 'krb5_probe_errors_total',
                               realm=PLAIN, probe='tgt', status=''), 1.0)

    def test_every_error_sample_has_the_status_label(self):
        exp = self.exporter()
        samples, _ = exp.scrape(headers=SCRAPE_TIMEOUT)
        for metric, names in (
                ('krb5_probe_error',
                 {'realm', 'probe', 'target', 'code', 'name', 'status'}),
                ('krb5_probe_errors_total',
                 {'realm', 'probe', 'code', 'name', 'status'})):
            found = select(samples, metric)
            self.assertTrue(found, metric)
            for labels, _ in found:
                self.assertEqual(set(labels), names, (metric, labels))
        # The services fail with the TGT's error; the status is the tgt's.
        for labels, _ in select(samples, 'krb5_probe_error', probe='service'):
            self.assertEqual(labels['name'], 'KRB5KDC_ERR_CLIENT_REVOKED')

    # --- what a person reads ---------------------------------------------

    def test_once_summary_names_the_status(self):
        workdir = self.make_workdir()
        path = krbtest.write_private(os.path.join(workdir, 'once.conf'),
                                     self.config(workdir, (LOCKED,)))
        r = krbtest.run_exporter(['--config.file=' + path, '--once'],
                                 workdir)
        self.assertEqual(r.returncode, 1, r.stderr)
        samples = krbtest.parse_exposition(r.stdout)
        self.assertEqual(self.tgt_error(samples, LOCKED)['status'],
                         'STATUS_ACCOUNT_LOCKED_OUT')
        self.assertIn('status:  STATUS_ACCOUNT_LOCKED_OUT (0xC0000234',
                      r.stderr)
        self.assertIn('Unlock it', r.stderr)
        self.assertIn('source of the bad passwords', r.stderr)

    def test_debug_page_names_the_status(self):
        exp = self.exporter()
        status, _, body = exp.get('/probe?realm=%s&debug=true' % LOCKED,
                                  headers=SCRAPE_TIMEOUT)
        self.assertEqual(status, 200, body)
        self.assertIn('status:  STATUS_ACCOUNT_LOCKED_OUT (0xC0000234', body)
        self.assertIn('Unlock it', body)

    # --- through the lockout guard's backoff -----------------------------

    def test_status_kept_through_the_backoff(self):
        exp = self.exporter()
        exp.scrape(headers=SCRAPE_TIMEOUT)
        samples, _ = exp.scrape(headers=SCRAPE_TIMEOUT)
        self.assertGreater(value(samples, 'krb5_probe_backoff_seconds',
                                 realm=LOCKED), 0)
        self.assertEqual(self.tgt_error(samples, LOCKED)['status'],
                         'STATUS_ACCOUNT_LOCKED_OUT')
        # Nothing was presented again, so nothing was counted again.
        self.assertEqual(value(samples, 'krb5_probe_errors_total',
                               realm=LOCKED, probe='tgt',
                               status='STATUS_ACCOUNT_LOCKED_OUT'), 1.0)


# The reply builder, against the bytes the unit tests hold for Samba.
class EdataBytesTest(unittest.TestCase):

    def test_method_data_as_samba_sends_it(self):
        # Captured from Samba 4.17's KDC, for a disabled account.
        self.assertEqual(method_data_edata(STATUS_ACCOUNT_DISABLED,
                                           ETYPE_INFO2).hex(),
                         '30413028a103020113a221041f301d301ba003020112a10c1b'
                         '0a41442e54455354646973a2060404000010003015a1030201'
                         '03a20e040c720000c00000000001000000')

    def test_kerb_error_data_as_windows_sends_it(self):
        self.assertEqual(kerb_error_data_edata(STATUS_ACCOUNT_LOCKED_OUT).hex(),
                         '3015a103020103a20e040c340200c00000000001000000')


if __name__ == '__main__':
    krbtest.main()
