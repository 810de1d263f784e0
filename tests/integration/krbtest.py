"""
krbtest: throwaway Kerberos realms on loopback, and a krb5_exporter to point
at them, for the integration tests.  Standard library only.

A KDC object owns one temporary directory holding one kdc.conf, one
krb5.conf and one database per realm, and at most one krb5kdc process that
serves all of its realms on a single loopback port (UDP and TCP).  Principals
are made with kadmin.local, so no kadmind is needed.  Everything lives under
the temporary directory and goes away with KDC.cleanup().

An Exporter object owns one krb5_exporter process, its generated config
(mode 0600, as the exporter demands) and the files its output goes to.
Exporter.stop() fails loudly when the sanitizers reported anything.

Nothing here ever talks to anything but 127.0.0.1.
"""

import http.client
import contextlib
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

LOOPBACK = '127.0.0.1'

# Words that mean a sanitizer found a bug in the exporter.
SANITIZER_MARKERS = ('AddressSanitizer', 'LeakSanitizer', 'runtime error:')

# krb5 error codes the tests look for, with their symbolic names.
KDC_ERR_C_PRINCIPAL_UNKNOWN = (-1765328378, 'KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN')
KDC_ERR_S_PRINCIPAL_UNKNOWN = (-1765328377, 'KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN')
KDC_ERR_CLIENT_REVOKED = (-1765328366, 'KRB5KDC_ERR_CLIENT_REVOKED')
KDC_ERR_KEY_EXP = (-1765328361, 'KRB5KDC_ERR_KEY_EXP')
KDC_ERR_PREAUTH_FAILED = (-1765328360, 'KRB5KDC_ERR_PREAUTH_FAILED')
KDC_UNREACH = (-1765328228, 'KRB5_KDC_UNREACH')
ETIMEDOUT = (110, 'ETIMEDOUT')


class FixtureError(Exception):
    """A fixture could not be set up; the message says why."""


def _which(name):
    """Find an admin program, which Debian keeps in /usr/sbin."""
    path = shutil.which(name)
    if path is None:
        for d in ('/usr/sbin', '/usr/local/sbin', '/sbin'):
            if os.access(os.path.join(d, name), os.X_OK):
                return os.path.join(d, name)
        raise FixtureError('%s not found; is krb5-kdc installed?' % name)
    return path


