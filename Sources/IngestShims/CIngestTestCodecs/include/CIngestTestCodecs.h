#ifndef CINGEST_TEST_CODECS_H
#define CINGEST_TEST_CODECS_H

/* Compressors for the ingest tests only: they produce the request bodies and containers the
 * decoder is tested on, with the same system libraries (zlib, liblzma, libbz2, libzstd,
 * libbrotlienc). Not linked into the library. */

#include <stddef.h>
#include <stdint.h>

typedef enum {
    CINGEST_TEST_GZIP = 1,
    CINGEST_TEST_ZLIB = 2,
    CINGEST_TEST_DEFLATE_RAW = 3,
    CINGEST_TEST_XZ = 4,
    CINGEST_TEST_BZIP2 = 5,
    CINGEST_TEST_ZSTD = 6,
    CINGEST_TEST_BROTLI = 7
} cingest_test_codec;

/* Compresses `input`; on success returns 0 and a malloc'd buffer in *output (free with
 * cingest_test_free). Returns -1 on failure. */
int cingest_test_compress(int codec, const uint8_t *input, size_t input_size, uint8_t **output, size_t *output_size);

/* A gzip stream of `count` zero bytes, produced by streaming (the zeros are never held in
 * memory at once): a decompression bomb. */
int cingest_test_gzip_zeros(uint64_t count, uint8_t **output, size_t *output_size);

void cingest_test_free(void *p);

#endif
