"""
The HTTP surface: routes, methods, status codes, the content type of
/metrics, the scrape-timeout header, the landing page, and exposition that
promtool accepts with every family written in one piece.
"""

import http.client
import re

import krbtest
from krbtest import select

REALM = 'HTTP.TEST'
BAD = 'BROKEN.HTTP.TEST'


class HttpTest(krbtest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kdc = kdc = krbtest.KDC((REALM, BAD))
        cls.addClassCleanup(kdc.cleanup)
        keytabs = kdc.add_monitoring()
        kdc.modprinc('krbmon@' + BAD, '-allow_tix')
        kdc.start()
        kdcs = ['127.0.0.1:%d' % kdc.port]
        cls.config = krbtest.config_text([
            krbtest.realm_config(realm, kdcs, 'krbmon@' + realm,
                                 keytab=keytabs[realm],
                                 services=('HTTP/www.example.com',))
            for realm in kdc.realms])

    def setUp(self):
        self.exp = self.start_exporter(self.config)

    def raw(self, method, path, headers=None):
        conn = http.client.HTTPConnection(krbtest.LOOPBACK, self.exp.port,
                                          timeout=30)
        try:
            conn.request(method, path, headers=headers or {})
            r = conn.getresponse()
            return r.status, r.getheaders(), r.read()
        finally:
            conn.close()

    def test_metrics(self):
        status, headers, body = self.exp.get('/metrics')
        self.assertEqual(status, 200)
        ctype = headers['Content-Type'].replace(' ', '').lower()
        self.assertEqual(ctype, 'text/plain;version=0.0.4;charset=utf-8')
        samples = krbtest.parse_exposition(body)
        self.assertProbeSucceeds(samples, REALM, 'tgt', 'krbmon@' + REALM)
        self.assertProbeFails(samples, BAD, 'tgt', 'krbmon@' + BAD,
                              krbtest.KDC_ERR_CLIENT_REVOKED)

    def test_families_in_one_piece(self):
        _, _, body = self.exp.get('/metrics')
        seen_help, seen_type, finished = set(), set(), set()
        current = None
        for line in body.splitlines():
            m = re.match(r'# (HELP|TYPE) (\S+)', line)
            if m:
                kind, name = m.groups()
                seen = seen_help if kind == 'HELP' else seen_type
                self.assertNotIn(name, seen, '%s twice for %s' % (kind, name))
                seen.add(name)
                continue
            if not line or line.startswith('#'):
                continue
            name = re.match(r'[a-zA-Z_:][a-zA-Z0-9_:]*', line).group(0)
            family = name
            if name not in seen_type:
                family = re.sub(r'_(bucket|sum|count)$', '', name)
            self.assertIn(family, seen_type, 'no TYPE before ' + line)
            if family != current:
                self.assertNotIn(family, finished, 'family split: ' + family)
                if current:
                    finished.add(current)
                current = family

    def test_promtool(self):
        _, _, body = self.exp.get('/metrics')
        result = krbtest.promtool_check(body)
        if result is None:
            self.skipTest('promtool not installed')
        rc, out = result
        self.assertEqual(rc, 0, out)

    def test_head(self):
        status, _, body = self.raw('HEAD', '/metrics')
        self.assertEqual(status, 200)
        self.assertEqual(body, b'')

    def test_not_found(self):
        for path in ('/nope', '/metrics/extra', '/-/healthyx'):
            with self.subTest(path=path):
                status, _, _ = self.exp.get(path)
                self.assertEqual(status, 404)

    def test_method_not_allowed(self):
        for method in ('POST', 'PUT', 'DELETE'):
            with self.subTest(method=method):
                status, _, _ = self.raw(method, '/metrics')
                self.assertEqual(status, 405)

    def test_bad_scrape_timeout_header(self):
        for bad in ('abc', '5s', '1.2.3'):
            with self.subTest(header=bad):
                status, _, _ = self.exp.get(
                    '/metrics',
                    headers={'X-Prometheus-Scrape-Timeout-Seconds': bad})
                self.assertEqual(status, 400)

    def test_good_scrape_timeout_header(self):
        samples, _ = self.exp.scrape(
            headers={'X-Prometheus-Scrape-Timeout-Seconds': '9.5'})
        self.assertProbeSucceeds(samples, REALM, 'tgt', 'krbmon@' + REALM)

    def test_landing_page(self):
        status, headers, body = self.exp.get('/')
        self.assertEqual(status, 200)
        self.assertIn('text/html', headers['Content-Type'])
        self.assertIn('/metrics', body)
        for realm in (REALM, BAD):
            self.assertIn(realm, body)

    def test_healthy(self):
        status, _, _ = self.exp.get('/-/healthy')
        self.assertEqual(status, 200)

    def test_error_counter_after_two_scrapes(self):
        for _ in range(2):
            samples, _ = self.exp.scrape()
        code, name = krbtest.KDC_ERR_CLIENT_REVOKED
        # The second scrape does not present the revoked credentials again
        # (lockout guard), so the failure is counted once.
        self.assertEqual(krbtest.value(
            samples, 'krb5_probe_errors_total', realm=BAD, probe='tgt',
            code=str(code), name=name), 1.0)
        self.assertGreater(krbtest.value(
            samples, 'krb5_probe_backoff_seconds', realm=BAD), 0)
        self.assertEqual(select(samples, 'krb5_probe_errors_total',
                                realm=REALM), [])


if __name__ == '__main__':
    krbtest.main()
