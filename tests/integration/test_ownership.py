#!/usr/bin/env python3
"""
A probe owns everything it touches (issue 11).

- Ownership: a credentials file swapped for a FIFO after start must not
  leave a worker blocked in open() past the scrape that started it, and
  when that open does complete nothing may touch the (long gone) scrape's
  trace or stack: no crash, no sanitizer report, /metrics still answers.
  Run under ASan with detect_stack_use_after_return=1 (set here when the
  caller has not).
- Bounded files: a FIFO keytab or password file fails the tgt probe at
  once with EINVAL, a directory with EISDIR; the message names the file
  and says what it is; such local errors never reach the KDC, so they do
  not arm the lockout guard and the next probe with a good file succeeds.
- One lockout guard on every path: the debug page, /probe, /metrics and
  --once each present a wrong password once, and the debug page honours
  and arms the same guard as the rest.

Each test uses principals of its own, so the KDC log counts do not mix.
"""

import errno
import os
import re
import threading
import time

import krbtest
from krbtest import select, value

REALM = 'OWNERSHIP.TEST'
SERVICE = 'HTTP/www.example.com'
TIMEOUT = 4.0          # the realm's timeout, so the scrape deadline
AT_ONCE = TIMEOUT / 2  # "at once": well before that deadline

EINVAL = (errno.EINVAL, 'EINVAL')
EISDIR = (errno.EISDIR, 'EISDIR')

# The stack-use-after-return this file is about is found only with this.
_UAR = 'detect_stack_use_after_return=1'
if _UAR not in os.environ.get('ASAN_OPTIONS', ''):
    os.environ['ASAN_OPTIONS'] = ':'.join(
        o for o in (os.environ.get('ASAN_OPTIONS'), _UAR) if o)


def feed_fifo(path, seconds, data=b'x\n'):
    """
    For `seconds`, open the FIFO at path for writing without blocking,
    which succeeds only while some process has it open (or is blocked in
    open()) for reading, write a line and close, completing any such open.
    Returns how many opens succeeded.
    """
    fed = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as e:
            if e.errno not in (errno.ENXIO, errno.ENOENT):
                raise
        else:
            try:
                os.write(fd, data)
            except OSError:
                pass            # the reader went away: EPIPE, EAGAIN
            finally:
                os.close(fd)
            fed += 1
        time.sleep(0.02)
    return fed


def debug_metrics(body):
    """The exposition at the end of a debug page, parsed."""
    head, sep, metrics = body.partition('== Metrics ==\n')
    if not sep:
        raise AssertionError('no metrics section in the debug page:\n' + body)
    return krbtest.parse_exposition(metrics)