def free_port(udp=True, tcp=True):
    """
    Return a loopback port that was free for every requested protocol a
    moment ago.  Binding port 0 lets the kernel pick; the same number must
    then also be free for the other protocol, so try until one is.
    """
    for _ in range(200):
        first = socket.socket(socket.AF_INET,
                              socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
        try:
            first.bind((LOOPBACK, 0))
            port = first.getsockname()[1]
            if tcp and udp:
                other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                try:
                    other.bind((LOOPBACK, port))
                except OSError:
                    continue
                finally:
                    other.close()
            return port
        finally:
            first.close()
    raise FixtureError('no free loopback port found')


def closed_port():
    """A loopback port that nothing listens on (UDP or TCP)."""
    return free_port()


def write_private(path, text):
    """Write a file that only its owner may read, as the exporter demands."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


def random_password():
    """A password that is easy to search for in output and never a word."""
    return 'Pw-' + secrets.token_hex(12)


def _group_alive(pgid):
    """
    Whether a process group still has a live (not zombie) member.  Orphans
    are reaped by whoever is PID 1, which may not bother, so zombies do not
    count.
    """
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as f:
                stat_line = f.read()
        except OSError:
            continue
        # Fields after the parenthesised command: state ppid pgrp ...
        fields = stat_line[stat_line.rindex(')') + 2:].split()
        if int(fields[2]) == pgid and fields[0] != 'Z':
            return True
    return False


class KDC:
    """
    One krb5kdc process serving one or more throwaway realms on
    127.0.0.1:port.  Construct, add principals, start(); cleanup() always.
    """

    def __init__(self, realms=('KRBTEST.COM',), workdir=None):
        if isinstance(realms, str):
            realms = (realms,)
        self.realms = list(realms)
        self.dir = tempfile.mkdtemp(prefix='krbtest-', dir=workdir)
        self.port = free_port()
        self.proc = None
        self.log_path = os.path.join(self.dir, 'kdc.log')
        self.stderr_path = os.path.join(self.dir, 'kdc.stderr')
        self.kdc_conf = os.path.join(self.dir, 'kdc.conf')
        self.krb5_conf = os.path.join(self.dir, 'krb5.conf')
        self.capaths = []
        try:
            self._write_configs()
            for realm in self.realms:
                os.mkdir(self._realm_dir(realm), 0o700)
                open(os.path.join(self._realm_dir(realm), 'kadm5.acl'),
                     'w').close()
                master = secrets.token_urlsafe(24)
                self._run([_which('kdb5_util'), 'create', '-s', '-r', realm,
                           '-P', master], what='kdb5_util create for ' + realm)
        except BaseException:
            self.cleanup()
            raise

    @property
    def realm(self):
        """The first realm, for the common one-realm case."""
        return self.realms[0]

    def _realm_dir(self, realm):
        return os.path.join(self.dir, realm)

    def _write_configs(self):
        lines = ['[kdcdefaults]',
                 '    kdc_listen = %s:%d' % (LOOPBACK, self.port),
                 '    kdc_tcp_listen = %s:%d' % (LOOPBACK, self.port),
                 '',
                 '[realms]']
        for realm in self.realms:
            d = self._realm_dir(realm)
            lines += ['    %s = {' % realm,
                      '        database_name = %s/principal' % d,
                      '        key_stash_file = %s/stash' % d,
                      '        acl_file = %s/kadm5.acl' % d,
                      '        max_life = 10h 0m 0s',
                      '        max_renewable_life = 7d 0h 0m 0s',
                      '    }']
        lines += ['', '[logging]', '    kdc = FILE:%s' % self.log_path, '']
        lines += self._capaths_lines()
        with open(self.kdc_conf, 'w') as f:
            f.write('\n'.join(lines))
        with open(self.krb5_conf, 'w') as f:
            f.write(self.client_krb5_conf())

    def _capaths_lines(self):
        if not self.capaths:
            return []
        lines = ['[capaths]']
        for client in sorted({c for c, _, _ in self.capaths}):
            lines.append('    %s = {' % client)
            for c, server, via in self.capaths:
                if c == client:
                    lines += ['        %s = %s' % (server, v)
                              for v in (via or ['.'])]
            lines.append('    }')
        return lines + ['']

    def add_capath(self, client_realm, server_realm, via):
        """
        A [capaths] entry for the KDCs (and kinit, kvno): clients of
        client_realm reach server_realm through the realms of via, in
        order (none: directly), so that the server realm's KDC takes the
        transit.  Takes effect at the next start().
        """
        self.capaths.append((client_realm, server_realm, list(via)))
        self._write_configs()

    def client_krb5_conf(self):
        """A krb5.conf for ordinary clients (kinit, kvno) of these realms."""
        lines = ['[libdefaults]',
                 '    default_realm = %s' % self.realm,
                 '    dns_lookup_kdc = false',
                 '    dns_lookup_realm = false',
                 '    dns_canonicalize_hostname = false',
                 '    rdns = false',
                 '',
                 '[realms]']
        for realm in self.realms:
            lines += ['    %s = {' % realm,
                      '        kdc = %s:%d' % (LOOPBACK, self.port),
                      '    }']
        lines += [''] + self._capaths_lines()
        return '\n'.join(lines) + '\n'

    def env(self):
        """Environment for the admin commands and for manual clients."""
        env = dict(os.environ)
        env['KRB5_CONFIG'] = self.krb5_conf
        env['KRB5_KDC_PROFILE'] = self.kdc_conf
        env['KRB5CCNAME'] = 'FILE:' + os.path.join(self.dir, 'ccache')
        env['KRB5_KTNAME'] = 'FILE:' + os.path.join(self.dir, 'default.keytab')
        env['KRB5RCACHEDIR'] = self.dir
        env.pop('KRB5_TRACE', None)
        return env

    def _run(self, argv, what, input_text=None, env=None):
        """Run an admin command; raise with its output when it fails."""
        r = subprocess.run(argv, env=env or self.env(), input=input_text,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=60)
        if r.returncode != 0:
            raise FixtureError('%s failed (exit %d): %s%s' % (
                what, r.returncode, r.stdout, r.stderr))
        return r

    def qualify(self, principal, realm=None):
        """Append @REALM unless the name already has a realm."""
        if '@' in principal:
            return principal
        return '%s@%s' % (principal, realm or self.realm)

    def _realm_of(self, principal, realm):
        if realm:
            return realm
        if '@' in principal:
            return principal.rsplit('@', 1)[1]
        return self.realm

    def kadmin(self, query, realm=None):
        """
        Run one kadmin.local query against a realm.  kadmin.local does not
        always exit non-zero when a query fails, so its stderr is checked
        for the usual failure words too.
        """
        realm = realm or self.realm
        r = self._run([_which('kadmin.local'), '-r', realm, '-q', query],
                      what='kadmin.local -r %s' % realm)
        # The query itself is left out of messages: it may hold a password.
        for line in r.stderr.splitlines():
            if re.search(r'\b(while|error|Error|failed|not found)\b', line) \
                    and 'No policy specified' not in line:
                raise FixtureError('kadmin.local in %s failed: %s'
                                   % (realm, r.stderr.strip()))
        return r.stdout

    def addprinc(self, principal, password=None, realm=None,
                 requires_preauth=True, options=()):
        """
        Add a principal: with a random key when password is None, else with
        that password.  Preauthentication is required by default so that a
        wrong password gives KDC_ERR_PREAUTH_FAILED, as real realms do.
        Returns the fully qualified name.
        """
        realm = self._realm_of(principal, realm)
        name = self.qualify(principal, realm)
        args = ['addprinc']
        if requires_preauth:
            args.append('+requires_preauth')
        args += list(options)
        if password is None:
            args.append('-randkey')
        else:
            args += ['-pw', password]
        args.append(name)
        self.kadmin(' '.join(args), realm=realm)
        return name

    def add_monitoring(self, services=('HTTP/www.example.com',)):
        """
        In every realm: the monitoring client krbmon (random key, in a
        keytab) and the given services.  Returns {realm: keytab path}.
        """
        keytabs = {}
        for realm in self.realms:
            self.addprinc('krbmon@' + realm)
            keytabs[realm] = self.ktadd('krbmon@' + realm)
            for service in services:
                self.addprinc('%s@%s' % (service, realm))
        return keytabs

    def add_trust(self, client_realm, server_realm, password=None,
                  server_password=None, in_server=True, kvno=None):
        """
        A one-way cross-realm trust: krbtgt/SERVER@CLIENT in the client
        realm's database and, when in_server, in the server realm's, from
        one password (random by default), so that both hold the same key,
        as kadmin's cross-realm setup wants it.  server_password gives the
        server realm's copy a key of its own (a trust reset on one side
        only); kvno sets the server realm's copy's key version (a rotation
        the client realm missed).  Returns the principal's name.
        """
        name = 'krbtgt/%s@%s' % (server_realm, client_realm)
        password = password or random_password()
        self.addprinc(name, password, realm=client_realm,
                      requires_preauth=False)
        if in_server:
            self.addprinc(name, server_password or password,
                          realm=server_realm, requires_preauth=False)
            if kvno is not None:
                self.kadmin('modprinc -kvno %d %s' % (kvno, name),
                            realm=server_realm)
        return name

    def modprinc(self, principal, *options, realm=None):
        """Change attributes, e.g. modprinc(p, '-allow_tix')."""
        realm = self._realm_of(principal, realm)
        self.kadmin('modprinc %s %s' % (' '.join(options),
                                        self.qualify(principal, realm)),
                    realm=realm)

    def cpw(self, principal, password=None, realm=None):
        """Change a principal's password, or randomise its key."""
        realm = self._realm_of(principal, realm)
        how = '-randkey' if password is None else '-pw ' + password
        self.kadmin('cpw %s %s' % (how, self.qualify(principal, realm)),
                    realm=realm)

    def ktadd(self, principal, keytab=None, realm=None):
        """
        Export a principal's current keys to a keytab (mode 0600) without
        changing them, so its kvno stays as it was.  Returns the path.
        """
        realm = self._realm_of(principal, realm)
        name = self.qualify(principal, realm)
        if keytab is None:
            keytab = os.path.join(self.dir, re.sub(r'[^A-Za-z0-9.]', '_',
                                                   name) + '.keytab')
        self.kadmin('ktadd -k %s -norandkey %s' % (keytab, name), realm=realm)
        os.chmod(keytab, 0o600)
        return keytab

    def password_file(self, password, name='password'):
        """A 0600 file whose first line is the password.  Returns the path."""
        path = os.path.join(self.dir, name + '.pw')
        return write_private(path, password + '\n')

    # --- the krb5kdc process ---------------------------------------------

    def start(self, prefix=(), timeout=20):
        """
        Start krb5kdc in the foreground (-n) for every realm, optionally
        under a prefix command such as ('faketime', '-f', '+900s'), and wait
        until it says it is serving.
        """
        if self.proc is not None:
            raise FixtureError('KDC already running')
        log_start = os.path.getsize(self.log_path) \
            if os.path.exists(self.log_path) else 0
        argv = list(prefix) + [_which('krb5kdc'), '-n']
        for realm in self.realms:
            argv += ['-r', realm]
        err = open(self.stderr_path, 'ab')
        try:
            # A session of its own, so that stop() reaches krb5kdc even when
            # a prefix command (faketime) runs it as a child.
            self.proc = subprocess.Popen(argv, env=self.env(),
                                         stdin=subprocess.DEVNULL,
                                         stdout=err, stderr=err,
                                         start_new_session=True)
        finally:
            err.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                rc = self.proc.returncode
                self.proc = None
                raise FixtureError('krb5kdc exited with %d: %s' % (
                    rc, self._tail()))
            if self._log_since(log_start).find('commencing operation') >= 0:
                return
            time.sleep(0.05)
        self.stop()
        raise FixtureError('krb5kdc did not start in %ds: %s'
                           % (timeout, self._tail()))

    def _log_since(self, offset):
        try:
            with open(self.log_path, 'rb') as f:
                f.seek(offset)
                return f.read().decode('utf-8', 'replace')
        except FileNotFoundError:
            return ''

    def _tail(self, n=30):
        text = self._log_since(0)
        try:
            with open(self.stderr_path, 'rb') as f:
                text += f.read().decode('utf-8', 'replace')
        except FileNotFoundError:
            pass
        return '\n'.join(text.splitlines()[-n:])

    def stop(self):
        """
        Stop krb5kdc and anything its prefix command started: SIGTERM to
        the whole process group, SIGKILL to what is left after 10 s.
        """
        if self.proc is None:
            return
        pgid = self.proc.pid
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 10
        while True:
            self.proc.poll()
            if not _group_alive(pgid):
                break
            if time.monotonic() > deadline:
                try:
                    os.killpg(pgid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                break
            time.sleep(0.05)
        self.proc.wait()
        self.proc = None

    def restart(self, prefix=()):
        self.stop()
        self.start(prefix=prefix)

    def cleanup(self):
        """Stop the KDC and remove every file; safe to call twice."""
        self.stop()
        if self.dir and os.path.isdir(self.dir):
            shutil.rmtree(self.dir, ignore_errors=True)

    def kinit(self, principal, password=None, keytab=None):
        """
        A manual client check of the fixture itself: run kinit, return
        (exit status, combined output).
        """
        argv = ['kinit']
        if keytab:
            argv += ['-k', '-t', keytab]
        argv.append(self.qualify(principal))
        r = subprocess.run(argv, env=self.env(), input=(password or '') + '\n',
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=60)
        return r.returncode, r.stdout

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


class SilentKDC:
    """
    A port on 127.0.0.1 where a UDP socket is bound but never answers and a
    TCP listener accepts connections and never says anything: a KDC that
    hangs.  Use as a context manager or call close().
    """

    def __init__(self):
        for _ in range(50):
            port = free_port()
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                self.udp.bind((LOOPBACK, port))
                self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                self.tcp.bind((LOOPBACK, port))
                break
            except OSError:
                self.udp.close()
                self.tcp.close()
        else:
            raise FixtureError('no port for the silent KDC')
        self.port = port
        self.tcp.listen(16)
        self.tcp.settimeout(0.2)
        self.held = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        # Hold every connection open and never read or write on it.
        while not self.stopping.is_set():
            try:
                conn, _ = self.tcp.accept()
                self.held.append(conn)
            except socket.timeout:
                continue
            except OSError:
                return

    def close(self):
        self.stopping.set()
        self.thread.join(5)
        for s in self.held + [self.tcp, self.udp]:
            s.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --- exposition text ------------------------------------------------------

_NAME = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*')
_LABEL = re.compile(r'[a-zA-Z_][a-zA-Z0-9_]*')


class ParseError(ValueError):
    pass


def _parse_labels(line, i, lineno):
    """Parse '{a="x",b="y"}' starting at line[i] == '{'; return (dict, i)."""
    labels = {}
    i += 1
    while True:
        while i < len(line) and line[i] in ' \t':
            i += 1
        if i < len(line) and line[i] == '}':
            return labels, i + 1
        m = _LABEL.match(line, i)
        if not m:
            raise ParseError('line %d: bad label name at column %d'
                             % (lineno, i + 1))
        key = m.group(0)
        i = m.end()
        if line[i:i + 2] != '="':
            raise ParseError('line %d: expected =" after %s' % (lineno, key))
        i += 2
        value = []
        while True:
            if i >= len(line):
                raise ParseError('line %d: unterminated label value' % lineno)
            c = line[i]
            if c == '"':
                i += 1
                break
            if c == '\\':
                nxt = line[i + 1:i + 2]
                if nxt == 'n':
                    value.append('\n')
                elif nxt in ('\\', '"'):
                    value.append(nxt)
                else:
                    raise ParseError('line %d: bad escape \\%s'
                                     % (lineno, nxt))
                i += 2
                continue
            value.append(c)
            i += 1
        if key in labels:
            raise ParseError('line %d: label %s twice' % (lineno, key))
        labels[key] = ''.join(value)
        if i < len(line) and line[i] == ',':
            i += 1
        elif i < len(line) and line[i] == '}':
            return labels, i + 1
        else:
            raise ParseError('line %d: expected , or } after label %s'
                             % (lineno, key))


def parse_exposition(text):
    """
    Parse Prometheus text format 0.0.4 into
    {(name, frozenset(labels.items())): float}.  Comments and blank lines
    are skipped; a repeated series or a malformed line raises ParseError.
    """
    samples = {}
    for lineno, line in enumerate(text.split('\n'), 1):
        if not line.strip() or line.lstrip().startswith('#'):
            continue
        m = _NAME.match(line)
        if not m:
            raise ParseError('line %d: bad metric name: %r' % (lineno, line))
        name = m.group(0)
        i = m.end()
        labels = {}
        if i < len(line) and line[i] == '{':
            labels, i = _parse_labels(line, i, lineno)
        rest = line[i:].split()
        if len(rest) not in (1, 2) or line[i:i + 1] not in (' ', '\t'):
            raise ParseError('line %d: expected value [timestamp]: %r'
                             % (lineno, line))
        try:
            value = float(rest[0])
            if len(rest) == 2:
                int(rest[1])
        except ValueError:
            raise ParseError('line %d: bad number in %r' % (lineno, line))
        key = (name, frozenset(labels.items()))
        if key in samples:
            raise ParseError('line %d: series repeated: %r' % (lineno, line))
        samples[key] = value
    return samples


def select(samples, metric, /, **labels):
    """
    Every (labels dict, value) of `metric` whose labels include `labels`.
    Positional-only, so that a label may be called "name".
    """
    out = []
    for (n, ls), v in samples.items():
        if n != metric:
            continue
        d = dict(ls)
        if all(d.get(k) == val for k, val in labels.items()):
            out.append((d, v))
    return out


def value(samples, metric, /, **labels):
    """The value of the single series of `metric` matching `labels`."""
    found = select(samples, metric, **labels)
    if len(found) != 1:
        raise AssertionError('%d series of %s match %r; have: %s' % (
            len(found), metric, labels,
            sorted(str(d) for d, _ in select(samples, metric))))
    return found[0][1]


# --- the exporter ---------------------------------------------------------

_MESON_BUILD = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           os.pardir, os.pardir, 'meson.build')


