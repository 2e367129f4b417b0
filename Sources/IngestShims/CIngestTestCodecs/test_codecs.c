#include "CIngestTestCodecs.h"

#include <stdlib.h>
#include <string.h>

#include <brotli/encode.h>
#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

static int deflate_with(int window, const uint8_t *input, size_t input_size, uint8_t **output, size_t *output_size) {
    z_stream s;
    memset(&s, 0, sizeof s);
    if (deflateInit2(&s, 6, Z_DEFLATED, window, 8, Z_DEFAULT_STRATEGY) != Z_OK) return -1;
    size_t cap = deflateBound(&s, (uLong)input_size) + 64;
    uint8_t *out = malloc(cap);
    if (!out) { deflateEnd(&s); return -1; }
    s.next_in = (Bytef *)input;
    s.avail_in = (uInt)input_size;
    s.next_out = out;
    s.avail_out = (uInt)cap;
    int rc = deflate(&s, Z_FINISH);
    size_t size = s.total_out;
    deflateEnd(&s);
    if (rc != Z_STREAM_END) { free(out); return -1; }
    *output = out;
    *output_size = size;
    return 0;
}

int cingest_test_compress(int codec, const uint8_t *input, size_t input_size, uint8_t **output, size_t *output_size) {
    static const uint8_t empty = 0;
    if (!input) input = &empty;
    switch (codec) {
    case CINGEST_TEST_GZIP: return deflate_with(16 + MAX_WBITS, input, input_size, output, output_size);
    case CINGEST_TEST_ZLIB: return deflate_with(MAX_WBITS, input, input_size, output, output_size);
    case CINGEST_TEST_DEFLATE_RAW: return deflate_with(-MAX_WBITS, input, input_size, output, output_size);
    case CINGEST_TEST_XZ: {
        size_t cap = lzma_stream_buffer_bound(input_size);
        uint8_t *out = malloc(cap);
        size_t pos = 0;
        if (!out) return -1;
        if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, input, input_size, out, &pos, cap) != LZMA_OK) {
            free(out);
            return -1;
        }
        *output = out;
        *output_size = pos;
        return 0;
    }
    case CINGEST_TEST_BZIP2: {
        unsigned cap = (unsigned)(input_size + input_size / 100 + 600);
        uint8_t *out = malloc(cap);
        if (!out) return -1;
        if (BZ2_bzBuffToBuffCompress((char *)out, &cap, (char *)input, (unsigned)input_size, 9, 0, 0) != BZ_OK) {
            free(out);
            return -1;
        }
        *output = out;
        *output_size = cap;
        return 0;
    }
    case CINGEST_TEST_ZSTD: {
        size_t cap = ZSTD_compressBound(input_size);
        uint8_t *out = malloc(cap);
        if (!out) return -1;
        size_t size = ZSTD_compress(out, cap, input, input_size, 3);
        if (ZSTD_isError(size)) { free(out); return -1; }
        *output = out;
        *output_size = size;
        return 0;
    }
    case CINGEST_TEST_BROTLI: {
        size_t cap = BrotliEncoderMaxCompressedSize(input_size);
        if (cap == 0) cap = input_size + 1024;
        uint8_t *out = malloc(cap);
        if (!out) return -1;
        if (!BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, input_size, input, &cap, out)) {
            free(out);
            return -1;
        }
        *output = out;
        *output_size = cap;
        return 0;
    }
    default: return -1;
    }
}

int cingest_test_gzip_zeros(uint64_t count, uint8_t **output, size_t *output_size) {
    enum { BLOCK = 1 << 20 };
    uint8_t *zeros = calloc(BLOCK, 1);
    size_t cap = (size_t)(count / 1000) + (1 << 16);
    uint8_t *out = malloc(cap);
    if (!zeros || !out) { free(zeros); free(out); return -1; }
    z_stream s;
    memset(&s, 0, sizeof s);
    if (deflateInit2(&s, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY) != Z_OK) { free(zeros); free(out); return -1; }
    s.next_out = out;
    s.avail_out = (uInt)cap;
    uint64_t left = count;
    int rc = Z_OK;
    while (rc == Z_OK) {
        size_t n = left > BLOCK ? BLOCK : (size_t)left;
        left -= n;
        s.next_in = zeros;
        s.avail_in = (uInt)n;
        rc = deflate(&s, left == 0 ? Z_FINISH : Z_NO_FLUSH);
        if (left == 0 && rc == Z_STREAM_END) break;
        if (s.avail_out == 0 || s.avail_in != 0) { rc = Z_BUF_ERROR; break; }
    }
    size_t size = s.total_out;
    deflateEnd(&s);
    free(zeros);
    if (rc != Z_STREAM_END) { free(out); return -1; }
    *output = out;
    *output_size = size;
    return 0;
}

void cingest_test_free(void *p) { free(p); }
