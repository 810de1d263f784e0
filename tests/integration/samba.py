"""
samba: a throwaway Samba Active Directory domain controller on loopback,
for the integration tests that need what only AD does: its own lockout
count (badPwdCount, lockoutTime), extended errors with an NTSTATUS,
userPrincipalName logons, SPNs on user accounts, accounts without
msDS-SupportedEncryptionTypes (RC4 tickets), PACs, kpasswd.  Standard
library only, and the Debian packages scripts/setup installs (samba-ad-dc,
samba-ad-provision, python3-samba, ldb-tools; krb5-user for kinit).

A SambaDC object owns one temporary directory with one provisioned domain
(realm AD.TEST, NetBIOS domain ADTEST, no DNS server) and at most one
`samba -i -M single` process in its own session, which runs only the KDC
(and with it the kpasswd server) on 127.0.0.1 and ::1, on two ports picked
by krbtest.free_port().  Provisioning takes about 4 s, so a test class
makes one DC in setUpClass and gives each test users of its own.  Every
change (users, passwords settings, SPNs, keytabs) is made with samba-tool
or ldbmodify on the DC's own sam.ldb, and read back with ldbsearch: the
running KDC sees it at its next request.

    dc = samba.SambaDC()            # provision (skip or fail: require())
    dc.start()                      # KDC answers on 127.0.0.1:dc.port
    dc.create_user('krbmon', pw)    # -> 'krbmon@AD.TEST'
    dc.bad_pwd_count('krbmon'), dc.lockout_time('krbmon')
    dc.cleanup()

Nothing here ever talks to anything but the loopback addresses.
"""

import base64
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import krbtest

REALM = 'AD.TEST'
DOMAIN = 'ADTEST'
DNS_DOMAIN = 'ad.test'
BASE_DN = 'DC=ad,DC=test'
USERS_DN = 'CN=Users,' + BASE_DN
HOST_NAME = 'dc1'

# Seconds between 1601-01-01 (Windows FILETIME) and 1970-01-01.
_EPOCH_1601 = 11644473600

# The tools these tests run, and where Debian keeps them.
TOOLS = ('samba-tool', 'samba', 'ldbsearch', 'ldbmodify', 'kinit')


def nt_time_to_unix(value):
    """An AD time (100 ns since 1601, e.g. pwdLastSet) as unix seconds."""
    return int(value) / 1e7 - _EPOCH_1601


def unix_to_nt_time(seconds):
    """Unix seconds as an AD time (100 ns since 1601)."""
    return int(round((seconds + _EPOCH_1601) * 10 ** 7))


def _find(name):
    path = shutil.which(name)
    if path is None:
        for d in ('/usr/sbin', '/usr/local/sbin', '/sbin'):
            if os.access(os.path.join(d, name), os.X_OK):
                return os.path.join(d, name)
    return path


def require():
    """
    Skip the calling test class when samba-tool is not installed, except
    in CI (CI set in the environment), where the AD tests must run: there
    a missing Samba is a failure.  Any other tool missing is a failure.
    """
    if _find('samba-tool') is None:
        message = ('samba-tool not found: install samba-ad-dc, '
                   'samba-ad-provision, python3-samba and ldb-tools '
                   '(scripts/setup does)')
        if os.environ.get('CI'):
            raise krbtest.FixtureError(message + '; CI is set, so the AD '
                                       'tests may not be skipped')
        raise unittest.SkipTest(message)
    missing = [t for t in TOOLS if _find(t) is None]
    if missing:
        raise krbtest.FixtureError('%s not found; run scripts/setup'
                                   % ', '.join(missing))


def _tool(name):
    path = _find(name)
    if path is None:
        raise krbtest.FixtureError('%s not found; run scripts/setup' % name)
    return path


def parse_ldif(text):
    """
    ldbsearch's LDIF as a list of {attribute: [values]} (with 'dn'), one
    per record; referrals and comments are skipped, folded lines joined,
    base64 values ("attr:: ...") decoded.
    """
    records, current = [], None
    lines = []
    for line in text.splitlines():
        if line.startswith(' ') and lines:
            lines[-1] += line[1:]
        else:
            lines.append(line)
    for line in lines:
        if not line.strip():
            current = None
            continue
        if line.startswith('#') or line.startswith('ref:'):
            continue
        m = re.match(r'^([A-Za-z0-9;-]+)(::?) ?(.*)$', line)
        if not m:
            continue
        attr, sep, val = m.groups()
        if sep == '::':
            val = base64.b64decode(val).decode('utf-8', 'replace')
        if attr == 'dn':
            current = {'dn': [val]}
            records.append(current)
        elif current is not None:
            current.setdefault(attr, []).append(val)
    return records


