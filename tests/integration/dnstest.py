"""
dnstest: throwaway DNS servers on loopback for the integration tests of KDC
discovery and host name canonicalisation.  Standard library only.

A DNSServer owns one dnsmasq process serving a fixed set of records on
127.0.0.1:port (UDP and TCP), given as dnsmasq options: SRV, URI (as raw
RDATA through --dns-rr), A (with its PTR), CNAME and PTR records.  Nothing is
forwarded anywhere: dnsmasq reads no resolv.conf and no hosts file, and the
test domains are declared local, so a name it does not hold gets NXDOMAIN
instead of REFUSED.

A SilentResolver is a loopback port where a UDP socket is bound and never
answers and a TCP listener accepts and never speaks: a resolver that hangs.

query() is a minimal DNS client, used to wait until dnsmasq serves and to
check what it answers.

Nothing here ever talks to anything but 127.0.0.1.
"""

import os
import secrets
import shutil
import socket
import struct
import subprocess
import tempfile
import time

import krbtest

LOOPBACK = krbtest.LOOPBACK

# DNS record types and response codes used here.
TYPE_A = 1
TYPE_CNAME = 5
TYPE_PTR = 12
TYPE_SRV = 33
TYPE_URI = 256
RCODE_NOERROR = 0
RCODE_NXDOMAIN = 3
RCODE_REFUSED = 5

# c-ares statuses the tests look for, with their names.
ARES_ENODATA = (1, 'ARES_ENODATA')
ARES_ENOTFOUND = (4, 'ARES_ENOTFOUND')
ARES_ETIMEOUT = (12, 'ARES_ETIMEOUT')

# Domains dnsmasq answers for itself (NXDOMAIN when it has no record).
DEFAULT_LOCAL_DOMAINS = ('test', 'in-addr.arpa')


def _dnsmasq():
    for path in (shutil.which('dnsmasq'), '/usr/sbin/dnsmasq',
                 '/sbin/dnsmasq'):
        if path and os.access(path, os.X_OK):
            return path
    raise krbtest.FixtureError('dnsmasq not found; is dnsmasq-base installed?')


def uri_rdata_hex(priority, weight, uri):
    """
    The RDATA of a URI record (RFC 7553) as hex for --dns-rr: a 16-bit
    priority, a 16-bit weight, then the URI's bytes with no length prefix.
    """
    return (struct.pack('!HH', priority, weight) + uri.encode('ascii')).hex()


def reverse_name(address):
    """'127.0.0.5' -> '5.0.0.127.in-addr.arpa'."""
    return '.'.join(reversed(address.split('.'))) + '.in-addr.arpa'


# --- a minimal DNS client -------------------------------------------------

def _encode_name(name):
    out = b''
    for label in name.rstrip('.').split('.'):
        raw = label.encode('ascii')
        if not 0 < len(raw) < 64:
            raise ValueError('bad label in %r' % name)
        out += bytes([len(raw)]) + raw
    return out + b'\0'


def _decode_name(msg, i):
    """Read a possibly compressed name at msg[i]; return (name, next i)."""
    labels = []
    end = None
    for _ in range(128):
        n = msg[i]
        if n & 0xC0 == 0xC0:
            if end is None:
                end = i + 2
            i = ((n & 0x3F) << 8) | msg[i + 1]
            continue
        if n == 0:
            return '.'.join(labels), (end if end is not None else i + 1)
        labels.append(msg[i + 1:i + 1 + n].decode('ascii', 'replace'))
        i += 1 + n
    raise ValueError('name compression loop')


def _decode_rdata(msg, rtype, start, length):
    """A readable form of the RDATA types the tests use; raw bytes else."""
    if rtype == TYPE_A:
        return socket.inet_ntoa(msg[start:start + 4])
    if rtype in (TYPE_CNAME, TYPE_PTR):
        return _decode_name(msg, start)[0]
    if rtype == TYPE_SRV:
        prio, weight, port = struct.unpack('!HHH', msg[start:start + 6])
        return (prio, weight, port, _decode_name(msg, start + 6)[0])
    if rtype == TYPE_URI:
        prio, weight = struct.unpack('!HH', msg[start:start + 4])
        return (prio, weight, msg[start + 4:start + length].decode('ascii'))
    return msg[start:start + length]