def expected_version():
    """The version the exporter must report, from a source other than the
    exporter: meson's project version when meson runs the test, else the
    `version:` of the project() call in the top-level meson.build."""
    version = os.environ.get('KRB5_EXPORTER_VERSION')
    if version:
        return version
    with open(_MESON_BUILD) as f:
        text = f.read()
    # The first one: meson wants project() first.  Not meson_version:
    # the key must stand on its own.
    m = re.search(r"(?<![\w])version\s*:\s*'([^']+)'", text)
    if m is None:
        raise AssertionError('no version: in ' + _MESON_BUILD)
    return m.group(1)


def exporter_path():
    """The binary under test, from $KRB5_EXPORTER."""
    path = os.environ.get('KRB5_EXPORTER')
    if not path or not os.access(path, os.X_OK):
        raise unittest.SkipTest('KRB5_EXPORTER is not set to an executable')
    return path


_wrapped_runs = [0]


def exporter_command(workdir):
    """
    The command that runs the exporter: $KRB5_EXPORTER, behind the command
    in $KRB5_EXPORTER_WRAPPER when that is set (e.g. valgrind, for
    scripts/valgrind-tests).  Each "{log}" in the wrapper becomes a file of
    its own in workdir.  Returns (argv prefix, that log file or None).
    """
    wrapper = shlex.split(os.environ.get('KRB5_EXPORTER_WRAPPER', ''))
    log = None
    if any('{log}' in w for w in wrapper):
        _wrapped_runs[0] += 1
        log = os.path.join(workdir, 'wrapper.%d.%d.log'
                           % (os.getpid(), _wrapped_runs[0]))
        wrapper = [w.replace('{log}', log) for w in wrapper]
    return wrapper + [exporter_path()], log


