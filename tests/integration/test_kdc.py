"""
Per-KDC probes: each configured KDC endpoint is probed on its own, over UDP
and TCP, and reported up or down with the reason (refused, timed out, not
Kerberos); a silent KDC listed first costs the TGT no more than the
exchange's one-second wait; and the clock skew of a KDC whose clock runs
ahead (krb5kdc under faketime) is reported, with the TGT failing once the
skew is beyond what Kerberos allows.
"""

import socket
import shutil
import threading
import time

import krbtest
from krbtest import select, value

REALM = 'KDC.KDC.TEST'
AHEAD120 = 'AHEAD120.KDC.TEST'
AHEAD900 = 'AHEAD900.KDC.TEST'
GARBAGE = 'GARBAGE.KDC.TEST'

ECONNREFUSED = (111, 'ECONNREFUSED')
AP_ERR_SKEW = (-1765328347, 'KRB5KRB_AP_ERR_SKEW')
AP_ERR_MSG_TYPE = (-1765328344, 'KRB5KRB_AP_ERR_MSG_TYPE')


class GarbageKDC:
    """
    A UDP port on 127.0.0.1 that answers every datagram with b'hello':
    something that replies, but not in Kerberos.  close() always.
    """

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((krbtest.LOOPBACK, 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopping.is_set():
            try:
                _, peer = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            self.received += 1
            try:
                self.sock.sendto(b'hello', peer)
            except OSError:
                pass

    def close(self):
        self.stopping.set()
        self.thread.join(5)
        self.sock.close()


def kdc_series(samples, realm):
    """{target: success value} of the realm's kdc probes."""
    return {d['target']: v for d, v in select(
        samples, 'krb5_probe_success', realm=realm, probe='kdc')}


class KdcTest(krbtest.TestCase):
    @classmethod
    def setUpClass(cls):
        if shutil.which('faketime') is None:
            raise krbtest.FixtureError('faketime not found; is it installed?')
        cls.kdc = kdc = krbtest.KDC((REALM, GARBAGE))
        cls.addClassCleanup(kdc.cleanup)
        cls.keytabs = kdc.add_monitoring()
        kdc.start()

    def realm(self, realm, kdcs, keytab=None, transport='udp', timeout=5.0,
              services=('HTTP/www.example.com',)):
        return krbtest.realm_config(
            realm, kdcs, 'krbmon@' + realm,
            keytab=keytab or self.keytabs[realm], services=services,
            transport=transport, timeout=timeout)

    def test_each_kdc_over_udp_and_tcp(self):
        silent = krbtest.SilentKDC()
        self.addCleanup(silent.close)
        good, hush, closed = (self.kdc.port, silent.port,
                              krbtest.closed_port())
        exp = self.start_exporter(krbtest.config_text([self.realm(
            REALM, ['127.0.0.1:%d' % p for p in (good, hush, closed)],
            transport='both', timeout=3.0)]))
        samples, _ = exp.scrape()
        expected = {}
        for proto in ('udp', 'tcp'):
            expected['%s/127.0.0.1:%d' % (proto, good)] = 1.0
            expected['%s/127.0.0.1:%d' % (proto, hush)] = 0.0
            expected['%s/127.0.0.1:%d' % (proto, closed)] = 0.0
        self.assertEqual(kdc_series(samples, REALM), expected)
        self.assertEqual(value(samples, 'krb5_kdc_discovered', realm=REALM,
                               source='config'), 6.0)
        for proto in ('udp', 'tcp'):
            with self.subTest(proto=proto):
                target = proto + '/127.0.0.1:%d'
                self.assertProbeSucceeds(samples, REALM, 'kdc', target % good)
                self.assertProbeFails(samples, REALM, 'kdc', target % hush,
                                      krbtest.ETIMEDOUT)
                self.assertProbeFails(samples, REALM, 'kdc', target % closed,
                                      ECONNREFUSED)
        self.assertProbeSucceeds(samples, REALM, 'tgt', 'krbmon@' + REALM)
        self.assertProbeSucceeds(samples, REALM, 'service',
                                 'HTTP/www.example.com@' + REALM)

    def test_silent_kdc_first_does_not_starve_the_tgt(self):
        timeout = 5.0
        silent = krbtest.SilentKDC()
        self.addCleanup(silent.close)
        exp = self.start_exporter(krbtest.config_text([self.realm(
            REALM, ['127.0.0.1:%d' % silent.port,
                    '127.0.0.1:%d' % self.kdc.port], timeout=timeout)]))
        start = time.monotonic()
        samples, _ = exp.scrape()
        elapsed = time.monotonic() - start
        # The kdc probe of the silent KDC runs to the realm's deadline and
        # the scrape ends with it: the other probes do not add to it.
        self.assertLess(elapsed, timeout + 1.0, 'scrape took %.2fs' % elapsed)
        self.assertProbeFails(samples, REALM, 'kdc',
                              'udp/127.0.0.1:%d' % silent.port,
                              krbtest.ETIMEDOUT)
        self.assertProbeSucceeds(samples, REALM, 'kdc',
                                 'udp/127.0.0.1:%d' % self.kdc.port)
        self.assertProbeSucceeds(samples, REALM, 'tgt', 'krbmon@' + REALM)
        # The exchange gives the silent KDC a second before it starts the
        # next one; it neither waits for the silent KDC's probe nor for the
        # deadline.
        tgt_took = value(samples, 'krb5_probe_duration_seconds', realm=REALM,
                         probe='tgt', target='krbmon@' + REALM)
        self.assertLess(tgt_took, 2.5)
        self.assertProbeSucceeds(samples, REALM, 'service',
                                 'HTTP/www.example.com@' + REALM)

    def skewed_kdc(self, realm, offset):
        """A KDC of its own whose clock runs `offset` ahead."""
        kdc = self.make_kdc(realm)
        # +requires_preauth: the skew is read from the PREAUTH_REQUIRED
        # error's stime.
        kdc.addprinc('mon', requires_preauth=True)
        keytab = kdc.ktadd('mon')
        kdc.start(prefix=('faketime', '-f', offset))
        return kdc, keytab

    def test_clock_skew(self):
        kdc120, kt120 = self.skewed_kdc(AHEAD120, '+120s')
        kdc900, kt900 = self.skewed_kdc(AHEAD900, '+900s')
        exp = self.start_exporter(krbtest.config_text([
            krbtest.realm_config(AHEAD120, ['127.0.0.1:%d' % kdc120.port],
                                 'mon@' + AHEAD120, keytab=kt120,
                                 timeout=3.0),
            krbtest.realm_config(AHEAD900, ['127.0.0.1:%d' % kdc900.port],
                                 'mon@' + AHEAD900, keytab=kt900,
                                 timeout=3.0)]))
        samples, _ = exp.scrape()
        for realm, kdc, low, high in ((AHEAD120, kdc120, 110, 130),
                                      (AHEAD900, kdc900, 890, 910)):
            with self.subTest(realm=realm):
                target = 'udp/127.0.0.1:%d' % kdc.port
                self.assertProbeSucceeds(samples, realm, 'kdc', target)
                skews = select(samples, 'krb5_kdc_clock_skew_seconds',
                               realm=realm)
                self.assertEqual([d['target'] for d, _ in skews], [target])
                self.assertGreaterEqual(skews[0][1], low)
                self.assertLessEqual(skews[0][1], high)
        # Within the allowed 300 s the realm works; beyond it the KDC
        # refuses the preauthentication timestamp.
        self.assertProbeSucceeds(samples, AHEAD120, 'tgt', 'mon@' + AHEAD120)
        self.assertProbeFails(samples, AHEAD900, 'tgt', 'mon@' + AHEAD900,
                              AP_ERR_SKEW)

    def test_reply_that_is_not_kerberos(self):
        garbage = GarbageKDC()
        self.addCleanup(garbage.close)
        exp = self.start_exporter(krbtest.config_text([self.realm(
            GARBAGE, ['127.0.0.1:%d' % garbage.port], timeout=2.0,
            services=())]))
        samples, _ = exp.scrape()
        self.assertGreater(garbage.received, 0)
        self.assertEqual(kdc_series(samples, GARBAGE),
                         {'udp/127.0.0.1:%d' % garbage.port: 0.0})
        self.assertProbeFails(samples, GARBAGE, 'kdc',
                              'udp/127.0.0.1:%d' % garbage.port,
                              AP_ERR_MSG_TYPE)
        self.assertEqual(value(samples, 'krb5_probe_success', realm=GARBAGE,
                               probe='tgt', target='krbmon@' + GARBAGE), 0.0)
        self.assertEqual(select(samples, 'krb5_kdc_clock_skew_seconds',
                                realm=GARBAGE), [])


if __name__ == '__main__':
    krbtest.main()