def parse_response(msg, qid):
    """Return (rcode, [(name, type, rdata)]) of the answer section."""
    rid, flags, qd, an = struct.unpack('!HHHH', msg[:8])
    if rid != qid or not flags & 0x8000:
        raise ValueError('not the answer to query %d' % qid)
    i = 12
    for _ in range(qd):
        _, i = _decode_name(msg, i)
        i += 4
    answers = []
    for _ in range(an):
        name, i = _decode_name(msg, i)
        rtype, _, _, length = struct.unpack('!HHIH', msg[i:i + 10])
        i += 10
        answers.append((name, rtype, _decode_rdata(msg, rtype, i, length)))
        i += length
    return flags & 0xF, answers


def query(port, name, qtype, timeout=2.0, tcp=False):
    """
    Ask 127.0.0.1:port one question (recursion desired); return
    (rcode, answers) as parse_response() does.  Raises OSError (including
    socket.timeout) when nothing answers.
    """
    qid = secrets.randbelow(0x10000)
    packet = struct.pack('!HHHHHH', qid, 0x0100, 1, 0, 0, 0) \
        + _encode_name(name) + struct.pack('!HH', qtype, 1)
    if tcp:
        with socket.create_connection((LOOPBACK, port), timeout=timeout) as s:
            s.sendall(struct.pack('!H', len(packet)) + packet)
            data = b''
            while len(data) < 2 or len(data) < 2 + struct.unpack(
                    '!H', data[:2])[0]:
                chunk = s.recv(65535)
                if not chunk:
                    raise OSError('connection closed mid-answer')
                data += chunk
            return parse_response(data[2:], qid)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.connect((LOOPBACK, port))
        s.send(packet)
        while True:
            data = s.recv(65535)
            try:
                return parse_response(data, qid)
            except (ValueError, struct.error, IndexError):
                continue


# --- dnsmasq ----------------------------------------------------------------

class DNSServer:
    """
    One dnsmasq on 127.0.0.1:port serving only the records given.
    Construct with records, start(); cleanup() always (also a context
    manager).  Each record list holds tuples:

      srv:    (name, target, port, priority, weight)
      uri:    (name, priority, weight, uri)
      hosts:  (name, ipv4 address)   -- dnsmasq adds the PTR too, for the
                                         first name given an address
      a:      (name, ipv4 address)   -- an A record alone, with no PTR
      cname:  (alias, target)        -- target must be a local record
      ptr:    (reverse name, target)
    """

    def __init__(self, srv=(), uri=(), hosts=(), a=(), cname=(), ptr=(),
                 local_domains=DEFAULT_LOCAL_DOMAINS):
        self.records = {'srv': list(srv), 'uri': list(uri),
                        'hosts': list(hosts), 'a': list(a),
                        'cname': list(cname), 'ptr': list(ptr)}
        self.local_domains = list(local_domains)
        self.dir = tempfile.mkdtemp(prefix='dnstest-')
        self.log_path = os.path.join(self.dir, 'dnsmasq.log')
        self.stderr_path = os.path.join(self.dir, 'dnsmasq.stderr')
        self.proc = None
        self.port = None

    @property
    def server(self):
        """The exporter's spelling of this server: "127.0.0.1:port"."""
        return '%s:%d' % (LOOPBACK, self.port)

    def _record_options(self):
        opts = []
        for name, target, port, prio, weight in self.records['srv']:
            opts.append('--srv-host=%s,%s,%d,%d,%d'
                        % (name, target, port, prio, weight))
        for name, prio, weight, uri in self.records['uri']:
            opts.append('--dns-rr=%s,%d,%s'
                        % (name, TYPE_URI, uri_rdata_hex(prio, weight, uri)))
        for name, address in self.records['hosts']:
            opts.append('--host-record=%s,%s' % (name, address))
        for name, address in self.records['a']:
            # Raw RDATA, so that dnsmasq makes no PTR record of its own.
            opts.append('--dns-rr=%s,%d,%s'
                        % (name, TYPE_A, socket.inet_aton(address).hex()))
        for alias, target in self.records['cname']:
            opts.append('--cname=%s,%s' % (alias, target))
        for name, target in self.records['ptr']:
            opts.append('--ptr-record=%s,%s' % (name, target))
        for domain in self.local_domains:
            opts.append('--local=/%s/' % domain)
        return opts

    def _argv(self, port):
        argv = [_dnsmasq(),
                '--keep-in-foreground',
                '--conf-file=/dev/null',
                '--port=%d' % port,
                '--listen-address=' + LOOPBACK,
                '--bind-interfaces',
                '--no-resolv', '--no-hosts', '--no-poll',
                '--pid-file=' + os.path.join(self.dir, 'dnsmasq.pid'),
                '--log-queries',
                '--log-facility=' + self.log_path]
        if os.geteuid() == 0:
            # Stay root rather than drop to "nobody", who could not write
            # the log in this private directory.
            argv.append('--user=root')
        return argv + self._record_options()

    def start(self, timeout=10):
        """Start dnsmasq on a free port and wait until it answers."""
        if self.proc is not None:
            raise krbtest.FixtureError('dnsmasq already running')
        # A port can be taken between picking and binding; try a few.
        for _ in range(3):
            port = krbtest.free_port()
            err = open(self.stderr_path, 'ab')
            try:
                self.proc = subprocess.Popen(
                    self._argv(port), stdin=subprocess.DEVNULL, stdout=err,
                    stderr=err, start_new_session=True)
            finally:
                err.close()
            self.port = port
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    # Any answer at all means the records are loaded.
                    query(port, 'ready.dnstest.test', TYPE_A, timeout=0.2)
                    return self
                except OSError:
                    time.sleep(0.05)
            if self.proc.poll() is None:
                self.stop()
                raise krbtest.FixtureError('dnsmasq did not answer in %ds: %s'
                                           % (timeout, self.output()))
            rc = self.proc.returncode
            self.proc = None
            if 'in use' not in self.output():
                raise krbtest.FixtureError('dnsmasq exited with %d: %s'
                                           % (rc, self.output()))
        raise krbtest.FixtureError('dnsmasq found no free port: '
                                   + self.output())

    def query(self, name, qtype, tcp=False):
        return query(self.port, name, qtype, tcp=tcp)

    def output(self):
        """dnsmasq's stderr and log, for failure messages."""
        text = ''
        for path in (self.stderr_path, self.log_path):
            try:
                with open(path, 'rb') as f:
                    text += f.read().decode('utf-8', 'replace')
            except FileNotFoundError:
                pass
        return text[-4000:]

    def stop(self):
        """SIGTERM, and SIGKILL after 5 s."""
        if self.proc is None:
            return
        krbtest.terminate(self.proc, 5)
        self.proc = None

    def cleanup(self):
        """Stop dnsmasq and remove its directory; safe to call twice."""
        self.stop()
        if self.dir and os.path.isdir(self.dir):
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