class OwnershipTest(krbtest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.kdc = kdc = krbtest.KDC(REALM)
        cls.addClassCleanup(kdc.cleanup)
        cls.password = krbtest.random_password()
        kdc.addprinc(SERVICE)
        kdc.start()
        cls.kdcs = ['127.0.0.1:%d' % kdc.port]

    # --- fixture helpers -------------------------------------------------

    def client(self, name, keytab=False, wrong=False):
        """
        A principal of this test's own, and its credentials file: a keytab,
        or a password file (with a wrong password when asked).  Returns
        (principal, path, good contents as bytes).
        """
        principal = self.kdc.qualify(name)
        if keytab:
            self.kdc.addprinc(principal)
            path = self.kdc.ktadd(principal)
        else:
            self.kdc.addprinc(principal, password=self.password)
            path = self.kdc.password_file(
                ('wrong-' if wrong else '') + self.password, name=name)
        with open(path, 'rb') as f:
            return principal, path, f.read()

    def exporter(self, principal, path, keytab=False, args=()):
        client = {'keytab': path} if keytab else {'password_file': path}
        config = krbtest.config_text([krbtest.realm_config(
            REALM, self.kdcs, principal, services=(SERVICE,),
            timeout=TIMEOUT, **client)])
        return self.start_exporter(config, args=args)

    def restore(self, path, contents):
        """Put a regular 0600 file with contents at path, atomically."""
        if os.path.isdir(path) and not os.path.islink(path):
            os.rmdir(path)
        tmp = path + '.restore'
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'wb') as f:
            f.write(contents)
        os.rename(tmp, path)

    def swap_for_fifo(self, path, contents):
        """
        Replace the file at path by a FIFO.  The FIFO keeps a second name,
        returned, so that it can be fed after path holds a regular file
        again; at cleanup (before the exporter stops) the good file goes
        back and the FIFO is fed, so that no exporter thread stays blocked
        on it whatever the exporter does.
        """
        fifo = path + '.fifo'
        os.mkfifo(fifo, 0o600)
        os.link(fifo, path + '.tmp')
        os.rename(path + '.tmp', path)

        def unblock():
            if not os.path.isfile(path):
                self.restore(path, contents)
            feed_fifo(fifo, 1.0)
        self.addCleanup(unblock)
        return fifo

    def swap_for_directory(self, path, contents):
        os.remove(path)
        os.mkdir(path, 0o700)

        def back():
            if not os.path.isfile(path):
                self.restore(path, contents)
        self.addCleanup(back)

    def debug_page(self, exp):
        status, _, body = exp.get('/probe?realm=%s&debug=true' % REALM)
        self.assertEqual(status, 200, body)
        return body

    def probe(self, exp):
        status, _, body = exp.get('/probe?realm=' + REALM)
        self.assertEqual(status, 200, body)
        return krbtest.parse_exposition(body)

    def preauth_failures(self, principal):
        """The KDC log's PREAUTH_FAILED lines for principal."""
        pattern = re.compile(r'PREAUTH_FAILED: %s for ' % re.escape(principal))
        return [l for l in self.kdc._log_since(0).splitlines()
                if pattern.search(l)]

    def assertAlive(self, exp, what):
        """The exporter still runs and its stderr has no sanitizer report."""
        krbtest.check_sanitizers(exp.stderr(), 'exporter stderr ' + what)
        self.assertIsNone(exp.proc.poll(),
                          'the exporter died %s (exit %s):\n%s'
                          % (what, exp.proc.returncode,
                             exp.stderr()[-6000:]))

    # --- 1. ownership: a FIFO's open completing after the scrape ---------

    def check_fifo_owned(self, name, keytab):
        principal, path, good = self.client(name, keytab=keytab)
        exp = self.exporter(principal, path, keytab=keytab)
        samples = self.probe(exp)
        self.assertProbeSucceeds(samples, REALM, 'tgt', principal)
        fifo = self.swap_for_fifo(path, good)
        self.debug_page(exp)
        # Complete any open() still blocked on the FIFO (a keytab may be
        # opened more than once), with a line for it to read, then give
        # whatever runs next time to run.
        fed = feed_fifo(fifo, 1.5, self.password.encode() + b'\n')
        time.sleep(0.5)
        self.assertAlive(exp, 'after the FIFO was fed (%d opens completed)'
                         % fed)
        status, _, body = exp.get('/metrics')
        self.assertEqual(status, 200, body)
        self.assertTrue(select(krbtest.parse_exposition(body),
                               'krb5_probe_success', realm=REALM,
                               probe='tgt'))
        feed_fifo(fifo, 0.5)
        self.assertAlive(exp, 'after /metrics with the FIFO in place')
        # With a regular file again the realm works as before.
        self.restore(path, good)
        samples, _ = exp.scrape()
        self.assertProbeSucceeds(samples, REALM, 'tgt', principal)
        self.assertAlive(exp, 'at the end')

    def test_password_file_fifo_owned(self):
        self.check_fifo_owned('ownpw', keytab=False)

    def test_keytab_fifo_owned(self):
        self.check_fifo_owned('ownkt', keytab=True)

    # --- 2. bounded files: not a regular file fails at once ---------------

    def check_not_regular(self, name, keytab, kind):
        principal, path, good = self.client(name, keytab=keytab)
        exp = self.exporter(principal, path, keytab=keytab)
        if kind == 'fifo':
            self.swap_for_fifo(path, good)
            code_name, word = EINVAL, r'\bFIFO\b'
        else:
            self.swap_for_directory(path, good)
            code_name, word = EISDIR, r'\bdirectory\b'
        # The debug page: at once, with errno, the file and what it is.
        started = time.monotonic()
        body = self.debug_page(exp)
        took = time.monotonic() - started
        samples = debug_metrics(body)
        self.assertProbeFails(samples, REALM, 'tgt', principal, code_name)
        self.assertLess(took, AT_ONCE, 'the debug page took %.2f s' % took)
        errors = body.partition('== Errors ==')[2]
        self.assertIn(path, errors)
        self.assertRegex(errors, re.compile(word, re.IGNORECASE))
        # A plain probe the same, and the lockout guard is not armed: the
        # error never reached the KDC.
        started = time.monotonic()
        samples = self.probe(exp)
        took = time.monotonic() - started
        self.assertProbeFails(samples, REALM, 'tgt', principal, code_name)
        self.assertLess(took, AT_ONCE, '/probe took %.2f s' % took)
        self.assertEqual(value(samples, 'krb5_probe_backoff_seconds',
                               realm=REALM), 0.0)
        # The good file back: the next probe succeeds.
        self.restore(path, good)
        samples = self.probe(exp)
        self.assertProbeSucceeds(samples, REALM, 'tgt', principal)
        self.assertEqual(value(samples, 'krb5_probe_backoff_seconds',
                               realm=REALM), 0.0)
        self.assertAlive(exp, 'at the end')

    def test_password_file_fifo_fails_at_once(self):
        self.check_not_regular('fifopw', keytab=False, kind='fifo')

    def test_password_file_directory_fails_at_once(self):
        self.check_not_regular('dirpw', keytab=False, kind='directory')

    def test_keytab_fifo_fails_at_once(self):
        self.check_not_regular('fifokt', keytab=True, kind='fifo')

    def test_keytab_directory_fails_at_once(self):
        self.check_not_regular('dirkt', keytab=True, kind='directory')

    # --- 3. one lockout guard on every path -------------------------------

    def test_one_probe_presents_the_password_once(self):
        # However libkrb5 would retry (another "primary" KDC, another round
        # of preauth), one probe is one failed logon.  Each path on an
        # exporter and a principal of its own.
        for name, path_of in (('oncemetrics', '/metrics'),
                              ('onceprobe', '/probe?realm=' + REALM),
                              ('oncedebug',
                               '/probe?realm=%s&debug=true' % REALM)):
            with self.subTest(path=path_of):
                principal, path, _ = self.client(name, wrong=True)
                exp = self.exporter(principal, path)
                status, _, body = exp.get(path_of)
                self.assertEqual(status, 200, body)
                samples = debug_metrics(body) if 'debug' in path_of \
                    else krbtest.parse_exposition(body)
                self.assertProbeFails(samples, REALM, 'tgt', principal,
                                      krbtest.KDC_ERR_PREAUTH_FAILED)
                failed = self.preauth_failures(principal)
                self.assertEqual(len(failed), 1, '\n'.join(failed))

    def test_debug_page_arms_the_guard(self):
        principal, path, _ = self.client('lockdebug', wrong=True)
        exp = self.exporter(principal, path)
        body = self.debug_page(exp)
        self.assertProbeFails(debug_metrics(body), REALM, 'tgt', principal,
                              krbtest.KDC_ERR_PREAUTH_FAILED)
        for _ in range(10):
            samples = self.probe(exp)
            self.assertProbeFails(samples, REALM, 'tgt', principal,
                                  krbtest.KDC_ERR_PREAUTH_FAILED)
        for _ in range(3):
            samples, _ = exp.scrape()
            self.assertProbeFails(samples, REALM, 'tgt', principal,
                                  krbtest.KDC_ERR_PREAUTH_FAILED)
        failed = self.preauth_failures(principal)
        self.assertEqual(len(failed), 1, '\n'.join(failed))
        self.assertGreater(value(samples, 'krb5_probe_backoff_seconds',
                                 realm=REALM), 0.0)

    def test_debug_page_honours_the_guard(self):
        principal, path, _ = self.client('lockprobe', wrong=True)
        exp = self.exporter(principal, path)
        samples = self.probe(exp)
        self.assertProbeFails(samples, REALM, 'tgt', principal,
                              krbtest.KDC_ERR_PREAUTH_FAILED)
        for _ in range(3):
            body = self.debug_page(exp)
            self.assertIn('lockout guard', body)
            self.assertIn('not presented', body)
            self.assertProbeFails(debug_metrics(body), REALM, 'tgt',
                                  principal, krbtest.KDC_ERR_PREAUTH_FAILED)
        failed = self.preauth_failures(principal)
        self.assertEqual(len(failed), 1, '\n'.join(failed))
        # A reload ends the backoff, for the debug page too.
        status, _, reply = exp.request('POST', '/-/reload')
        self.assertEqual(status, 200, reply)
        body = self.debug_page(exp)
        self.assertNotIn('not presented', body)
        failed = self.preauth_failures(principal)
        self.assertEqual(len(failed), 2, '\n'.join(failed))

    def test_once_presents_the_password_once(self):
        principal, path, _ = self.client('lockcli', wrong=True)
        workdir = self.make_workdir()
        config = krbtest.write_private(
            os.path.join(workdir, 'krb5_exporter.conf'),
            krbtest.config_text([krbtest.realm_config(
                REALM, self.kdcs, principal, password_file=path,
                services=(SERVICE,), timeout=TIMEOUT)]))
        r = krbtest.run_exporter(['--config.file=' + config, '--once'],
                                 workdir)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertProbeFails(krbtest.parse_exposition(r.stdout), REALM,
                              'tgt', principal,
                              krbtest.KDC_ERR_PREAUTH_FAILED)
        failed = self.preauth_failures(principal)
        self.assertEqual(len(failed), 1, '\n'.join(failed))


if __name__ == '__main__':
    krbtest.main()
