#!/usr/bin/env python3
"""Write krb5err_table.h: every MIT krb5 com_err code and every c-ares status.

Usage: gen_errtable.py <krb5/krb5.h> <ares.h> <output krb5err_table.h>

The installed headers are the only source of truth, so the exporter names
every code the installed libraries can return.  The generated entries use the
macros themselves rather than numbers, so the compiler checks each entry
against the header it came from; the numbers are only used here, to sort the
krb5 table so that krb5err.c can bsearch it.

Any sign that a header's format has changed (no tables found, too few codes,
a code outside its table's range, a missing c-ares status) stops the build
with a message instead of producing a silently short table.
"""

import os
import re
import sys

# A com_err table holds at most 256 codes starting at its base.
TABLE_SPAN = 256

# Fewer krb5 codes than this means the header was not parsed as intended;
# MIT krb5 1.20 has about 400.
MIN_KRB5_CODES = 200

# c-ares has had 25 statuses since 1.7; fewer means a parsing problem.
MIN_ARES_CODES = 20

# "#define ERROR_TABLE_BASE_krb5 (-1765328384L)" closes each generated
# com_err section and gives the table's base.
BASE_RE = re.compile(
    r'^\s*#\s*define\s+ERROR_TABLE_BASE_(\w+)\s+\(?\s*(-?\d+)L?\s*\)?\s*$')

# compile_et heads each section with a comment naming its source,
# " * et-h-krb5_err.h:".  Counting them catches a section cut off before its
# ERROR_TABLE_BASE_ line.
SECTION_RE = re.compile(r'^\s*\*\s*et-h-\w+\.h:')

# "#define KRB5KDC_ERR_CLIENT_REVOKED (-1765328366L)": the only form com_err's
# compile_et uses for codes.
CODE_RE = re.compile(r'^\s*#\s*define\s+([A-Za-z_]\w*)\s+\((-?\d+)L\)\s*$')

# c-ares statuses: "#define ARES_ENOTFOUND 4" in the releases we build
# against, "ARES_ENOTFOUND = 4," inside an enum in newer ones.  Only
# ARES_SUCCESS and the ARES_E* names are statuses; flags and options
# (ARES_FLAG_*, ARES_OPT_*, ARES_NI_*, ...) never start with ARES_E.
ARES_DEFINE_RE = re.compile(
    r'^\s*#\s*define\s+(ARES_SUCCESS|ARES_E[A-Z0-9_]*)\s+(\d+)\b')
ARES_ENUM_RE = re.compile(r'^\s*(ARES_SUCCESS|ARES_E[A-Z0-9_]*)\s*=\s*(\d+)\s*,?')


def fail(message):
    sys.stderr.write('gen_errtable.py: error: %s\n' % message)
    sys.exit(1)


def read_lines(path):
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            return f.read().splitlines()
    except OSError as e:
        fail('cannot read %s: %s' % (path, e.strerror))


def parse_krb5(path):
    """Return (tables, codes).

    tables is a list of (table name, base) in header order; codes a list of
    (value, macro name, table name) sorted by value, one name per value.
    """
    lines = read_lines(path)
    bases = []
    candidates = []
    sections = 0
    for line in lines:
        if SECTION_RE.match(line):
            sections += 1
            continue
        m = BASE_RE.match(line)
        if m:
            bases.append((m.group(1), int(m.group(2))))
            continue
        m = CODE_RE.match(line)
        if m and not m.group(1).startswith('ERROR_TABLE_BASE_'):
            candidates.append((m.group(1), int(m.group(2))))

    if not bases:
        fail('%s: no ERROR_TABLE_BASE_ macros; header format changed?' % path)
    if sections and sections != len(bases):
        fail('%s: %d error table sections but %d ERROR_TABLE_BASE_ macros; '
             'header format changed?' % (path, sections, len(bases)))

    codes = {}
    per_table = {name: 0 for name, _ in bases}
    for name, value in candidates:
        table = None
        for tname, base in bases:
            if base <= value < base + TABLE_SPAN:
                table = tname
                break
        if table is None:
            # A parenthesised long constant that belongs to no error table
            # is not an error code.
            continue
        if value in codes:
            # Keep the first spelling so that the name of a code is stable;
            # com_err tables have no aliases today.
            continue
        codes[value] = (name, table)
        per_table[table] += 1

    empty = [t for t, n in per_table.items() if n == 0]
    if empty:
        fail('%s: error tables without codes: %s; header format changed?'
             % (path, ', '.join(sorted(empty))))
    if len(codes) < MIN_KRB5_CODES:
        fail('%s: only %d krb5 error codes found (expected at least %d); '
             'header format changed?' % (path, len(codes), MIN_KRB5_CODES))

    ordered = [(v, codes[v][0], codes[v][1]) for v in sorted(codes)]
    return bases, ordered