class SilentResolver(krbtest.SilentKDC):
    """
    A name server that never answers: UDP datagrams are read by nobody and
    TCP connections are accepted and held in silence.  close() always.
    """

    @property
    def server(self):
        return '%s:%d' % (LOOPBACK, self.port)


# --- exporter configuration -----------------------------------------------

def dns_config(servers, timeout=None):
    """The top-level dns group naming these servers ("IP:port")."""
    text = 'dns = { servers = ( %s );' % ', '.join('"%s"' % s
                                                    for s in servers)
    if timeout is not None:
        text += ' timeout = %s;' % repr(float(timeout))
    return text + ' };\n'


def realm_config(realm, principal, keytab, kdcs=None, services=(),
                 transport='udp', timeout=5.0, canonicalize=None,
                 clockskew=None):
    """
    One realm's group.  With kdcs None the key is left out, so the realm's
    KDCs are found in DNS.
    """
    lines = ['  { realm = "%s";' % realm]
    if kdcs is not None:
        lines.append('    kdcs = ( %s );'
                     % ', '.join('"%s"' % k for k in kdcs))
    lines += ['    transport = "%s";' % transport,
              '    timeout = %s;' % repr(float(timeout))]
    if canonicalize is not None:
        lines.append('    canonicalize = "%s";' % canonicalize)
    if clockskew is not None:
        lines.append('    clockskew = %d;' % clockskew)
    lines.append('    client = { principal = "%s"; keytab = "%s"; };'
                 % (principal, keytab))
    lines.append('    services = ( %s );'
                 % ', '.join('"%s"' % s for s in services))
    lines.append('  }')
    return '\n'.join(lines)


def config_text(realm_groups, dns=None):
    """A whole config: the dns group (text from dns_config) and the realms."""
    return (dns or '') + krbtest.config_text(realm_groups)
