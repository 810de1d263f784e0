/* Unit tests for base/log: logfmt and JSON escaping, whole lines, the
 * transition from "realm=R: text" messages, and the lines on stderr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/log.h"
#include "base/sbuf.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct escape_case {
    const char *input;
    const char *logfmt;     /* as a logfmt value */
    const char *json;       /* as a JSON string */
    const char *why;
};

static const struct escape_case escape_cases[] = {
    { "plain", "plain", "\"plain\"", "a bare word" },
    { "", "\"\"", "\"\"", "empty: quoted, or the value would vanish" },
    { "two words", "\"two words\"", "\"two words\"", "a space" },
    { "a=b", "\"a=b\"", "\"a=b\"", "an equals sign" },
    { "=", "\"=\"", "\"=\"", "only an equals sign" },
    { "say \"hi\"", "\"say \\\"hi\\\"\"", "\"say \\\"hi\\\"\"",
      "double quotes" },
    { "\"", "\"\\\"\"", "\"\\\"\"", "a lone double quote" },
    { "back\\slash", "back\\slash", "\"back\\\\slash\"",
      "a backslash alone needs no quotes in logfmt" },
    { "back\\ slash", "\"back\\\\ slash\"", "\"back\\\\ slash\"",
      "a backslash inside quotes is escaped" },
    { "trailing\\", "trailing\\", "\"trailing\\\\\"",
      "a backslash at the end" },
    { "line\nbreak", "\"line\\nbreak\"", "\"line\\nbreak\"", "a newline" },
    { "\n", "\"\\n\"", "\"\\n\"", "only a newline" },
    { "cr\rlf", "\"cr\\rlf\"", "\"cr\\rlf\"", "a carriage return" },
    { "tab\there", "\"tab\\there\"", "\"tab\\there\"", "a tab" },
    { "bell\a", "\"bell\\u0007\"", "\"bell\\u0007\"", "a C0 control" },
    { "\x1b[31mred", "\"\\u001b[31mred\"", "\"\\u001b[31mred\"",
      "a terminal escape" },
    { "\b\f", "\"\\u0008\\u000c\"", "\"\\u0008\\u000c\"",
      "backspace and form feed" },
    { "del\x7f", "\"del\\u007f\"", "\"del\\u007f\"", "DEL" },
    { "caf\xc3\xa9", "caf\xc3\xa9", "\"caf\xc3\xa9\"",
      "UTF-8 passes as it is" },
    { "\xe2\x82\xac 5", "\"\xe2\x82\xac 5\"", "\"\xe2\x82\xac 5\"",
      "UTF-8 with a space" },
    { "\xf0\x9f\x94\x91", "\xf0\x9f\x94\x91", "\"\xf0\x9f\x94\x91\"",
      "a four-byte character" },
    { "nel\xc2\x85", "\"nel\\u0085\"", "\"nel\\u0085\"", "a C1 control" },
    { "ls\xe2\x80\xa8ps\xe2\x80\xa9", "\"ls\\u2028ps\\u2029\"",
      "\"ls\\u2028ps\\u2029\"", "the Unicode line separators" },
    { "\xff", "\"\xef\xbf\xbd\"", "\"\xef\xbf\xbd\"",
      "a byte that is never UTF-8" },
    { "cut\xc3", "\"cut\xef\xbf\xbd\"", "\"cut\xef\xbf\xbd\"",
      "a sequence cut short by the end" },
    { "\xe2\x82x", "\"\xef\xbf\xbd\xef\xbf\xbdx\"",
      "\"\xef\xbf\xbd\xef\xbf\xbdx\"",
      "a sequence cut short by an ASCII byte" },
    { "\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"",
      "\"\xef\xbf\xbd\xef\xbf\xbd\"", "an overlong '/'" },
    { "\xe0\x80\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"",
      "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"",
      "an overlong three-byte form" },
    { "\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"",
      "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", "a UTF-16 surrogate" },
    { "\xf4\x90\x80\x80",
      "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"",
      "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"",
      "beyond U+10FFFF" },
    { "\x80x", "\"\xef\xbf\xbdx\"", "\"\xef\xbf\xbdx\"",
      "a stray continuation byte" },
    { "\xef\xbf\xbd", "\"\xef\xbf\xbd\"", "\"\xef\xbf\xbd\"",
      "a real U+FFFD is quoted as slog quotes it" },
    { "udp/[::1]:88", "udp/[::1]:88", "\"udp/[::1]:88\"",
      "a KDC target: colons and brackets need nothing" },
    { "HTTP/www.example.com@EXAMPLE.COM", "HTTP/www.example.com@EXAMPLE.COM",
      "\"HTTP/www.example.com@EXAMPLE.COM\"", "a principal" },
    { "</script>", "</script>", "\"</script>\"", "no HTML escaping" },
    { "x\" level=error msg=\"forged", "\"x\\\" level=error msg=\\\"forged\"",
      "\"x\\\" level=error msg=\\\"forged\"",
      "a value cannot forge fields" },
    { "x\n{\"level\":\"error\"}", "\"x\\n{\\\"level\\\":\\\"error\\\"}\"",
      "\"x\\n{\\\"level\\\":\\\"error\\\"}\"",
      "a value cannot forge a line" },
};