def check_wrapper_log(log, what):
    """
    Fail when the wrapper's log (valgrind's) reports an error or a definite
    leak.  Nothing to check without a log.
    """
    if log is None:
        return
    try:
        with open(log, 'rb') as f:
            text = f.read().decode('utf-8', 'replace')
    except FileNotFoundError:
        raise AssertionError('%s: the wrapper wrote no log at %s' % (what, log))
    summary = re.search(r'ERROR SUMMARY: (\d+) errors', text)
    lost = re.search(r'definitely lost: ([\d,]+) bytes', text)
    if summary is None or summary.group(1) != '0' or \
            (lost is not None and lost.group(1) != '0'):
        raise AssertionError('%s: the wrapper reported errors (%s):\n%s'
                             % (what, log, text[-8000:]))


def _client_group(principal, keytab=None, password_file=None):
    if keytab:
        return '{ principal = "%s"; keytab = "%s"; }' % (principal, keytab)
    return '{ principal = "%s"; password_file = "%s"; }' % (principal,
                                                            password_file)


def realm_config(realm, kdcs, principal=None, keytab=None, password_file=None,
                 services=(), transport='udp', timeout=5.0, extra='',
                 clients=None, kpasswd=None):
    """
    One realm's group in the exporter's config syntax.  `clients`, a list
    of dicts with principal and keytab or password_file, is written as a
    `clients` list in place of the one `client`; with neither `clients`
    nor `principal` the realm has no client; `kpasswd`, a list of
    HOST:PORT, as the realm's kpasswd servers.
    """
    lines = ['  { realm = "%s";' % realm,
             '    kdcs = ( %s );' % ', '.join('"%s"' % k for k in kdcs),
             '    transport = "%s";' % transport,
             '    timeout = %s;' % repr(float(timeout))]
    if clients is not None:
        lines.append('    clients = ( %s );' % ',\n                '.join(
            _client_group(**c) for c in clients))
    elif principal is not None:
        lines.append('    client = %s;'
                     % _client_group(principal, keytab, password_file))
    # Neither: a realm without a client (discovery and kdc probes only).
    if kpasswd is not None:
        lines.append('    kpasswd = ( %s );'
                     % ', '.join('"%s"' % k for k in kpasswd))
    lines.append('    services = ( %s );'
                 % ', '.join('"%s"' % s for s in services))
    if extra:
        lines.append('    ' + extra)
    lines.append('  }')
    return '\n'.join(lines)


