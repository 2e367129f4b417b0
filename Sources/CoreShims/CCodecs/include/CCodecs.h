#ifndef CCODECS_H
#define CCODECS_H

/* A thin, bounded driver over the system decompressors (zlib, liblzma, libbz2, libzstd,
 * libbrotlidec), used through Core's `Decompression` (uploads, zip entries, compressed ELF
 * sections, MiniDebugInfo). It decodes nothing itself: it feeds the whole
 * input to the library's streaming API and grows the output buffer until the stream ends, the
 * library fails, or the output would exceed `max_output` (then it stops at once: a compression
 * bomb costs at most max_output + 1 bytes of memory). */

#include <stddef.h>
#include <stdint.h>

typedef enum {
    CCODECS_CODEC_GZIP = 1,        /* RFC 1952; concatenated members are one stream, as gzip(1) reads them */
    CCODECS_CODEC_ZLIB = 2,        /* RFC 1950 */
    CCODECS_CODEC_DEFLATE_RAW = 3, /* RFC 1951 */
    CCODECS_CODEC_XZ = 4,          /* .xz, concatenated streams and stream padding allowed */
    CCODECS_CODEC_BZIP2 = 5,       /* concatenated streams allowed, as bzip2(1) reads them */
    CCODECS_CODEC_ZSTD = 6,        /* one or more frames */
    CCODECS_CODEC_BROTLI = 7       /* RFC 7932 */
} ccodecs_codec;

typedef enum {
    CCODECS_OK = 0,
    CCODECS_TOO_BIG = 1,   /* the output passed max_output bytes; decoding stopped there */
    CCODECS_CORRUPT = 2,   /* the library rejected the data (message says why) */
    CCODECS_TRUNCATED = 3, /* the input ended before the end of the stream */
    CCODECS_TRAILING = 4,  /* bytes after the end of the stream that start no further stream */
    CCODECS_NO_MEMORY = 5,
    CCODECS_BAD_CODEC = 6
} ccodecs_status;

typedef struct {
    /* The decoded bytes (malloc'd; NULL unless the status is CCODECS_OK and size > 0). */
    uint8_t *data;
    size_t size;
    /* How much input the library had consumed when the stream ended or failed (libraries read
     * ahead a little, so on a failure the fault is at or shortly before this offset). */
    size_t input_offset;
    /* How much output had been produced when decoding stopped. */
    size_t output_size;
    /* The library's own words on a failure, NUL-terminated. */
    char message[200];
} ccodecs_result;

/* Decodes `input` with `codec`. Returns a ccodecs_status; fills `result` either way. */
int ccodecs_decompress(int codec, const uint8_t *input, size_t input_size, size_t max_output,
                       ccodecs_result *result);

/* Frees `result->data`. */
void ccodecs_free(void *data);

/* zlib's CRC-32 (the one zip and gzip use) of `size` bytes, continuing from `crc` (0 to start). */
uint32_t ccodecs_crc32(uint32_t crc, const uint8_t *data, size_t size);

#endif
