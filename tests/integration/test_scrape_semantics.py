#!/usr/bin/env python3
"""
Scrape semantics at scale, against real KDCs on loopback: the multi-target
/probe endpoint and its debug page, the lockout guard, coalescing of
concurrent scrapes, reload, graceful SIGTERM, and no pile-up of threads,
descriptors or memory when a realm never answers.
"""
import os
import re
import signal
import threading
import time

import krbtest
from krbtest import select, value

REALM = 'SEMANTICS.TEST'
OTHER = 'OTHER.TEST'
SERVICE = 'HTTP/www.example.com'
PASSWORD = 'Kn0wn-Pa55word-For-The-Debug-Page'




class ScrapeSemanticsTest(krbtest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.kdc = krbtest.KDC((REALM, OTHER))
        try:
            for realm in (REALM, OTHER):
                cls.kdc.addprinc('krbmon', realm=realm, requires_preauth=True)
                cls.kdc.addprinc(SERVICE, realm=realm)
            cls.keytab = cls.kdc.ktadd('krbmon@' + REALM)
            cls.other_keytab = cls.kdc.ktadd('krbmon@' + OTHER,
                                             keytab=os.path.join(
                                                 cls.kdc.dir, 'other.kt'))
            cls.kdc.addprinc('pwmon', password=PASSWORD,
                             requires_preauth=True)
            cls.kdc.start()
        except BaseException:
            cls.kdc.cleanup()
            raise
        cls.kdcs = ['127.0.0.1:%d' % cls.kdc.port]

    @classmethod
    def tearDownClass(cls):
        cls.kdc.cleanup()

    def kdc_log(self):
        return self.kdc._log_since(0)

    def two_realm_config(self, extra=''):
        return krbtest.config_text([
            krbtest.realm_config(REALM, self.kdcs, 'krbmon@' + REALM,
                                 keytab=self.keytab, services=(SERVICE,),
                                 extra=extra),
            krbtest.realm_config(OTHER, self.kdcs, 'krbmon@' + OTHER,
                                 keytab=self.other_keytab,
                                 services=(SERVICE,))])

    # --- /probe ----------------------------------------------------------

    def test_probe_returns_one_realm_only(self):
        exp = self.start_exporter(self.two_realm_config())
        status, hdrs, body = exp.get('/probe?realm=' + OTHER)
        self.assertEqual(status, 200, body)
        self.assertEqual(hdrs['Content-Type'],
                         'text/plain; version=0.0.4; charset=utf-8')
        samples = krbtest.parse_exposition(body)
        realms = {dict(labels).get('realm') for (_, labels) in samples}
        self.assertEqual(realms - {None}, {OTHER})
        self.assertProbeSucceeds(samples, OTHER, 'tgt', 'krbmon@' + OTHER)
        self.assertEqual(value(samples, 'krb5_service_ticket_kvno',
                               realm=OTHER,
                               principal=SERVICE + '@' + OTHER), 1.0)
        # The exporter's own metrics stay on /metrics.
        self.assertFalse([n for (n, _) in samples
                          if n.startswith('krb5_exporter_')])
        samples, _ = exp.scrape()
        self.assertTrue(select(samples, 'krb5_exporter_build_info'))
        result = krbtest.promtool_check(body)
        if result is not None:
            self.assertEqual(result[0], 0, result[1])

    def test_probe_rejects_bad_queries(self):
        exp = self.start_exporter(self.two_realm_config())
        cases = [('/probe?realm=NOT.CONFIGURED', 'unknown realm'),
                 ('/probe?realm=%3Cscript%3E', 'unknown realm'),
                 ('/probe', 'missing realm'),
                 ('/probe?realm=', 'missing realm'),
                 ('/probe?realm=%s&debug=maybe' % REALM,
                  'debug must be true or false')]
        for path, reason in cases:
            status, _, body = exp.get(path)
            self.assertEqual(status, 400, path)
            self.assertIn(reason, body)
            # One line, and nothing from the query string echoed back.
            self.assertEqual(body.count('\n'), 1, body)
            self.assertNotIn('NOT.CONFIGURED', body)
            self.assertNotIn('<script>', body)
        before = len(re.findall(r'AS_REQ', self.kdc_log()))
        exp.get('/probe?realm=NOT.CONFIGURED')
        self.assertEqual(len(re.findall(r'AS_REQ', self.kdc_log())), before)

    def test_debug_page(self):
        pw = self.kdc.password_file(PASSWORD, name='debugpage')
        config = krbtest.config_text([
            krbtest.realm_config(REALM, self.kdcs, 'pwmon@' + REALM,
                                 password_file=pw,
                                 services=(SERVICE, 'HTTP/nope.example.com'))])
        exp = self.start_exporter(config)
        status, hdrs, body = exp.get('/probe?realm=%s&debug=true' % REALM)
        self.assertEqual(status, 200, body)
        self.assertEqual(hdrs['Content-Type'], 'text/plain; charset=utf-8')
        for part in ('== Steps', '== Outcome ==', '== Errors ==',
                     '== Metrics ==', 'tgt: AS exchange for pwmon@' + REALM,
                     'kdc: udp/127.0.0.1:%d' % self.kdc.port,
                     'answered by udp/127.0.0.1:%d' % self.kdc.port,
                     'krb5: ', 'service: issued %s@%s, kvno 1'
                     % (SERVICE, REALM),
                     'name:    KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN',
                     'code:    -1765328377', 'cause:', 'fix:',
                     'krb5_probe_success{realm="%s",probe="tgt"' % REALM):
            self.assertIn(part, body)
        # Steps carry their time and come in order.
        self.assertRegex(body, r'\n  \+\d+\.\d{3}s  ')
        self.assertLess(body.index('discovery'), body.index('tgt: AS'))
        self.assertLess(body.index('tgt: AS'), body.index('service: issued'))
        # No password, no key material.
        self.assertNotIn(PASSWORD, body)
        self.assertNotRegex(body, r'aes\d+-cts[a-z0-9-]*/[0-9A-F]{4}\b')
        # Nor the encrypted timestamp, which would let a password be
        # guessed offline: no long hex blobs at all.
        steps = body.split('== Outcome ==')[0]
        self.assertIn('Encrypted timestamp', steps)
        self.assertNotRegex(steps, r'\b[0-9A-Fa-f]{16,}\b')
        self.assertNotIn(PASSWORD, exp.stderr())

    def debug_probe(self, exp, client):
        status, _, body = exp.get('/probe?realm=%s&debug=true' % REALM)
        self.assertEqual(status, 200, body)
        self.assertIn('krb5_probe_success{realm="%s",probe="tgt",'
                      'target="%s"} 1' % (REALM, client), body)
        self.assertIn('service: issued %s@%s' % (SERVICE, REALM), body)
        return body

    def test_context_kept_between_probes(self):
        made, kept = 'krb5 context: made new', 'krb5 context: the one kept'
        client = 'rotmon@' + REALM
        self.kdc.addprinc('rotmon', requires_preauth=True)
        keytab = self.kdc.ktadd(client)
        def config(kdcs, clockskew=''):
            return krbtest.config_text([
                krbtest.realm_config(REALM, kdcs, client, keytab=keytab,
                                     services=(SERVICE,), extra=clockskew)])
        exp = self.start_exporter(config(self.kdcs))
        self.assertIn(made, self.debug_probe(exp, client))
        # The next probe, traced or not, takes the context the last left.
        samples, _ = exp.scrape()
        self.assertProbeSucceeds(samples, REALM, 'tgt', client)
        body = self.debug_probe(exp, client)
        self.assertIn(kept, body)
        self.assertNotIn(made, body)
        # Another KDC list, after a reload: a new context that uses it.
        closed = krbtest.closed_port()
        krbtest.write_private(exp.config_path, config(
            ['127.0.0.1:%d' % closed] + self.kdcs))
        status, _, reply = exp.request('POST', '/-/reload')
        self.assertEqual(status, 200, reply)
        body = self.debug_probe(exp, client)
        self.assertIn(made, body)
        self.assertIn('udp/127.0.0.1:%d' % closed, body)
        self.assertIn(kept, self.debug_probe(exp, client))
        # Another clockskew is another profile, so another context.
        krbtest.write_private(exp.config_path, config(
            self.kdcs, clockskew='clockskew = 200;'))
        status, _, reply = exp.request('POST', '/-/reload')
        self.assertEqual(status, 200, reply)
        self.assertIn(made, self.debug_probe(exp, client))
        # New client keys reach the kept context at once: the keytab is
        # read per probe, not kept with the context.
        self.kdc.cpw('rotmon')
        self.kdc.ktadd(client, keytab=keytab)
        self.assertIn(kept, self.debug_probe(exp, client))

    # --- lockout guard ---------------------------------------------------

    def test_lockout_guard(self):
        self.kdc.addprinc('lockme', password=PASSWORD, requires_preauth=True)
        pw = self.kdc.password_file('not-the-password', name='lockme')
        config = krbtest.config_text([
            krbtest.realm_config(REALM, self.kdcs, 'lockme@' + REALM,
                                 password_file=pw, services=(SERVICE,))])
        exp = self.start_exporter(config)
        for _ in range(10):
            samples, _ = exp.scrape()
            self.assertProbeFails(samples, REALM, 'tgt', 'lockme@' + REALM,
                                  krbtest.KDC_ERR_PREAUTH_FAILED)
            self.assertProbeFails(samples, REALM, 'service',
                                  SERVICE + '@' + REALM,
                                  krbtest.KDC_ERR_PREAUTH_FAILED)
        failed = [l for l in self.kdc_log().splitlines()
                  if 'PREAUTH_FAILED' in l and 'lockme@' + REALM in l]
        self.assertEqual(len(failed), 1, '\n'.join(failed))
        left = value(samples, 'krb5_probe_backoff_seconds', realm=REALM)
        self.assertGreater(left, 250)
        self.assertLessEqual(left, 300)
        code, name = krbtest.KDC_ERR_PREAUTH_FAILED
        self.assertEqual(value(samples, 'krb5_probe_errors_total', realm=REALM,
                               probe='tgt', code=str(code), name=name), 1.0)
        # Reachability goes on during the backoff.
        self.assertEqual(value(samples, 'krb5_probe_success', realm=REALM,
                               probe='kdc',
                               target='udp/127.0.0.1:%d' % self.kdc.port), 1.0)
        # A corrected password file ends the backoff at once.
        krbtest.write_private(pw, PASSWORD + '\n')
        samples, _ = exp.scrape()
        self.assertProbeSucceeds(samples, REALM, 'tgt', 'lockme@' + REALM)
        self.assertEqual(value(samples, 'krb5_probe_backoff_seconds',
                               realm=REALM), 0.0)

    # --- coalescing ------------------------------------------------------

    def test_concurrent_scrapes_share_one_probe(self):
        # A silent KDC listed first makes every probe take a while, so that
        # the 20 scrapes really overlap.
        silent = krbtest.SilentKDC()
        self.addCleanup(silent.close)
        self.kdc.addprinc('coalesce', requires_preauth=True)
        keytab = self.kdc.ktadd('coalesce')
        config = krbtest.config_text([
            krbtest.realm_config(REALM, ['127.0.0.1:%d' % silent.port]
                                 + self.kdcs, 'coalesce@' + REALM,
                                 keytab=keytab, services=(SERVICE,),
                                 timeout=3)])
        exp = self.start_exporter(config)
        issued = lambda: len([l for l in self.kdc_log().splitlines()
                              if 'AS_REQ' in l and 'ISSUE' in l
                              and 'coalesce@' + REALM in l])
        before = issued()
        results = []

        def scrape():
            results.append(exp.get('/metrics', timeout=20))

        threads = [threading.Thread(target=scrape) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(len(results), 20)
        for status, _, body in results:
            self.assertEqual(status, 200, body)
            self.assertProbeSucceeds(krbtest.parse_exposition(body), REALM,
                                     'tgt', 'coalesce@' + REALM)
        self.assertEqual(issued() - before, 1)
        # No cache beyond the probe in flight: the next scrape probes again.
        exp.scrape()
        self.assertEqual(issued() - before, 2)

    # --- reload and lifecycle --------------------------------------------

    def test_reload(self):
        one = krbtest.config_text([
            krbtest.realm_config(REALM, self.kdcs, 'krbmon@' + REALM,
                                 keytab=self.keytab, services=(SERVICE,))])
        exp = self.start_exporter(one)
        status, _, _ = exp.get('/-/ready')
        self.assertEqual(status, 200)
        samples, _ = exp.scrape()
        self.assertEqual(value(samples,
                               'krb5_exporter_config_last_reload_successful'),
                         1.0)
        first = value(samples, 'krb5_exporter_config_last_reload_success_'
                      'timestamp_seconds')
        # A bad config is refused; the old one keeps serving.
        krbtest.write_private(exp.config_path, one.replace('timeout',
                                                           'timout'))
        status, _, body = exp.request('POST', '/-/reload')
        self.assertEqual(status, 500)
        self.assertIn('unknown key "timout"', body)
        self.assertIn('previous one stays in force', body)
        # logfmt quotes the message and escapes its quotes.
        self.assertIn('unknown key \\"timout\\"', exp.stderr())
        samples, _ = exp.scrape()
        self.assertEqual(value(samples,
                               'krb5_exporter_config_last_reload_successful'),
                         0.0)
        self.assertProbeSucceeds(samples, REALM, 'tgt', 'krbmon@' + REALM)
        # GET does not reload.
        status, hdrs, _ = exp.get('/-/reload')
        self.assertEqual(status, 405)
        self.assertEqual(hdrs['Allow'], 'POST')
        # SIGHUP with a good config with a second realm.
        time.sleep(1.1)
        krbtest.write_private(exp.config_path, self.two_realm_config())
        exp.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            samples, _ = exp.scrape()
            if select(samples, 'krb5_probe_success', realm=OTHER):
                break
            time.sleep(0.1)
        self.assertProbeSucceeds(samples, OTHER, 'tgt', 'krbmon@' + OTHER)
        self.assertEqual(value(samples,
                               'krb5_exporter_config_last_reload_successful'),
                         1.0)
        self.assertGreater(value(samples, 'krb5_exporter_config_last_reload_'
                                 'success_timestamp_seconds'), first)

    def test_sigterm_finishes_requests_in_flight(self):
        silent = krbtest.SilentKDC()
        self.addCleanup(silent.close)
        config = krbtest.config_text([
            krbtest.realm_config(REALM, ['127.0.0.1:%d' % silent.port],
                                 'krbmon@' + REALM, keytab=self.keytab,
                                 timeout=2)])
        exp = self.start_exporter(config)
        results = []
        t = threading.Thread(target=lambda: results.append(
            exp.get('/metrics', timeout=20)))
        t.start()
        time.sleep(0.5)
        exp.proc.send_signal(signal.SIGTERM)
        t.join(20)
        self.assertEqual(len(results), 1)
        status, _, body = results[0]
        self.assertEqual(status, 200)
        self.assertIn('krb5_probe_success{realm="%s",probe="tgt"' % REALM,
                      body)
        self.assertEqual(exp.proc.wait(15), 0)

    # --- no pile-up ------------------------------------------------------

    def test_silent_realm_200_scrapes(self):
        silent = krbtest.SilentKDC()
        self.addCleanup(silent.close)
        config = krbtest.config_text([
            krbtest.realm_config(REALM, ['127.0.0.1:%d' % silent.port],
                                 'krbmon@' + REALM, keytab=self.keytab,
                                 services=(SERVICE,), transport='both',
                                 timeout=0.1)])
        with krbtest.asan_quarantine(1):
            exp = self.start_exporter(config)
        for _ in range(20):
            exp.scrape()
        threads0, fds0, rss0 = krbtest.proc_status(exp.proc.pid)
        for _ in range(200):
            samples, _ = exp.scrape()
        threads1, fds1, rss1 = krbtest.proc_status(exp.proc.pid)
        print('silent realm, 200 scrapes: threads %d -> %d, fds %d -> %d, '
              'RSS %d -> %d KiB' % (threads0, threads1, fds0, fds1, rss0,
                                    rss1))
        self.assertProbeFails(samples, REALM, 'kdc',
                              'udp/127.0.0.1:%d' % silent.port,
                              (110, 'ETIMEDOUT'))
        # At most the probe of this very scrape, still being wound up.
        self.assertLessEqual(value(samples, 'krb5_exporter_probes_in_flight'),
                             1.0)
        # Workers are a fixed pool; abandoned work holds nothing.
        self.assertLessEqual(threads1, threads0 + 2)
        self.assertLessEqual(fds1, fds0 + 4)
        # A leak of even one buffer per scrape would show over 200 scrapes
        # under the sanitizer's allocator; noise stays well below this.
        self.assertLess(rss1 - rss0, 16 * 1024)


if __name__ == '__main__':
    krbtest.main()