class SambaDC:
    """
    One provisioned AD domain and at most one samba process serving its
    KDC on 127.0.0.1:port (UDP and TCP) and kpasswd on kpasswd_port.
    Construct (provisions), start(), then the helpers; cleanup() always.
    """

    realm = REALM

    def __init__(self, workdir=None, log_level='1 kerberos:3 auth_audit:3'):
        require()
        self.dir = tempfile.mkdtemp(prefix='sambatest-', dir=workdir)
        self.proc = None
        self.port = krbtest.free_port()
        self.kpasswd_port = krbtest.free_port()
        while self.kpasswd_port == self.port:
            self.kpasswd_port = krbtest.free_port()
        self.admin_password = krbtest.random_password()
        self.target = os.path.join(self.dir, 'dc')
        self.smb_conf = os.path.join(self.target, 'etc', 'smb.conf')
        self.sam_ldb = os.path.join(self.target, 'private', 'sam.ldb')
        self.krb5_conf = os.path.join(self.dir, 'krb5.conf')
        self.log_path = os.path.join(self.dir, 'samba.log')
        self.provision_seconds = None
        self.start_seconds = None
        try:
            started = time.monotonic()
            self._provision(log_level)
            self.provision_seconds = time.monotonic() - started
            with open(self.krb5_conf, 'w') as f:
                f.write(self.client_krb5_conf())
        except BaseException:
            self.cleanup()
            raise

    # --- provisioning ----------------------------------------------------

    def _provision(self, log_level):
        self._run([_tool('samba-tool'), 'domain', 'provision',
                   '--targetdir=' + self.target,
                   '--realm=' + REALM, '--domain=' + DOMAIN,
                   '--server-role=dc', '--dns-backend=NONE',
                   '--adminpass=' + self.admin_password,
                   '--host-name=' + HOST_NAME,
                   '--option=interfaces=lo',
                   '--option=bind interfaces only=yes',
                   '--option=krb5 port=%d' % self.port,
                   '--option=kpasswd port=%d' % self.kpasswd_port],
                  what='samba-tool domain provision', timeout=120)
        run = os.path.join(self.target, 'run')
        logs = os.path.join(self.target, 'log')
        for d in (run, logs):
            os.makedirs(d, exist_ok=True)
        # Only the KDC (in 4.17 it serves kpasswd too), everything it
        # writes inside the target directory, and a log that names each
        # AS-REQ ("Kerberos: AS-REQ ERR_PREAUTH_FAILED ... user@AD.TEST").
        ours = {
            'server services': 'kdc',
            'pid directory': run,
            'ncalrpc dir': os.path.join(run, 'ncalrpc'),
            'winbindd socket directory': os.path.join(run, 'winbindd'),
            'ntp signd socket directory': os.path.join(run, 'ntp_signd'),
            'log file': os.path.join(logs, 'log.%m'),
            'log level': log_level,
            'panic action': '',
        }
        with open(self.smb_conf) as f:
            lines = f.read().splitlines()
        out, section = [], None
        for line in lines:
            stripped = line.strip()
            if stripped.startswith('['):
                section = stripped
                out.append(line)
                if section == '[global]':
                    out += ['\t%s = %s' % kv for kv in ours.items()]
                continue
            key = stripped.split('=', 1)[0].strip().lower()
            if section == '[global]' and key in ours:
                continue
            out.append(line)
        with open(self.smb_conf, 'w') as f:
            f.write('\n'.join(out) + '\n')

    def client_krb5_conf(self):
        """A krb5.conf for kinit and friends against this DC."""
        return '\n'.join([
            '[libdefaults]',
            '    default_realm = %s' % REALM,
            '    dns_lookup_kdc = false',
            '    dns_lookup_realm = false',
            '    dns_canonicalize_hostname = false',
            '    rdns = false',
            '',
            '[realms]',
            '    %s = {' % REALM,
            '        kdc = %s:%d' % (krbtest.LOOPBACK, self.port),
            '        kpasswd_server = %s:%d' % (krbtest.LOOPBACK,
                                                self.kpasswd_port),
            '    }', '']) + '\n'

    @property
    def kdcs(self):
        """The exporter's kdcs list for this DC."""
        return ['%s:%d' % (krbtest.LOOPBACK, self.port)]

    def env(self):
        env = dict(os.environ)
        env['KRB5_CONFIG'] = self.krb5_conf
        env['KRB5CCNAME'] = 'FILE:' + os.path.join(self.dir, 'ccache')
        env.pop('KRB5_TRACE', None)
        env.pop('KRB5_KDC_PROFILE', None)
        return env

    def _run(self, argv, what, input_text=None, timeout=60):
        """Run a command; raise with its output when it fails."""
        r = subprocess.run(argv, env=self.env(), input=input_text,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=timeout)
        if r.returncode != 0:
            raise krbtest.FixtureError('%s failed (exit %d): %s%s' % (
                what, r.returncode, r.stdout[-3000:], r.stderr[-3000:]))
        return r

    # --- the samba process -----------------------------------------------

    def start(self, timeout=60):
        """
        Start samba in the foreground, single process, on the provisioned
        smb.conf; return once both ports accept TCP connections and an
        AS-REQ for Administrator gets a ticket.
        """
        if self.proc is not None:
            raise krbtest.FixtureError('samba already running')
        started = time.monotonic()
        log = open(self.log_path, 'ab')
        try:
            self.proc = subprocess.Popen(
                [_tool('samba'), '-i', '-M', 'single', '-s', self.smb_conf],
                env=self.env(), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            log.close()
        deadline = started + timeout
        pending = [self.port, self.kpasswd_port]
        while pending:
            if self.proc.poll() is not None:
                rc = self.proc.returncode
                self.proc = None
                raise krbtest.FixtureError('samba exited with %d: %s'
                                           % (rc, self.tail()))
            if time.monotonic() > deadline:
                self.stop()
                raise krbtest.FixtureError(
                    'samba did not listen on %s in %ds: %s'
                    % (pending, timeout, self.tail()))
            try:
                with socket.create_connection((krbtest.LOOPBACK, pending[0]),
                                              timeout=1):
                    pending.pop(0)
            except OSError:
                time.sleep(0.1)
        while True:
            rc, out = self.kinit('Administrator', self.admin_password)
            if rc == 0:
                break
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise krbtest.FixtureError('the DC gave no ticket: %s\n%s'
                                           % (out, self.tail()))
            time.sleep(0.2)
        self.start_seconds = time.monotonic() - started

    def stop(self):
        """SIGTERM to samba's session, SIGKILL to what is left after 10 s."""
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
            if not krbtest._group_alive(pgid):
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

    def cleanup(self):
        """Stop samba and remove every file; safe to call twice."""
        self.stop()
        if self.dir and os.path.isdir(self.dir):
            shutil.rmtree(self.dir, ignore_errors=True)

    def log_since(self, offset=0):
        try:
            with open(self.log_path, 'rb') as f:
                f.seek(offset)
                return f.read().decode('utf-8', 'replace')
        except FileNotFoundError:
            return ''

    def log_size(self):
        try:
            return os.path.getsize(self.log_path)
        except FileNotFoundError:
            return 0

    def tail(self, n=40):
        return '\n'.join(self.log_since().splitlines()[-n:])

    def as_req_lines(self, principal, outcome=None, offset=0):
        """
        The log's AS-REQ outcome lines for a client principal as the KDC
        names it (e.g. 'krbmon@AD.TEST'), optionally of one outcome
        ('ERR_PREAUTH_FAILED', 'ERR_CLIENT_REVOKED', ...).
        """
        pattern = re.compile(r'Kerberos: AS-REQ (%s) \S+ %s ' % (
            re.escape(outcome) if outcome else r'\S+', re.escape(principal)))
        return [l for l in self.log_since(offset).splitlines()
                if pattern.search(l)]

    # --- set-up helpers ----------------------------------------------------

    def samba_tool(self, *args, input_text=None):
        """Run samba-tool on this DC's smb.conf; return its stdout."""
        r = self._run([_tool('samba-tool')] + list(args) +
                      ['-s', self.smb_conf],
                      what='samba-tool %s' % ' '.join(args[:2]),
                      input_text=input_text)
        return r.stdout

    def qualify(self, name):
        return name if '@' in name else '%s@%s' % (name, REALM)

    def create_user(self, name, password, must_change=False, upn=None):
        """
        A user account (sAMAccountName name; samba-tool gives it the UPN
        name@ad.test unless upn is given).  Returns 'name@AD.TEST'.
        """
        args = ['user', 'create', name, password]
        if must_change:
            args.append('--must-change-at-next-login')
        self.samba_tool(*args)
        if upn is not None:
            self.set_upn(name, upn)
        return self.qualify(name)

    def disable_user(self, name):
        self.samba_tool('user', 'disable', name)

    def set_expiry(self, name, days):
        """accountExpires: now + days (0: expired from now on)."""
        self.samba_tool('user', 'setexpiry', name, '--days=%s' % days)

    def password_settings(self, **options):
        """
        samba-tool domain passwordsettings set, with keyword arguments for
        its options: account_lockout_threshold=3 becomes
        --account-lockout-threshold=3.
        """
        args = ['domain', 'passwordsettings', 'set']
        for key, val in options.items():
            args.append('--%s=%s' % (key.replace('_', '-'), val))
        self.samba_tool(*args)

    def add_spn(self, spn, user):
        self.samba_tool('spn', 'add', spn, user)

    def export_keytab(self, principal, path=None):
        """Export principal's current keys to a keytab (0600); its path."""
        if path is None:
            path = os.path.join(self.dir, re.sub(r'[^A-Za-z0-9.]', '_',
                                                 principal) + '.keytab')
        if os.path.exists(path):
            os.remove(path)
        self.samba_tool('domain', 'exportkeytab', path,
                        '--principal=' + principal)
        os.chmod(path, 0o600)
        return path

    def password_file(self, password, name='password'):
        """A 0600 file whose first line is the password; its path."""
        return krbtest.write_private(os.path.join(self.dir, name + '.pw'),
                                     password + '\n')

    # --- reading and writing sam.ldb directly ----------------------------

    def ldbsearch(self, expression, attrs=(), base=None, scope=None):
        argv = [_tool('ldbsearch'), '-H', self.sam_ldb]
        if base:
            argv += ['-b', base]
        if scope:
            argv += ['-s', scope]
        argv.append(expression)
        argv += list(attrs)
        r = self._run(argv, what='ldbsearch %s' % expression)
        return parse_ldif(r.stdout)

    def user(self, name, attrs=()):
        """The user's record: {attribute: [values]}, with 'dn'."""
        found = self.ldbsearch('(sAMAccountName=%s)' % name,
                               list(attrs) + ['dn'])
        found = [r for r in found if r['dn'][0].endswith(BASE_DN)]
        if len(found) != 1:
            raise krbtest.FixtureError('%d users named %s' % (len(found),
                                                               name))
        return found[0]

    def user_attribute(self, name, attr, default=None):
        values = self.user(name, [attr]).get(attr)
        return values[0] if values else default

    def bad_pwd_count(self, name):
        """AD's own count of failed logons of the user (0 when unset)."""
        return int(self.user_attribute(name, 'badPwdCount', '0'))

    def lockout_time(self, name):
        """lockoutTime (0 when unset or cleared): non-zero means locked."""
        return int(self.user_attribute(name, 'lockoutTime', '0'))

    def domain_attribute(self, attr):
        values = self.ldbsearch('(objectClass=domain)', [attr],
                                base=BASE_DN, scope='base')
        return values[0].get(attr, [None])[0] if values else None

    def ldbmodify(self, dn, attr, value):
        """Replace one attribute of the object at dn."""
        ldif = ('dn: %s\nchangetype: modify\nreplace: %s\n%s: %s\n'
                % (dn, attr, attr, value))
        self._run([_tool('ldbmodify'), '-H', self.sam_ldb], what='ldbmodify '
                  + attr, input_text=ldif)

    def set_user_attribute(self, name, attr, value):
        self.ldbmodify(self.user(name)['dn'][0], attr, value)

    def set_upn(self, name, upn):
        self.set_user_attribute(name, 'userPrincipalName', upn)

    def set_account_expires(self, name, unix_time):
        self.set_user_attribute(name, 'accountExpires',
                                unix_to_nt_time(unix_time))

    # --- a client of the DC ----------------------------------------------

    def kinit(self, principal, password, enterprise=False,
              canonicalize=False):
        """
        MIT kinit against this DC with a password on stdin (no retry, no
        prompt for a new password): (exit status, combined output).
        """
        argv = [_tool('kinit')]
        if enterprise:
            argv.append('-E')
        if canonicalize:
            argv.append('-C')
        argv.append(principal if enterprise else self.qualify(principal))
        r = subprocess.run(argv, env=self.env(), input=password + '\n',
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=60)
        return r.returncode, r.stdout

    def lock_out(self, name, threshold):
        """
        Lock the user out the way a real client would: `threshold` logons
        with a wrong password.  Fails unless AD then holds it locked.
        """
        wrong = 'wrong-' + krbtest.random_password()
        for _ in range(threshold):
            rc, out = self.kinit(name, wrong)
            if rc == 0:
                raise krbtest.FixtureError('a wrong password logged %s on'
                                           % name)
        if self.lockout_time(name) == 0:
            raise krbtest.FixtureError(
                '%s not locked after %d wrong passwords (badPwdCount %d)'
                % (name, threshold, self.bad_pwd_count(name)))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()
