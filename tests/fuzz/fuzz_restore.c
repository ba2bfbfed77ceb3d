/* libFuzzer target: a save file as input to restore. mi_store_restore_mem must
 * never crash, hang or leak on any bytes, and whatever it accepts must leave a
 * store that verifies clean.
 *
 * Random bytes rarely get past SQLite's header, so the first input byte selects a
 * mode: even, the rest of the input is the save file; odd, the rest is a list of
 * 4-byte edits (24-bit offset, xor mask) applied to a valid save file built at
 * start-up, which reaches the deeper checks (digests, templates, names). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mi_asm.h"
#include "mi_store.h"

static uint8_t *good;
static size_t ngood;

static void build_good(void) {
    static const char *const src[2] = {
        "DCL m CHAR(5) INIT('hello')\n        SVC 2, m\n        RTX\n",
        "DCL n BIN(4) INIT(7)\nDCL t CHAR(8)\n        ADDN n, n, 1\n        CVTNC t, n\n"
        "        SVC 2, t\n        RTX\n",
    };
    mi_store *s = NULL;
    mi_diag d;
    if (mi_store_open(":memory:", 0, &s, &d) != MI_OK) abort();
    for (int i = 0; i < 2; i++) {
        uint8_t *t = NULL;
        size_t n = 0;
        if (mi_asm_assemble(src[i], strlen(src[i]), NULL, &t, &n, NULL) != MI_OK) abort();
        if (mi_store_install(s, NULL, i ? "TWO" : "ONE", t, n, "x.mi", 0, NULL, NULL, &d) != MI_OK) abort();
        free(t);
    }
    char path[64];
    snprintf(path, sizeof path, "/tmp/fuzz_restore.%ld.misav", (long)getpid());
    mi_qname q = {"MILIB", ""};
    if (mi_store_save(s, &q, 1, path, NULL, &d) != MI_OK) abort();
    mi_store_close(s);
    FILE *f = fopen(path, "rb");
    if (f == NULL) abort();
    fseek(f, 0, SEEK_END);
    ngood = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    good = malloc(ngood);
    if (good == NULL || fread(good, 1, ngood, f) != ngood) abort();
    fclose(f);
    unlink(path);
    char side[80];
    snprintf(side, sizeof side, "%s.sha256", path);
    unlink(side);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (good == NULL) build_good();
    if (size == 0) return 0;
    uint8_t *buf = NULL;
    const uint8_t *in = data + 1;
    size_t n = size - 1;
    if (data[0] & 1) {
        buf = malloc(ngood);
        if (buf == NULL) abort();
        memcpy(buf, good, ngood);
        for (size_t i = 0; i + 4 <= n; i += 4) {
            size_t off = ((size_t)in[i] | (size_t)in[i + 1] << 8 | (size_t)in[i + 2] << 16) % ngood;
            buf[off] ^= in[i + 3];
        }
        in = buf;
        n = ngood;
    }
    mi_store *s = NULL;
    mi_diag d;
    if (mi_store_open(":memory:", 0, &s, &d) != MI_OK) abort();
    if (mi_store_restore_mem(s, in, n, "fuzz", NULL, 0, NULL, &d) == MI_OK) {
        if (mi_store_verify(s, NULL, NULL, NULL, NULL, NULL, &d) != MI_OK) abort();
    }
    mi_store_close(s);
    free(buf);
    return 0;
}
