"""
The fixtures checked on their own, without the exporter: the exposition
parser against a table of inputs, and the throwaway realm against the
ordinary MIT clients (kinit, kvno), so that a failure elsewhere can be
trusted to be the exporter's.
"""

import shutil
import socket
import subprocess
import time
import unittest

import krbtest
from krbtest import parse_exposition, ParseError


class ParserTest(unittest.TestCase):
    GOOD = [
        # (text, expected, why)
        ('a 1\n', {('a', frozenset()): 1.0}, 'bare sample'),
        ('# HELP a x\n# TYPE a gauge\na{} 2\n', {('a', frozenset()): 2.0},
         'comments skipped, empty label set'),
        ('a{x="1",y="2"} 3 1700000000000\n',
         {('a', frozenset({('x', '1'), ('y', '2')})): 3.0},
         'labels and a timestamp'),
        ('a{x="q\\"b\\\\s\\nn"} 1\n',
         {('a', frozenset({('x', 'q"b\\s\nn')})): 1.0},
         'escaped quote, backslash and newline in a label value'),
        ('a{x="{,}= "} 1\n', {('a', frozenset({('x', '{,}= ')})): 1.0},
         'syntax characters inside a label value'),
        ('a{x="1",} NaN\nb +Inf\nc -Inf\n', None,
         'trailing comma, NaN and infinities'),
        ('a{x="1"} 1\na{x="2"} 2\n',
         {('a', frozenset({('x', '1')})): 1.0,
          ('a', frozenset({('x', '2')})): 2.0}, 'two series of one family'),
    ]
    BAD = [
        ('a{x="1"} 1\na{x="1"} 2\n', 'series repeated'),
        ('a{x="1} 1\n', 'unterminated label value'),
        ('a{x="\\t"} 1\n', 'unknown escape'),
        ('a{x=1} 1\n', 'unquoted label value'),
        ('a{1x="1"} 1\n', 'bad label name'),
        ('a one\n', 'value not a number'),
        ('a\n', 'no value'),
        ('a{x="1"}1\n', 'no space before the value'),
        ('1a 1\n', 'bad metric name'),
        ('a{x="1",x="2"} 1\n', 'label twice'),
    ]

    def test_good(self):
        for text, expected, why in self.GOOD:
            with self.subTest(why=why):
                got = parse_exposition(text)
                if expected is None:
                    self.assertEqual(len(got), 3)
                    self.assertNotEqual(got[('a', frozenset({('x', '1')}))],
                                        got[('a', frozenset({('x', '1')}))])
                    self.assertEqual(got[('b', frozenset())], float('inf'))
                    self.assertEqual(got[('c', frozenset())], float('-inf'))
                else:
                    self.assertEqual(got, expected)

    def test_bad(self):
        for text, why in self.BAD:
            with self.subTest(why=why):
                with self.assertRaises(ParseError):
                    parse_exposition(text)

    def test_select(self):
        s = parse_exposition('m{a="1",b="x"} 1\nm{a="2",b="x"} 2\nn 3\n')
        self.assertEqual(krbtest.value(s, 'm', a='2'), 2.0)
        self.assertEqual(len(krbtest.select(s, 'm', b='x')), 2)
        with self.assertRaises(AssertionError):
            krbtest.value(s, 'm', b='x')


class RealmTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.kdc = krbtest.KDC(('FIX.TEST', 'OTHER.FIX.TEST'))
        cls.addClassCleanup(cls.kdc.cleanup)
        cls.pw = krbtest.random_password()
        kdc = cls.kdc
        kdc.addprinc('user', cls.pw)
        kdc.addprinc('krbmon')
        cls.keytab = kdc.ktadd('krbmon')
        kdc.addprinc('HTTP/www.fix.test')
        kdc.addprinc('host/rotated.fix.test')
        kdc.cpw('host/rotated.fix.test')
        kdc.addprinc('revoked@OTHER.FIX.TEST', cls.pw)
        kdc.modprinc('revoked@OTHER.FIX.TEST', '-allow_tix')
        kdc.start()

    def kvno(self, service):
        return subprocess.run(['kvno', service], env=self.kdc.env(),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=60)

    def test_password_and_keytab(self):
        self.assertEqual(self.kdc.kinit('user', self.pw)[0], 0)
        rc, out = self.kdc.kinit('user', 'not-' + self.pw)
        self.assertNotEqual(rc, 0)
        self.assertIn('Password incorrect', out)
        self.assertEqual(self.kdc.kinit('krbmon', keytab=self.keytab)[0], 0)

    def test_kvno(self):
        self.assertEqual(self.kdc.kinit('krbmon', keytab=self.keytab)[0], 0)
        r = self.kvno('HTTP/www.fix.test')
        self.assertIn('HTTP/www.fix.test@FIX.TEST: kvno = 1', r.stdout)
        r = self.kvno('host/rotated.fix.test')
        self.assertIn('kvno = 2', r.stdout)
        r = self.kvno('HTTP/nope.fix.test')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('not found in Kerberos database', r.stdout)

    def test_second_realm_revoked(self):
        rc, out = self.kdc.kinit('revoked@OTHER.FIX.TEST', self.pw)
        self.assertNotEqual(rc, 0)
        self.assertIn('revoked', out)

    def test_restart_under_prefix(self):
        # faketime runs krb5kdc as its child: after stop() nothing may be
        # left holding the port.  Without faketime, env(1) stands in.
        prefix = ('faketime', '-f', '+900s') if shutil.which('faketime') \
            else ('env',)
        self.kdc.restart(prefix=prefix)
        self.assertEqual(self.kdc.kinit('user', self.pw)[0], 0)
        self.kdc.stop()
        self.assertNotEqual(self.kdc.kinit('user', self.pw)[0], 0)
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind((krbtest.LOOPBACK, self.kdc.port))
        probe.close()
        self.kdc.start()
        self.assertEqual(self.kdc.kinit('user', self.pw)[0], 0)


class PortsTest(unittest.TestCase):
    def test_silent_kdc_never_answers(self):
        with krbtest.SilentKDC() as silent:
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.settimeout(0.5)
            u.sendto(b'x', (krbtest.LOOPBACK, silent.port))
            with self.assertRaises(socket.timeout):
                u.recv(100)
            u.close()
            t = socket.create_connection((krbtest.LOOPBACK, silent.port), 2)
            t.settimeout(0.5)
            t.sendall(b'\0\0\0\1x')
            start = time.monotonic()
            with self.assertRaises(socket.timeout):
                t.recv(100)
            self.assertGreaterEqual(time.monotonic() - start, 0.4)
            t.close()

    def test_closed_port_refuses(self):
        port = krbtest.closed_port()
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection((krbtest.LOOPBACK, port), 2)


if __name__ == '__main__':
    krbtest.main()