def parse_ares(path):
    """Return a list of (value, macro name) sorted by value."""
    statuses = {}
    for line in read_lines(path):
        m = ARES_DEFINE_RE.match(line) or ARES_ENUM_RE.match(line)
        if not m:
            continue
        name, value = m.group(1), int(m.group(2))
        if name in statuses.values():
            continue
        statuses.setdefault(value, name)

    if statuses.get(0) != 'ARES_SUCCESS':
        fail('%s: ARES_SUCCESS not found; header format changed?' % path)
    if len(statuses) < MIN_ARES_CODES:
        fail('%s: only %d c-ares statuses found (expected at least %d); '
             'header format changed?' % (path, len(statuses), MIN_ARES_CODES))
    return [(v, statuses[v]) for v in sorted(statuses)]


def render(krb5_path, ares_path, tables, krb5_codes, ares_codes):
    out = []
    out.append('/*')
    out.append(' * krb5err_table.h: generated by gen_errtable.py from')
    out.append(' *   %s' % krb5_path)
    out.append(' *   %s' % ares_path)
    out.append(' * Do not edit; it is rewritten on every build.')
    out.append(' *')
    out.append(' * Every entry names its code by the header macro, so the compiler')
    out.append(' * checks the value.  errtable_krb5 is sorted by code for bsearch.')
    out.append(' * Include from one .c file per program part: the tables are static.')
    out.append(' */')
    out.append('#ifndef KRB5EXP_KRB5ERR_TABLE_H')
    out.append('#define KRB5EXP_KRB5ERR_TABLE_H')
    out.append('')
    out.append('#include <ares.h>')
    out.append('#include <krb5.h>')
    out.append('')
    out.append('struct errtable_entry {')
    out.append('    long code;')
    out.append('    const char *name;')
    out.append('};')
    out.append('')
    out.append('/* %d codes from %d com_err tables. */' % (len(krb5_codes), len(tables)))
    out.append('static const struct errtable_entry errtable_krb5[] = {')
    bases = dict(tables)
    current = None
    for value, name, table in krb5_codes:
        if table != current:
            out.append('    /* com_err table %s, base %d */' % (table, bases[table]))
            current = table
        out.append('    { %s, "%s" },' % (name, name))
    out.append('};')
    out.append('')
    out.append('/* %d c-ares statuses, sorted by value. */' % len(ares_codes))
    out.append('static const struct errtable_entry errtable_ares[] = {')
    for _, name in ares_codes:
        out.append('    { %s, "%s" },' % (name, name))
    out.append('};')
    out.append('')
    out.append('#define ERRTABLE_KRB5_COUNT (sizeof errtable_krb5 / sizeof errtable_krb5[0])')
    out.append('#define ERRTABLE_ARES_COUNT (sizeof errtable_ares / sizeof errtable_ares[0])')
    out.append('')
    out.append('#endif')
    return '\n'.join(out) + '\n'


def main(argv):
    if len(argv) != 4:
        sys.stderr.write('usage: %s <krb5/krb5.h> <ares.h> <output.h>\n' % argv[0])
        return 2
    krb5_path, ares_path, out_path = argv[1], argv[2], argv[3]
    tables, krb5_codes = parse_krb5(krb5_path)
    ares_codes = parse_ares(ares_path)
    text = render(krb5_path, ares_path, tables, krb5_codes, ares_codes)

    # Write through a temporary file so that an interrupted run never leaves
    # a truncated header behind for the next incremental build.
    tmp_path = out_path + '.tmp'
    try:
        with open(tmp_path, 'w', encoding='utf-8') as f:
            f.write(text)
        os.replace(tmp_path, out_path)
    except OSError as e:
        fail('cannot write %s: %s' % (out_path, e.strerror))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