static char *
escaped(void (*fn)(struct sbuf *, const char *), const char *in)
{
    struct sbuf b;
    char *text;

    sbuf_init(&b);
    sbuf_add(&b, "");
    fn(&b, in);
    assert_int_equal(sbuf_status(&b), 0);
    text = sbuf_take(&b, NULL);
    assert_non_null(text);
    return text;
}

static void
escaping(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(escape_cases); i++) {
        const struct escape_case *c = &escape_cases[i];
        char *l, *j;

        print_message("case %zu: %s\n", i, c->why);
        l = escaped(log_escape_logfmt, c->input);
        j = escaped(log_escape_json, c->input);
        assert_string_equal(l, c->logfmt);
        assert_string_equal(j, c->json);
        free(l);
        free(j);
    }
}

/* 2026-12-01T08:00:00.123Z */
static const struct timespec when = { 1796112000, 123456789 };

struct line_case {
    enum log_format format;
    enum log_level level;
    const char *msg;
    struct log_field fields[3];
    size_t n;
    const char *want;
    const char *why;
};

static const struct line_case line_cases[] = {
    { LOG_FORMAT_LOGFMT, LOG_LEVEL_INFO, "listening on :10088",
      { { "realm", "EXAMPLE.COM" } }, 1,
      "ts=2026-12-01T08:00:00.123Z level=info msg=\"listening on :10088\" "
      "realm=EXAMPLE.COM\n", "the shape promslog writes" },
    { LOG_FORMAT_JSON, LOG_LEVEL_INFO, "listening on :10088",
      { { "realm", "EXAMPLE.COM" } }, 1,
      "{\"time\":\"2026-12-01T08:00:00.123Z\",\"level\":\"info\","
      "\"msg\":\"listening on :10088\",\"realm\":\"EXAMPLE.COM\"}\n",
      "the same in JSON" },
    { LOG_FORMAT_LOGFMT, LOG_LEVEL_WARN, "credential failure",
      { { "realm", "A B" }, { "probe", "tgt" },
        { "target", "krbmon@A B" } }, 3,
      "ts=2026-12-01T08:00:00.123Z level=warn msg=\"credential failure\" "
      "realm=\"A B\" probe=tgt target=\"krbmon@A B\"\n",
      "values quoted one by one" },
    { LOG_FORMAT_LOGFMT, LOG_LEVEL_DEBUG, "x", { { 0 } }, 0,
      "ts=2026-12-01T08:00:00.123Z level=debug msg=x\n",
      "no fields, a bare message" },
    { LOG_FORMAT_LOGFMT, LOG_LEVEL_ERROR, "", { { "code", NULL } }, 1,
      "ts=2026-12-01T08:00:00.123Z level=error msg=\"\" code=\"\"\n",
      "empty message, NULL value" },
    { LOG_FORMAT_LOGFMT, LOG_LEVEL_INFO, "k",
      { { "bad key=\"", "v" }, { "", "w" } }, 2,
      "ts=2026-12-01T08:00:00.123Z level=info msg=k bad_key__=v _=w\n",
      "a broken key cannot break the line" },
    { LOG_FORMAT_JSON, LOG_LEVEL_ERROR, "multi\nline \"quoted\"",
      { { "path", "/probe?realm=\x01" }, { "we\"ird", "\xff" } }, 2,
      "{\"time\":\"2026-12-01T08:00:00.123Z\",\"level\":\"error\","
      "\"msg\":\"multi\\nline \\\"quoted\\\"\",\"path\":\"/probe?realm="
      "\\u0001\",\"we\\\"ird\":\"\xef\xbf\xbd\"}\n",
      "every JSON string escaped, keys too" },
    { LOG_FORMAT_JSON, LOG_LEVEL_DEBUG, "x", { { 0 } }, 0,
      "{\"time\":\"2026-12-01T08:00:00.123Z\",\"level\":\"debug\","
      "\"msg\":\"x\"}\n", "no fields" },
};

