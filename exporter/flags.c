/* flags: command-line parsing; see flags.h. */
#include "exporter/flags.h"

#include <stdio.h>
#include <string.h>

#include "base/hostport.h"

const char *
flags_usage(void)
{
    return "usage: krb5_exporter [flags]\n"
           "  --config.file=PATH            configuration file (default "
           FLAGS_DEFAULT_CONFIG ")\n"
           "  --web.listen-address=HOST:PORT  address to serve on (default "
           FLAGS_DEFAULT_LISTEN ")\n"
           "  --web.config.file=PATH        exporter-toolkit web config "
           "(YAML): TLS, basic auth,\n"
           "                                headers; reread when it changes\n"
           "  --once                        scrape once: exposition on stdout,"
           " summary on stderr;\n"
           "                                exit 0 when every probe "
           "succeeded, 1 otherwise\n"
           "  --check-config                validate the configuration and "
           "exit\n"
           "  --log.level=LEVEL             debug, info, warn or error "
           "(default info)\n"
           "  --log.format=FORMAT           logfmt or json (default logfmt)\n"
           "  --version                     print the version and exit\n"
           "  --help                        print this text and exit\n";
}

int
flags_split_listen(const char *addr, char *host, size_t host_len,
                   unsigned short *port)
{
    struct hostport hp;

    /* A listen address has no default port, and an empty host means every
     * address. */
    if (hostport_parse(addr, 0, HOSTPORT_ANY_HOST, &hp, NULL, 0) != 0
        || strlen(hp.host) >= host_len)
        return -1;
    memcpy(host, hp.host, strlen(hp.host) + 1);
    *port = hp.port;
    return 0;
}

/* Match "--name=value" or "--name value"; advances *i past a value taken
 * from the next argument.  Returns 1 on a match with *value set. */
static int
take_value(int argc, char *const *argv, int *i, const char *name,
           const char **value, int *missing)
{
    const char *a = argv[*i];
    size_t n = strlen(name);

    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        *missing = 1;
        return 1;
    }
    *value = argv[++*i];
    return 1;
}

int
flags_parse(int argc, char *const *argv, struct flags *out, char *err,
            size_t err_len)
{
    struct flags f = {
        .config_file = FLAGS_DEFAULT_CONFIG,
        .listen_address = FLAGS_DEFAULT_LISTEN,
        .log_level = LOG_LEVEL_INFO,
        .log_format = LOG_FORMAT_LOGFMT,
    };

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        int missing = 0;

        if (strcmp(a, "--once") == 0) {
            f.once = 1;
        } else if (strcmp(a, "--check-config") == 0) {
            f.check_config = 1;
        } else if (strcmp(a, "--version") == 0) {
            f.version = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            f.help = 1;
        } else if (take_value(argc, argv, &i, "--config.file", &v, &missing)) {
            if (missing || v[0] == '\0')
                goto no_value;
            f.config_file = v;
        } else if (take_value(argc, argv, &i, "--web.listen-address", &v,
                              &missing)) {
            char host[256];
            unsigned short port;
            if (missing || v[0] == '\0')
                goto no_value;
            if (flags_split_listen(v, host, sizeof(host), &port) != 0) {
                snprintf(err, err_len,
                         "--web.listen-address: \"%s\" is not HOST:PORT, "
                         ":PORT or [IPV6]:PORT with a port from 1 to 65535",
                         v);
                return -1;
            }
            f.listen_address = v;
        } else if (take_value(argc, argv, &i, "--web.config.file", &v,
                              &missing)) {
            if (missing || v[0] == '\0')
                goto no_value;
            f.web_config_file = v;
        } else if (take_value(argc, argv, &i, "--log.level", &v, &missing)) {
            if (missing || v[0] == '\0')
                goto no_value;
            if (log_parse_level(v, &f.log_level) != 0) {
                snprintf(err, err_len,
                         "--log.level: \"%s\" is not one of debug, info, "
                         "warn, error", v);
                return -1;
            }
        } else if (take_value(argc, argv, &i, "--log.format", &v, &missing)) {
            if (missing || v[0] == '\0')
                goto no_value;
            if (log_parse_format(v, &f.log_format) != 0) {
                snprintf(err, err_len,
                         "--log.format: \"%s\" is not one of logfmt, json",
                         v);
                return -1;
            }
        } else {
            snprintf(err, err_len, "unknown flag \"%s\" (see --help)", a);
            return -1;
        }
        continue;
no_value:
        snprintf(err, err_len, "%s needs a value", a);
        return -1;
    }
    *out = f;
    return 0;
}