def config_text(realm_groups):
    return 'realms = (\n' + ',\n'.join(realm_groups) + '\n);\n'


class Exporter:
    """
    One krb5_exporter process on 127.0.0.1:port with a generated config.
    Its stdout and stderr go to files in workdir; stop() checks stderr for
    sanitizer reports.
    """

    def __init__(self, config, workdir, args=(), log_level='debug',
                 port=None):
        self.binary = exporter_path()
        self.workdir = workdir
        self.config_path = write_private(
            os.path.join(workdir, 'krb5_exporter.conf'), config)
        self.stdout_path = os.path.join(workdir, 'exporter.stdout')
        self.stderr_path = os.path.join(workdir, 'exporter.stderr')
        self.args = list(args)
        self.log_level = log_level
        self.proc = None
        self.fixed_port = port
        self.port = None
        self.wrapper_log = None

    def start(self, timeout=20):
        # A port can be taken between picking and binding; try a few.
        for _ in range(1 if self.fixed_port else 3):
            self.port = self.fixed_port or free_port(udp=False)
            command, self.wrapper_log = exporter_command(self.workdir)
            argv = command + ['--config.file=' + self.config_path,
                              '--web.listen-address=%s:%d'
                              % (LOOPBACK, self.port),
                              '--log.level=' + self.log_level] + self.args
            out = open(self.stdout_path, 'ab')
            err = open(self.stderr_path, 'ab')
            try:
                self.proc = subprocess.Popen(argv, env=exporter_env(
                    self.workdir), stdin=subprocess.DEVNULL, stdout=out,
                    stderr=err)
            finally:
                out.close()
                err.close()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    status, _, _ = self.get('/-/healthy', timeout=2)
                    if status == 200:
                        return self
                except OSError:
                    pass
                time.sleep(0.05)
            if self.proc.poll() is None:
                self.stop()
                raise FixtureError('exporter not healthy in %ds:\n%s'
                                   % (timeout, self.stderr()))
            if 'in use' not in self.stderr():
                rc = self.proc.returncode
                self.proc = None
                raise FixtureError('exporter exited with %d:\n%s'
                                   % (rc, self.stderr()))
            self.proc = None
        raise FixtureError('exporter could not bind a port:\n' + self.stderr())

    # An ssl.SSLContext when the exporter serves TLS; None for plain HTTP.
    ssl_context = None

    @property
    def url(self):
        scheme = 'https' if self.ssl_context is not None else 'http'
        return '%s://%s:%d' % (scheme, LOOPBACK, self.port)

    def request(self, method, path, headers=None, timeout=30):
        """Return (status, headers, body text); HTTP errors are not raised."""
        req = urllib.request.Request(self.url + path, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout,
                                        context=self.ssl_context) as r:
                return r.status, r.headers, r.read().decode('utf-8')
        except urllib.error.HTTPError as e:
            body = e.read().decode('utf-8', 'replace')
            return e.code, e.headers, body

    def get(self, path, headers=None, timeout=30):
        return self.request('GET', path, headers=headers, timeout=timeout)

    def scrape(self, headers=None, timeout=30):
        """GET /metrics, check it is 200, return (samples, text)."""
        status, hdrs, body = self.get('/metrics', headers=headers,
                                      timeout=timeout)
        if status != 200:
            raise FixtureError('/metrics gave %d: %s' % (status, body))
        return parse_exposition(body), body

    def stderr(self):
        try:
            with open(self.stderr_path, 'rb') as f:
                return f.read().decode('utf-8', 'replace')
        except FileNotFoundError:
            return ''

    def stdout(self):
        try:
            with open(self.stdout_path, 'rb') as f:
                return f.read().decode('utf-8', 'replace')
        except FileNotFoundError:
            return ''

    def stop(self):
        """
        SIGTERM and wait, so that LeakSanitizer gets to run at exit; then
        fail when stderr holds a sanitizer report.
        """
        if self.proc is not None:
            ended = terminate(self.proc, 15)
            self.proc = None
            if not ended:
                raise FixtureError('exporter ignored SIGTERM for 15 s')
        check_sanitizers(self.stderr(), 'exporter stderr')
        check_wrapper_log(self.wrapper_log, 'exporter')


