"""
The kpasswd probe against real peers: MIT kadmind serving kpasswd on a
loopback port of its own (over UDP and TCP), a closed port, a port that
never answers and one that answers junk; kpasswd servers from the config
and from _kpasswd SRV records (dnsmasq); and no kpasswd probe at all for a
realm whose KDCs are listed without kpasswd servers.  The probe presents no
credential: the monitoring principal's key is the same afterwards, and
kadmind says it could not read an AP-REQ.
"""

import os
import re
import socket
import subprocess
import threading
import time

import dnstest
import krbtest
from krbtest import select, value

REALM = 'KPW.KPASSWD.TEST'       # kadmind serves this one
PLAIN = 'PLAIN.KPASSWD.TEST'     # static KDCs, no kpasswd key
NOSRV = 'NOSRV.KPASSWD.TEST'     # DNS discovery, no _kpasswd records
KPW_HOST = 'kpw1.kpasswd.test'
KDC_HOST = 'kdc1.kpasswd.test'

ECONNREFUSED = (111, 'ECONNREFUSED')
AP_ERR_MSG_TYPE = (-1765328344, 'KRB5KRB_AP_ERR_MSG_TYPE')


class Kadmind:
    """
    MIT kadmind for one realm of a krbtest.KDC, serving kpasswd and kadmin
    on loopback ports of its own (kpasswd_listen, kadmind_listen in the
    realm's kdc.conf stanza).  Construct before the KDC starts or after,
    start(), stop() always.
    """

    def __init__(self, kdc, realm):
        self.kdc = kdc
        self.realm = realm
        self.port = krbtest.free_port()
        admin_port = krbtest.free_port()
        self.log_path = os.path.join(kdc.dir, 'kadmind-%s.log' % realm)
        self.proc = None
        with open(kdc.kdc_conf) as f:
            text = f.read()
        stanza = '    %s = {\n' % realm
        if stanza not in text:
            raise krbtest.FixtureError('no stanza for %s in kdc.conf' % realm)
        text = text.replace(stanza, stanza + ''.join(
            '        %s\n' % line for line in (
                'kpasswd_port = %d' % self.port,
                'kpasswd_listen = %s:%d' % (krbtest.LOOPBACK, self.port),
                'kadmind_port = %d' % admin_port,
                'kadmind_listen = %s:%d' % (krbtest.LOOPBACK, admin_port))))
        text = text.replace('[logging]\n', '[logging]\n    admin_server = '
                            'FILE:%s\n' % self.log_path, 1)
        with open(kdc.kdc_conf, 'w') as f:
            f.write(text)

    def start(self, timeout=20):
        argv = [krbtest._which('kadmind'), '-nofork', '-r', self.realm,
                '-P', os.path.join(self.kdc.dir, 'kadmind-%s.pid'
                                   % self.realm)]
        self.proc = subprocess.Popen(argv, env=self.kdc.env(),
                                     stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise krbtest.FixtureError('kadmind exited with %d: %s' % (
                    self.proc.returncode, self.log()[-2000:]))
            if re.search(r'\bstarting\b', self.log().split(
                    'setting up network', 1)[-1]):
                return
            time.sleep(0.05)
        self.stop()
        raise krbtest.FixtureError('kadmind did not start: ' + self.log())

    def log(self):
        try:
            with open(self.log_path, 'rb') as f:
                return f.read().decode('utf-8', 'replace')
        except FileNotFoundError:
            return ''

    def stop(self):
        if self.proc is not None:
            krbtest.terminate(self.proc, 10)
            self.proc = None


class JunkServer:
    """A UDP port on 127.0.0.1 that answers every datagram with b'hello'."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((krbtest.LOOPBACK, 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopping.is_set():
            try:
                data, peer = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            self.received.append(data)
            try:
                self.sock.sendto(b'hello', peer)
            except OSError:
                pass

    def close(self):
        self.stopping.set()
        self.thread.join(5)
        self.sock.close()


def kpasswd_series(samples, realm):
    """{target: success} of the realm's kpasswd probes."""
    return {d['target']: v for d, v in select(
        samples, 'krb5_probe_success', realm=realm, probe='kpasswd')}


def kvno(kdc, principal, realm):
    out = kdc.kadmin('getprinc ' + principal, realm=realm)
    return re.search(r'vno (\d+)', out).group(1), \
        re.search(r'Last password change: (.*)', out).group(1)


class KpasswdTest(krbtest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kdc = kdc = krbtest.KDC((REALM, PLAIN, NOSRV))
        cls.addClassCleanup(kdc.cleanup)
        cls.keytabs = kdc.add_monitoring(services=())
        cls.kadmind = Kadmind(kdc, REALM)
        kdc.start()
        cls.addClassCleanup(cls.kadmind.stop)
        cls.kadmind.start()

    def realm(self, realm, kpasswd=None, transport='udp', timeout=3.0):
        extra = ''
        if kpasswd is not None:
            extra = 'kpasswd = ( %s );' % ', '.join('"%s"' % k
                                                  for k in kpasswd)
        return krbtest.realm_config(
            realm, ['127.0.0.1:%d' % self.kdc.port], 'krbmon@' + realm,
            keytab=self.keytabs[realm], transport=transport,
            timeout=timeout, extra=extra)

    def test_kadmind_closed_and_silent_over_udp_and_tcp(self):
        silent = krbtest.SilentKDC()
        self.addCleanup(silent.close)
        good, hush, closed = (self.kadmind.port, silent.port,
                              krbtest.closed_port())
        before = kvno(self.kdc, 'krbmon', REALM)
        exp = self.start_exporter(krbtest.config_text([self.realm(
            REALM, ['127.0.0.1:%d' % p for p in (good, hush, closed)],
            transport='both', timeout=3.0)]))
        start = time.monotonic()
        samples, text = exp.scrape()
        elapsed = time.monotonic() - start
        expected = {}
        for proto in ('udp', 'tcp'):
            for port, up in ((good, 1.0), (hush, 0.0), (closed, 0.0)):
                expected['%s/127.0.0.1:%d' % (proto, port)] = up
        self.assertEqual(kpasswd_series(samples, REALM), expected)
        for proto in ('udp', 'tcp'):
            with self.subTest(proto=proto):
                target = proto + '/127.0.0.1:%d'
                self.assertProbeSucceeds(samples, REALM, 'kpasswd',
                                         target % good)
                took = value(samples, 'krb5_probe_duration_seconds',
                             realm=REALM, probe='kpasswd',
                             target=target % good)
                self.assertGreater(took, 0)
                self.assertLess(took, 1.0)
                self.assertProbeFails(samples, REALM, 'kpasswd',
                                      target % hush, krbtest.ETIMEDOUT)
                self.assertProbeFails(samples, REALM, 'kpasswd',
                                      target % closed, ECONNREFUSED)
        # The silent server costs the realm its deadline once, beside the
        # other probes, which go on as ever.
        self.assertLess(elapsed, 3.0 + 1.0)
        self.assertProbeSucceeds(samples, REALM, 'tgt', 'krbmon@' + REALM)
        self.assertEqual(value(samples, 'krb5_probe_errors_total',
                               realm=REALM, probe='kpasswd',
                               name='ETIMEDOUT'), 2.0)
        self.assertEqual(value(samples, 'krb5_probe_errors_total',
                               realm=REALM, probe='kpasswd',
                               name='ECONNREFUSED'), 2.0)
        # Nothing changed: the principal has the key it had, and kadmind
        # saw requests it could not authenticate.
        self.assertEqual(kvno(self.kdc, 'krbmon', REALM), before)
        self.assertNotIn('chpw request', self.kadmind.log().lower())
        checked = krbtest.promtool_check(text)
        if checked is not None:
            self.assertEqual(checked[0], 0, checked[1])

    def test_debug_page_names_the_result_code(self):
        exp = self.start_exporter(krbtest.config_text([self.realm(
            REALM, ['127.0.0.1:%d' % self.kadmind.port])]))
        status, _, page = exp.get('/probe?realm=%s&debug=true' % REALM)
        self.assertEqual(status, 200)
        self.assertRegex(page, r'kpasswd: udp/127\.0\.0\.1:%d: kpasswd reply '
                         r'\(version 0x0001\) after [0-9.]+ s: KRB-ERROR '
                         r'KRB5KRB_ERR_GENERIC of realm %s, result 3 '
                         r'KRB5_KPASSWD_AUTHERROR "Failed reading application '
                         r'request"' % (self.kadmind.port, re.escape(REALM)))

    def test_no_kpasswd_for_listed_kdcs_without_kpasswd(self):
        exp = self.start_exporter(krbtest.config_text([self.realm(PLAIN)]))
        samples, _ = exp.scrape()
        self.assertEqual(kpasswd_series(samples, PLAIN), {})
        self.assertProbeSucceeds(samples, PLAIN, 'tgt', 'krbmon@' + PLAIN)

    def test_junk_and_a_kdc_are_not_kpasswd(self):
        junk = JunkServer()
        self.addCleanup(junk.close)
        exp = self.start_exporter(krbtest.config_text([self.realm(
            PLAIN, ['127.0.0.1:%d' % junk.port,
                    '127.0.0.1:%d' % self.kdc.port])]))
        samples, _ = exp.scrape()
        self.assertEqual(junk.received, [b'\x00\x08\x00\x01\x00\x00\x75\x00'])
        self.assertProbeFails(samples, PLAIN, 'kpasswd',
                              'udp/127.0.0.1:%d' % junk.port, AP_ERR_MSG_TYPE)
        # krb5kdc on port 88 says nothing to a kpasswd message, so a
        # kpasswd entry that names the KDC's port fails rather than
        # passing for a kpasswd server.
        self.assertProbeFails(samples, PLAIN, 'kpasswd',
                              'udp/127.0.0.1:%d' % self.kdc.port,
                              krbtest.ETIMEDOUT)

    def test_srv_records(self):
        kpw, kdc = self.kadmind.port, self.kdc.port
        dns = dnstest.DNSServer(
            srv=[('_kerberos._udp.' + REALM, KDC_HOST, kdc, 0, 0),
                 ('_kpasswd._udp.' + REALM, KPW_HOST, kpw, 0, 0),
                 ('_kpasswd._tcp.' + REALM, KPW_HOST, kpw, 0, 0),
                 ('_kerberos._udp.' + NOSRV, KDC_HOST, kdc, 0, 0)],
            hosts=[(KDC_HOST, krbtest.LOOPBACK),
                   (KPW_HOST, krbtest.LOOPBACK)])
        self.addCleanup(dns.cleanup)
        dns.start()
        groups = []
        for realm in (REALM, NOSRV):
            groups.append('\n'.join([
                '  { realm = "%s";' % realm,
                '    transport = "both";',
                '    timeout = 3.0;',
                '    client = { principal = "krbmon@%s"; keytab = "%s"; };'
                % (realm, self.keytabs[realm]),
                '  }']))
        exp = self.start_exporter(dnstest.config_text(
            groups, dns=dnstest.dns_config([dns.server])))
        samples, _ = exp.scrape()
        self.assertEqual(kpasswd_series(samples, REALM), {
            'udp/%s:%d' % (KPW_HOST, kpw): 1.0,
            'tcp/%s:%d' % (KPW_HOST, kpw): 1.0})
        self.assertProbeSucceeds(samples, REALM, 'tgt', 'krbmon@' + REALM)
        # No _kpasswd records: no kpasswd probe, and the rest as ever.
        self.assertEqual(kpasswd_series(samples, NOSRV), {})
        self.assertProbeSucceeds(samples, NOSRV, 'tgt', 'krbmon@' + NOSRV)


if __name__ == '__main__':
    krbtest.main()