static void
lines(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(line_cases); i++) {
        const struct line_case *c = &line_cases[i];
        struct sbuf b;
        char *text;

        print_message("case %zu: %s\n", i, c->why);
        sbuf_init(&b);
        log_format_line(&b, c->format, &when, c->level, c->msg, c->fields,
                        c->n);
        text = sbuf_take(&b, NULL);
        assert_non_null(text);
        assert_string_equal(text, c->want);
        free(text);
    }
}

static void
timestamps(void **state)
{
    struct timespec t[] = { { 0, 0 }, { 1796112000, 999999999 },
                            { 1700000000, 1000000 } };
    const char *want[] = { "ts=1970-01-01T00:00:00.000Z",
                           "ts=2026-12-01T08:00:00.999Z",
                           "ts=2023-11-14T22:13:20.001Z" };

    (void)state;
    for (size_t i = 0; i < COUNT(t); i++) {
        struct sbuf b;
        sbuf_init(&b);
        log_format_line(&b, LOG_FORMAT_LOGFMT, &t[i], LOG_LEVEL_INFO, "m",
                        NULL, 0);
        assert_non_null(b.data);
        assert_memory_equal(b.data, want[i], strlen(want[i]));
        sbuf_free(&b);
    }
}

struct split_case {
    const char *input;
    size_t n;
    const char *kv[5][2];
    const char *msg;
    const char *why;
};

static const struct split_case split_cases[] = {
    { "realm=EXAMPLE.COM probe=tgt target=krbmon@EXAMPLE.COM: credential "
      "failure KRB5KDC_ERR_CLIENT_REVOKED; not presenting again", 3,
      { { "realm", "EXAMPLE.COM" }, { "probe", "tgt" },
        { "target", "krbmon@EXAMPLE.COM" } },
      "credential failure KRB5KDC_ERR_CLIENT_REVOKED; not presenting again",
      "realmstate's lockout line" },
    { "realm=EXAMPLE.COM: probes did not finish before the scrape deadline",
      1, { { "realm", "EXAMPLE.COM" } },
      "probes did not finish before the scrape deadline", "scrape's line" },
    { "realm=R probe=kdc target=tcp/[::1]:88 code=110 name=ETIMEDOUT: "
      "timed out", 5,
      { { "realm", "R" }, { "probe", "kdc" }, { "target", "tcp/[::1]:88" },
        { "code", "110" }, { "name", "ETIMEDOUT" } },
      "timed out", "app's debug line, a target full of colons" },
    { "realm=R code=-1765328366 name=KRB5KDC_ERR_CLIENT_REVOKED: a: b", 3,
      { { "realm", "R" }, { "code", "-1765328366" },
        { "name", "KRB5KDC_ERR_CLIENT_REVOKED" } },
      "a: b", "only the first ': ' ends the prefix" },
    { "realm=R:", 1, { { "realm", "R" } }, "", "nothing after the prefix" },
    { "realm=: empty", 1, { { "realm", "" } }, "empty", "an empty value" },
    { "target=a:b: msg", 1, { { "target", "a:b" } }, "msg",
      "a colon inside the value" },
    { "listening on :10088 (plain HTTP)", 0, { { 0 } },
      "listening on :10088 (plain HTTP)", "free text" },
    { "reload: conf:3: unknown key", 0, { { 0 } },
      "reload: conf:3: unknown key", "a word before ':' is no field" },
    { "realm=R no colon", 0, { { 0 } }, "realm=R no colon",
      "free text after a field" },
    { "realm=R", 0, { { 0 } }, "realm=R", "no ':' at all" },
    { "realm=R:msg", 0, { { 0 } }, "realm=R:msg",
      "':' without a space after it" },
    { "user=bob: logged in", 0, { { 0 } }, "user=bob: logged in",
      "a key not taken" },
    { "realm=R secret=x: y", 0, { { 0 } }, "realm=R secret=x: y",
      "a key not taken after a good one" },
    { "realm=R  probe=tgt: y", 0, { { 0 } }, "realm=R  probe=tgt: y",
      "two spaces" },
    { "=x: y", 0, { { 0 } }, "=x: y", "an empty key" },
    { "", 0, { { 0 } }, "", "empty" },
    { "realm=a=b: y", 1, { { "realm", "a=b" } }, "y",
      "an '=' inside the value" },
};

static void
split_prefix(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(split_cases); i++) {
        const struct split_case *c = &split_cases[i];
        struct log_field fields[LOG_MAX_FIELDS];
        char text[256];
        const char *msg = NULL;
        size_t n;

        print_message("case %zu: %s\n", i, c->why);
        snprintf(text, sizeof(text), "%s", c->input);
        n = log_split_prefix(text, fields, LOG_MAX_FIELDS, &msg);
        assert_int_equal(n, c->n);
        assert_string_equal(msg, c->msg);
        for (size_t k = 0; k < n; k++) {
            assert_string_equal(fields[k].key, c->kv[k][0]);
            assert_string_equal(fields[k].value, c->kv[k][1]);
        }
        if (n == 0)
            assert_string_equal(text, c->input);
    }
}

