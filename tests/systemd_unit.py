#!/usr/bin/env python3
"""
Check the systemd unit with systemd-analyze: `verify` must find nothing
wrong, and `security` (offline) must rate its exposure low.  Prints the
rating; exits 77 (skipped) where systemd-analyze is missing.
"""
import re
import subprocess
import sys

unit, analyze = sys.argv[1], sys.argv[2]
if not analyze:
    print('systemd-analyze not found: skipped')
    sys.exit(77)

r = subprocess.run([analyze, 'verify', unit], capture_output=True, text=True)
# Complaints about the running system (no systemd as PID 1 in a container)
# are not about the unit.
noise = re.compile(r'(System has not been booted|Failed to connect to bus|'
                   r'Failed to prepare filename|Cannot find unit|'
                   r'Unit .* not found|is not a valid .* unit|'
                   r'Failed to create /init.scope)', re.I)
problems = [l for l in (r.stdout + r.stderr).splitlines()
            if l.strip() and not noise.search(l)]
if problems:
    print('systemd-analyze verify %s:\n%s' % (unit, '\n'.join(problems)))
    sys.exit(1)
print('verify: ok')

r = subprocess.run([analyze, 'security', '--offline=true', unit],
                   capture_output=True, text=True)
m = re.search(r'Overall exposure level for \S+: ([0-9.]+) (\w+)', r.stdout)
if m is None:
    print('security: no rating (%s)' % (r.stderr.strip() or r.stdout[-300:]))
    sys.exit(0)
print('security: exposure %s %s' % (m.group(1), m.group(2)))
sys.exit(0 if float(m.group(1)) <= 2.5 else 1)
