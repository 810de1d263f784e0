/*
 * fuzz_edata: the decoder of AD's extended error (edata_ntstatus) on any
 * bytes a KDC could put in a KRB-ERROR's e-data, and the name the status
 * then gets (ntstatus_name).  Input: the e-data, as is.
 *
 * Beyond "no crash, no read past the end" (AddressSanitizer sees to that:
 * libFuzzer hands over a buffer of exactly the input's size), the checks
 * are: the answer is one of the three documented; a status is set only
 * when one is found, is an error NTSTATUS, and its 12 bytes (status,
 * reserved zero) are in the input; the same bytes give the same answer;
 * a status found reads back the same when wrapped as Samba and as
 * Windows wrap it; and its name is a bounded label value.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzutil.h"
#include "probes/edata.h"
#include "probes/ntstatus.h"

#define SENTINEL 0x5EA7BEEFu

static void
put_le32(unsigned char *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(v >> (8 * i));
}

/* status as a 12-byte KERB-EXT-ERROR (flags 1) at b. */
static void
ext_error(unsigned char *b, uint32_t status)
{
    put_le32(b, status);
    put_le32(b + 4, 0);
    put_le32(b + 8, 1);
}

/* Decode an exact-size heap copy of what we built, as the fuzzer would. */
static int
decode_copy(const unsigned char *bytes, size_t len, uint32_t *status)
{
    unsigned char *copy = malloc(len);
    int ret;

    if (copy == NULL)
        abort();
    memcpy(copy, bytes, len);
    ret = edata_ntstatus(copy, len, status);
    free(copy);
    return ret;
}

/* The status reads back the same in each wrapping DCs use. */
static void
check_round_trip(uint32_t status)
{
    static const unsigned char method_data[] = {
        0x30, 0x17, 0x30, 0x15, 0xa1, 0x03, 0x02, 0x01, 0x03, 0xa2, 0x0e,
        0x04, 0x0c };
    static const unsigned char error_data[] = {
        0x30, 0x15, 0xa1, 0x03, 0x02, 0x01, 0x03, 0xa2, 0x0e, 0x04, 0x0c };
    unsigned char buf[sizeof(method_data) + 12];
    uint32_t got;

    memcpy(buf, method_data, sizeof(method_data));
    ext_error(buf + sizeof(method_data), status);
    got = SENTINEL;
    if (decode_copy(buf, sizeof(buf), &got) != 0 || got != status)
        fuzz_fail("edata_ntstatus: 0x%08X in a METHOD-DATA reads back as "
                  "0x%08X", (unsigned)status, (unsigned)got);
    memcpy(buf, error_data, sizeof(error_data));
    ext_error(buf + sizeof(error_data), status);
    got = SENTINEL;
    if (decode_copy(buf, sizeof(error_data) + 12, &got) != 0 ||
        got != status)
        fuzz_fail("edata_ntstatus: 0x%08X in a KERB-ERROR-DATA reads back "
                  "as 0x%08X", (unsigned)status, (unsigned)got);
    ext_error(buf, status);
    got = SENTINEL;
    if (decode_copy(buf, 12, &got) != 0 || got != status)
        fuzz_fail("edata_ntstatus: bare 0x%08X reads back as 0x%08X",
                  (unsigned)status, (unsigned)got);
}

static void
check_name(unsigned long status)
{
    const char *name = ntstatus_name(status);
    const struct ntstatus_advice *adv = ntstatus_advice(status);

    if (name == NULL)
        fuzz_fail("ntstatus_name(0x%08lX) is NULL", status);
    if (strcmp(name, NTSTATUS_UNKNOWN_NAME) == 0) {
        if (adv != NULL)
            fuzz_fail("ntstatus: advice for UNKNOWN 0x%08lX", status);
        return;
    }
    if (strncmp(name, "STATUS_", 7) != 0 || adv == NULL)
        fuzz_fail("ntstatus: 0x%08lX named \"%s\", advice %p", status, name,
                  (const void *)adv);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t status = SENTINEL, again = SENTINEL;
    unsigned char needle[8];
    int ret = edata_ntstatus(data, size, &status);

    if (ret != 0 && ret != ENOENT && ret != EINVAL)
        fuzz_fail("edata_ntstatus: returned %d", ret);
    if (edata_ntstatus(data, size, &again) != ret || again != status)
        fuzz_fail("edata_ntstatus: two answers for the same bytes");
    if (ret != 0) {
        if (status != SENTINEL)
            fuzz_fail("edata_ntstatus: status set although it returned %d",
                      ret);
        return 0;
    }
    if ((status & 0xC0000000u) != 0xC0000000u)
        fuzz_fail("edata_ntstatus: 0x%08X is no error status",
                  (unsigned)status);
    put_le32(needle, status);
    put_le32(needle + 4, 0);
    if (size < 12 || memmem(data, size, needle, sizeof(needle)) == NULL)
        fuzz_fail("edata_ntstatus: 0x%08X is not in the input",
                  (unsigned)status);
    if (size == 12 && memcmp(data, needle, sizeof(needle)) != 0)
        fuzz_fail("edata_ntstatus: a bare 12-byte form read wrongly");
    check_round_trip(status);
    check_name(status);
    return 0;
}