/* More fields than there is room for: none taken, text untouched. */
static void
split_prefix_room(void **state)
{
    struct log_field fields[2];
    char text[] = "realm=R probe=tgt target=x: m";
    const char *msg;

    (void)state;
    assert_int_equal(log_split_prefix(text, fields, 2, &msg), 0);
    assert_string_equal(msg, "realm=R probe=tgt target=x: m");
    assert_string_equal(text, "realm=R probe=tgt target=x: m");
}

static void
parse_names(void **state)
{
    enum log_format f = LOG_FORMAT_JSON;
    enum log_level l = LOG_LEVEL_ERROR;

    (void)state;
    assert_int_equal(log_parse_format("logfmt", &f), 0);
    assert_int_equal(f, LOG_FORMAT_LOGFMT);
    assert_int_equal(log_parse_format("json", &f), 0);
    assert_int_equal(f, LOG_FORMAT_JSON);
    assert_int_equal(log_parse_format("JSON", &f), -1);
    assert_int_equal(log_parse_format("", &f), -1);
    assert_int_equal(log_parse_format("text", &f), -1);
    assert_int_equal(f, LOG_FORMAT_JSON);
    assert_int_equal(log_parse_level("warn", &l), 0);
    assert_int_equal(l, LOG_LEVEL_WARN);
    assert_int_equal(log_parse_level("warning", &l), -1);
}

/* What the calls write to stderr: captured through a temporary file. */
static char *
capture(void (*emit)(void))
{
    char path[] = "/tmp/test_log.XXXXXX";
    int fd = mkstemp(path), saved;
    char *text = calloc(1, 4096);
    ssize_t n;

    assert_true(fd >= 0);
    assert_non_null(text);
    unlink(path);
    fflush(stderr);
    saved = dup(2);
    dup2(fd, 2);
    emit();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    lseek(fd, 0, SEEK_SET);
    n = read(fd, text, 4095);
    assert_true(n >= 0);
    close(fd);
    return text;
}

static void
emit_lines(void)
{
    log_set_level(LOG_LEVEL_INFO);
    log_set_format(LOG_FORMAT_LOGFMT);
    log_kv(LOG_LEVEL_WARN, "credential failure", "realm", "EXAMPLE.COM",
           "probe", "tgt", "target", "krbmon@EXAMPLE.COM", (char *)NULL);
    log_debug("realm=HIDDEN: below the level");
    log_info("realm=%s probe=%s: %s \"%d\"", "R", "kdc", "said", 5);
    log_set_format(LOG_FORMAT_JSON);
    log_kv(LOG_LEVEL_ERROR, "json now", "realm", "R", "empty", (char *)NULL,
           (char *)NULL);
    log_warn("plain %s", "text");
    log_set_format(LOG_FORMAT_LOGFMT);
}

static void
to_stderr(void **state)
{
    char *text = capture(emit_lines);
    const char *want[] = {
        " level=warn msg=\"credential failure\" realm=EXAMPLE.COM probe=tgt "
        "target=krbmon@EXAMPLE.COM\n",
        " level=info msg=\"said \\\"5\\\"\" realm=R probe=kdc\n",
        "\",\"level\":\"error\",\"msg\":\"json now\",\"realm\":\"R\","
        "\"empty\":\"\"}\n",
        "\",\"level\":\"warn\",\"msg\":\"plain text\"}\n",
    };
    const char *p = text;

    (void)state;
    print_message("%s", text);
    assert_null(strstr(text, "HIDDEN"));
    for (size_t i = 0; i < COUNT(want); i++) {
        const char *nl = strchr(p, '\n');
        size_t len = strlen(want[i]);
        assert_non_null(nl);
        assert_true((size_t)(nl + 1 - p) > len);
        assert_memory_equal(nl + 1 - len, want[i], len);
        assert_true(strncmp(p, i < 2 ? "ts=" : "{\"time\":\"", 3) == 0);
        p = nl + 1;
    }
    assert_string_equal(p, "");
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(escaping),
        cmocka_unit_test(lines),
        cmocka_unit_test(timestamps),
        cmocka_unit_test(split_prefix),
        cmocka_unit_test(split_prefix_room),
        cmocka_unit_test(parse_names),
        cmocka_unit_test(to_stderr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