def terminate(proc, timeout):
    """
    SIGTERM proc and wait up to timeout seconds, then SIGKILL.  Returns
    True when it ended by itself, False when it had to be killed.
    """
    if proc.poll() is not None:
        return True
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
        return True
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return False


def proc_status(pid):
    """Threads, open descriptors and resident memory (KiB) of a process."""
    fields = {}
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            key, _, rest = line.partition(':')
            fields[key] = rest.strip()
    fds = len(os.listdir('/proc/%d/fd' % pid))
    return (int(fields['Threads']), fds, int(fields['VmRSS'].split()[0]))


@contextlib.contextmanager
def asan_quarantine(mb):
    """
    Under AddressSanitizer freed memory waits in a quarantine of up to
    256 MiB before reuse, which looks like growth to a test that watches
    RSS.  Within this block, exporters start with a quarantine of `mb` MiB
    (0: none), so that RSS shows what the exporter itself holds.  So too
    the fake stacks of detect_stack_use_after_return (scripts/test), which
    fill up to some MiB per thread as frames are used: they stay on, but
    at their smallest size (64 KiB per frame size class and thread).
    """
    saved = os.environ.get('ASAN_OPTIONS')
    os.environ['ASAN_OPTIONS'] = ((saved + ':') if saved else '') + \
        'quarantine_size_mb=%d:thread_local_quarantine_size_kb=%d' % (
            mb, 64 if mb else 0) + ':max_uar_stack_size_log=16'
    try:
        yield
    finally:
        if saved is None:
            del os.environ['ASAN_OPTIONS']
        else:
            os.environ['ASAN_OPTIONS'] = saved


