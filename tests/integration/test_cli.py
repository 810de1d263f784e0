"""
The command line: --check-config on good and broken configs, the file
modes the exporter insists on, --once exit status and output, --version.
"""

import os
import re

import krbtest
from krbtest import run_exporter

REALM = 'CLI.TEST'
LOCKED = 'LOCKED.CLI.TEST'


class CliTest(krbtest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kdc = kdc = krbtest.KDC((REALM, LOCKED))
        cls.addClassCleanup(kdc.cleanup)
        cls.keytabs = kdc.add_monitoring()
        kdc.modprinc('krbmon@' + LOCKED, '-allow_tix')
        kdc.start()
        cls.kdcs = ['127.0.0.1:%d' % kdc.port]

    def setUp(self):
        self.dir = self.make_workdir()

    def realm(self, realm, **kw):
        kw.setdefault('keytab', self.keytabs[realm])
        return krbtest.realm_config(realm, self.kdcs, 'krbmon@' + realm,
                                    services=('HTTP/www.example.com',), **kw)

    def write_config(self, text, mode=0o600, name='krb5_exporter.conf'):
        path = krbtest.write_private(os.path.join(self.dir, name), text)
        os.chmod(path, mode)
        return path

    def run_cli(self, *args):
        return run_exporter(list(args), self.dir)

    def test_check_config_good(self):
        path = self.write_config(krbtest.config_text([self.realm(REALM)]))
        r = self.run_cli('--config.file=' + path, '--check-config')
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn('configuration OK', r.stdout + r.stderr)

    def test_check_config_typo(self):
        text = krbtest.config_text([self.realm(REALM, extra='timout = 3.0;')])
        line = text.splitlines().index('    timout = 3.0;') + 1
        path = self.write_config(text)
        r = self.run_cli('--config.file=' + path, '--check-config')
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 1, out)
        self.assertNotIn('configuration OK', out)
        self.assertRegex(out, re.escape('%s:%d:' % (path, line)))
        self.assertIn('timout', out)

    def test_check_config_reports_every_problem(self):
        text = krbtest.config_text([
            self.realm(REALM, transport='carrier-pigeon'),
            self.realm(LOCKED, timeout=-1)])
        lines = text.splitlines()
        path = self.write_config(text)
        r = self.run_cli('--config.file=' + path, '--check-config')
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 1, out)
        for needle in ('carrier-pigeon', 'timeout = -1.0'):
            n = next(i for i, l in enumerate(lines) if needle in l) + 1
            self.assertIn('%s:%d:' % (path, n), out)

    def test_config_mode_0644_refused(self):
        path = self.write_config(krbtest.config_text([self.realm(REALM)]),
                                 mode=0o644)
        for mode_args in (['--check-config'], ['--once']):
            with self.subTest(args=mode_args):
                r = self.run_cli('--config.file=' + path, *mode_args)
                self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
                self.assertIn(path, r.stdout + r.stderr)
                self.assertNotIn('configuration OK', r.stdout)

    def test_secret_file_modes_refused(self):
        keytab = os.path.join(self.dir, 'open.keytab')
        with open(self.keytabs[REALM], 'rb') as src, open(keytab, 'wb') as dst:
            dst.write(src.read())
        pwfile = krbtest.write_private(os.path.join(self.dir, 'open.pw'),
                                       'whatever\n')
        for what, realm_kw, victim in (
                ('keytab', {'keytab': keytab}, keytab),
                ('password file', {'keytab': None, 'password_file': pwfile},
                 pwfile)):
            for mode in (0o640, 0o604):
                with self.subTest(what=what, mode=oct(mode)):
                    os.chmod(victim, mode)
                    path = self.write_config(krbtest.config_text(
                        [self.realm(REALM, **realm_kw)]))
                    r = self.run_cli('--config.file=' + path, '--check-config')
                    out = r.stdout + r.stderr
                    self.assertEqual(r.returncode, 1, out)
                    self.assertIn(victim, out)

    def test_once_healthy(self):
        path = self.write_config(krbtest.config_text([self.realm(REALM)]))
        r = self.run_cli('--config.file=' + path, '--once')
        self.assertEqual(r.returncode, 0, r.stderr)
        samples = krbtest.parse_exposition(r.stdout)
        self.assertProbeSucceeds(samples, REALM, 'tgt', 'krbmon@' + REALM)
        self.assertProbeSucceeds(samples, REALM, 'service',
                                 'HTTP/www.example.com@' + REALM)
        self.assertIn(REALM, r.stderr)

    def test_once_revoked(self):
        path = self.write_config(krbtest.config_text([self.realm(REALM),
                                                      self.realm(LOCKED)]))
        r = self.run_cli('--config.file=' + path, '--once')
        self.assertEqual(r.returncode, 1, r.stderr)
        samples = krbtest.parse_exposition(r.stdout)
        self.assertProbeSucceeds(samples, REALM, 'tgt', 'krbmon@' + REALM)
        self.assertProbeFails(samples, LOCKED, 'tgt', 'krbmon@' + LOCKED,
                              krbtest.KDC_ERR_CLIENT_REVOKED)
        # The human summary names the failure.
        self.assertIn('KRB5KDC_ERR_CLIENT_REVOKED', r.stderr)

    def test_version(self):
        r = self.run_cli('--version')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(krbtest.expected_version(), r.stdout + r.stderr)

    def test_unknown_flag(self):
        r = self.run_cli('--no-such-flag')
        self.assertNotEqual(r.returncode, 0)


if __name__ == '__main__':
    krbtest.main()