def check_sanitizers(text, what):
    for marker in SANITIZER_MARKERS:
        if marker in text:
            raise AssertionError('%s holds a sanitizer report (%s):\n%s'
                                 % (what, marker, text[-6000:]))


def exporter_env(workdir):
    """
    The exporter's environment: the host's krb5.conf (which may name real
    KDCs) is replaced by an empty one, so only the test config counts.
    """
    env = dict(os.environ)
    empty = os.path.join(workdir, 'empty-krb5.conf')
    if not os.path.exists(empty):
        with open(empty, 'w') as f:
            f.write('[libdefaults]\n    dns_lookup_kdc = false\n'
                    '    dns_lookup_realm = false\n')
    env['KRB5_CONFIG'] = empty
    env['KRB5CCNAME'] = 'FILE:' + os.path.join(workdir, 'exporter-ccache')
    env['KRB5_KTNAME'] = 'FILE:' + os.path.join(workdir, 'exporter-keytab')
    env.pop('KRB5_KDC_PROFILE', None)
    env.pop('KRB5_TRACE', None)
    return env


def run_exporter(args, workdir, timeout=60):
    """Run the exporter to completion (e.g. --once); return CompletedProcess."""
    command, log = exporter_command(workdir)
    r = subprocess.run(command + list(args),
                       env=exporter_env(workdir), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    check_sanitizers(r.stderr, 'exporter stderr for %s' % ' '.join(args))
    check_wrapper_log(log, 'exporter %s' % ' '.join(args))
    return r


def promtool_check(text):
    """
    Run `promtool check metrics` on text; return None when promtool is not
    available, else (exit status, output).
    """
    promtool = os.environ.get('PROMTOOL') or shutil.which('promtool')
    if not promtool:
        return None
    r = subprocess.run([promtool, 'check', 'metrics'], input=text,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=60)
    return r.returncode, r.stdout


class TestCase(unittest.TestCase):
    """
    Base class with helpers that register their own teardown, so that
    everything is gone even when a test fails half-way.
    """

    def make_kdc(self, realms=('KRBTEST.COM',)):
        kdc = KDC(realms)
        self.addCleanup(kdc.cleanup)
        return kdc

    def make_workdir(self):
        d = tempfile.mkdtemp(prefix='krbtest-exp-')
        self.addCleanup(shutil.rmtree, d, True)
        return d

    def start_exporter(self, config, args=(), workdir=None, ssl_context=None):
        """Start an exporter on config; it is stopped and checked at teardown."""
        workdir = workdir or self.make_workdir()
        exp = Exporter(config, workdir, args=args)
        exp.ssl_context = ssl_context
        self.addCleanup(self._stop_exporter, exp)
        exp.start()
        return exp

    def _stop_exporter(self, exp):
        try:
            exp.stop()
        finally:
            # meson shows this only for failing tests.
            tail = '\n'.join(exp.stderr().splitlines()[-80:])
            sys.stdout.write('\n--- exporter stderr (%s, last lines) ---\n%s\n'
                             % (self.id(), tail))

    def assertProbeFails(self, samples, realm, probe, target, code_name):
        """The probe failed, with exactly this krb5 code and name."""
        code, name = code_name
        self.assertEqual(value(samples, 'krb5_probe_success', realm=realm,
                               probe=probe, target=target), 0.0)
        errors = select(samples, 'krb5_probe_error', realm=realm, probe=probe,
                        target=target)
        self.assertEqual([(d['code'], d['name'], v) for d, v in errors],
                         [(str(code), name, 1.0)])

    def assertProbeSucceeds(self, samples, realm, probe, target):
        self.assertEqual(value(samples, 'krb5_probe_success', realm=realm,
                               probe=probe, target=target), 1.0)
        self.assertEqual(select(samples, 'krb5_probe_error', realm=realm,
                                probe=probe, target=target), [])


def main():
    unittest.main(verbosity=2)
