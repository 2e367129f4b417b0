/* Bounded drivers over the system decompression libraries; see CCodecs.h. */

#include "CCodecs.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <brotli/decode.h>
#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

/* Largest amount handed to a library call whose counters are 32-bit (zlib, bzip2). */
#define CHUNK_LIMIT ((size_t)1 << 30)
/* Memory liblzma may use for its dictionary (xz -9 needs 65 MiB). */
#define XZ_MEMORY_LIMIT ((uint64_t)256 << 20)

typedef struct {
    uint8_t *data;
    size_t size;     /* bytes produced */
    size_t capacity; /* bytes allocated */
    size_t limit;    /* max_output + 1: producing this many bytes means "too big" */
} output_buffer;

/* Makes room for more output. Returns CCODECS_OK, CCODECS_TOO_BIG when `limit` bytes were
 * already produced, or CCODECS_NO_MEMORY. */
static int reserve(output_buffer *out) {
    if (out->size >= out->limit) return CCODECS_TOO_BIG;
    if (out->size < out->capacity) return CCODECS_OK;
    size_t grown = out->capacity < (64 << 10) ? (64 << 10) : out->capacity * 2;
    if (grown < out->capacity || grown > out->limit) grown = out->limit;
    uint8_t *data = realloc(out->data, grown);
    if (data == NULL) return CCODECS_NO_MEMORY;
    out->data = data;
    out->capacity = grown;
    return CCODECS_OK;
}

static size_t clamp(size_t n) { return n > CHUNK_LIMIT ? CHUNK_LIMIT : n; }

static void say(ccodecs_result *result, const char *text) {
    snprintf(result->message, sizeof result->message, "%s", text ? text : "");
}

/* ---- zlib: gzip, zlib and raw deflate ---- */

static int run_zlib(int codec, const uint8_t *input, size_t input_size, output_buffer *out,
                    ccodecs_result *result, size_t *consumed) {
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    int window = codec == CCODECS_CODEC_GZIP ? 16 + MAX_WBITS : codec == CCODECS_CODEC_ZLIB ? MAX_WBITS : -MAX_WBITS;
    if (inflateInit2(&stream, window) != Z_OK) {
        say(result, "zlib could not start");
        return CCODECS_NO_MEMORY;
    }
    size_t in_pos = 0;
    int status;
    for (;;) {
        status = reserve(out);
        if (status != CCODECS_OK) break;
        stream.next_in = (Bytef *)(input + in_pos);
        stream.avail_in = (uInt)clamp(input_size - in_pos);
        stream.next_out = out->data + out->size;
        stream.avail_out = (uInt)clamp(out->capacity - out->size);
        uInt avail_in = stream.avail_in, avail_out = stream.avail_out;
        int rc = inflate(&stream, Z_NO_FLUSH);
        in_pos += avail_in - stream.avail_in;
        out->size += avail_out - stream.avail_out;
        if (rc == Z_STREAM_END) {
            if (in_pos == input_size) { status = CCODECS_OK; break; }
            /* gzip(1) reads concatenated members as one file. */
            if (codec == CCODECS_CODEC_GZIP && input_size - in_pos >= 2 && input[in_pos] == 0x1f &&
                input[in_pos + 1] == 0x8b) {
                if (inflateReset(&stream) != Z_OK) { say(result, "zlib could not restart"); status = CCODECS_CORRUPT; break; }
                continue;
            }
            say(result, "data after the end of the compressed stream");
            status = CCODECS_TRAILING;
            break;
        }
        if (rc == Z_OK) continue;
        if (rc == Z_BUF_ERROR) {
            if (stream.avail_out == 0) continue;
            say(result, "the input ended before the end of the compressed stream");
            status = CCODECS_TRUNCATED;
            break;
        }
        if (rc == Z_MEM_ERROR) { say(result, "zlib ran out of memory"); status = CCODECS_NO_MEMORY; break; }
        if (rc == Z_NEED_DICT) { say(result, "the stream needs a preset dictionary"); status = CCODECS_CORRUPT; break; }
        say(result, stream.msg ? stream.msg : "corrupt data");
        status = CCODECS_CORRUPT;
        break;
    }
    inflateEnd(&stream);
    *consumed = in_pos;
    return status;
}

/* ---- liblzma: xz ---- */

static const char *lzma_words(lzma_ret rc) {
    switch (rc) {
    case LZMA_FORMAT_ERROR: return "not in the .xz format";
    case LZMA_OPTIONS_ERROR: return "unsupported compression options";
    case LZMA_DATA_ERROR: return "corrupt data";
    case LZMA_MEMLIMIT_ERROR: return "the stream needs more than 256 MiB of memory to decode";
    case LZMA_MEM_ERROR: return "liblzma ran out of memory";
    case LZMA_UNSUPPORTED_CHECK: return "unsupported integrity check";
    default: return "liblzma failed";
    }
}

static int run_xz(const uint8_t *input, size_t input_size, output_buffer *out, ccodecs_result *result,
                  size_t *consumed) {
    lzma_stream stream = LZMA_STREAM_INIT;
    if (lzma_stream_decoder(&stream, XZ_MEMORY_LIMIT, LZMA_CONCATENATED) != LZMA_OK) {
        say(result, "liblzma could not start");
        return CCODECS_NO_MEMORY;
    }
    stream.next_in = input;
    stream.avail_in = input_size;
    int status;
    for (;;) {
        status = reserve(out);
        if (status != CCODECS_OK) break;
        stream.next_out = out->data + out->size;
        stream.avail_out = out->capacity - out->size;
        size_t avail_out = stream.avail_out;
        lzma_ret rc = lzma_code(&stream, LZMA_FINISH);
        out->size += avail_out - stream.avail_out;
        if (rc == LZMA_STREAM_END) { status = CCODECS_OK; break; }
        if (rc == LZMA_OK) continue;
        if (rc == LZMA_BUF_ERROR) {
            if (stream.avail_out == 0) continue;
            say(result, "the input ended before the end of the compressed stream");
            status = CCODECS_TRUNCATED;
            break;
        }
        say(result, lzma_words(rc));
        status = rc == LZMA_MEM_ERROR ? CCODECS_NO_MEMORY : CCODECS_CORRUPT;
        break;
    }
    *consumed = input_size - stream.avail_in;
    lzma_end(&stream);
    return status;
}

/* ---- libbz2 ---- */

static const char *bzip2_words(int rc) {
    switch (rc) {
    case BZ_DATA_ERROR: return "corrupt data (block checksum or structure)";
    case BZ_DATA_ERROR_MAGIC: return "not in the bzip2 format";
    case BZ_MEM_ERROR: return "libbz2 ran out of memory";
    case BZ_PARAM_ERROR: return "libbz2 rejected its parameters";
    default: return "libbz2 failed";
    }
}

static int run_bzip2(const uint8_t *input, size_t input_size, output_buffer *out, ccodecs_result *result,
                     size_t *consumed) {
    bz_stream stream;
    memset(&stream, 0, sizeof stream);
    if (BZ2_bzDecompressInit(&stream, 0, 0) != BZ_OK) {
        say(result, "libbz2 could not start");
        return CCODECS_NO_MEMORY;
    }
    size_t in_pos = 0;
    int status;
    for (;;) {
        status = reserve(out);
        if (status != CCODECS_OK) break;
        stream.next_in = (char *)(input + in_pos);
        stream.avail_in = (unsigned)clamp(input_size - in_pos);
        stream.next_out = (char *)(out->data + out->size);
        stream.avail_out = (unsigned)clamp(out->capacity - out->size);
        unsigned avail_in = stream.avail_in, avail_out = stream.avail_out;
        int rc = BZ2_bzDecompress(&stream);
        in_pos += avail_in - stream.avail_in;
        out->size += avail_out - stream.avail_out;
        if (rc == BZ_STREAM_END) {
            if (in_pos == input_size) { status = CCODECS_OK; break; }
            /* bzip2(1) reads concatenated streams as one file. */
            if (input_size - in_pos >= 3 && memcmp(input + in_pos, "BZh", 3) == 0) {
                BZ2_bzDecompressEnd(&stream);
                memset(&stream, 0, sizeof stream);
                if (BZ2_bzDecompressInit(&stream, 0, 0) != BZ_OK) {
                    say(result, "libbz2 could not restart");
                    *consumed = in_pos;
                    return CCODECS_NO_MEMORY;
                }
                continue;
            }
            say(result, "data after the end of the compressed stream");
            status = CCODECS_TRAILING;
            break;
        }
        if (rc == BZ_OK) {
            int progressed = avail_in != stream.avail_in || avail_out != stream.avail_out;
            if (progressed || stream.avail_out == 0) continue;
            say(result, "the input ended before the end of the compressed stream");
            status = CCODECS_TRUNCATED;
            break;
        }
        say(result, bzip2_words(rc));
        status = rc == BZ_MEM_ERROR ? CCODECS_NO_MEMORY : CCODECS_CORRUPT;
        break;
    }
    BZ2_bzDecompressEnd(&stream);
    *consumed = in_pos;
    return status;
}

/* ---- libzstd ---- */

static int run_zstd(const uint8_t *input, size_t input_size, output_buffer *out, ccodecs_result *result,
                    size_t *consumed) {
    ZSTD_DStream *stream = ZSTD_createDStream();
    if (stream == NULL) {
        say(result, "libzstd could not start");
        return CCODECS_NO_MEMORY;
    }
    ZSTD_initDStream(stream);
    ZSTD_inBuffer in = {input, input_size, 0};
    int status;
    for (;;) {
        status = reserve(out);
        if (status != CCODECS_OK) break;
        ZSTD_outBuffer target = {out->data + out->size, out->capacity - out->size, 0};
        size_t rc = ZSTD_decompressStream(stream, &target, &in);
        out->size += target.pos;
        if (ZSTD_isError(rc)) {
            say(result, ZSTD_getErrorName(rc));
            status = CCODECS_CORRUPT;
            break;
        }
        if (rc == 0 && in.pos == in.size) { status = CCODECS_OK; break; }
        /* A frame ended with more input: the decoder starts the next frame on the next call. */
        if (rc != 0 && in.pos == in.size && target.pos < target.size) {
            say(result, "the input ended before the end of the compressed stream");
            status = CCODECS_TRUNCATED;
            break;
        }
    }
    *consumed = in.pos;
    ZSTD_freeDStream(stream);
    return status;
}

/* ---- libbrotlidec ---- */

static int run_brotli(const uint8_t *input, size_t input_size, output_buffer *out, ccodecs_result *result,
                      size_t *consumed) {
    BrotliDecoderState *state = BrotliDecoderCreateInstance(NULL, NULL, NULL);
    if (state == NULL) {
        say(result, "libbrotlidec could not start");
        return CCODECS_NO_MEMORY;
    }
    size_t avail_in = input_size;
    const uint8_t *next_in = input;
    int status;
    for (;;) {
        status = reserve(out);
        if (status != CCODECS_OK) break;
        size_t avail_out = out->capacity - out->size;
        uint8_t *next_out = out->data + out->size;
        BrotliDecoderResult rc = BrotliDecoderDecompressStream(state, &avail_in, &next_in, &avail_out, &next_out, NULL);
        out->size = (size_t)(next_out - out->data);
        if (rc == BROTLI_DECODER_RESULT_SUCCESS) {
            if (avail_in == 0) { status = CCODECS_OK; break; }
            say(result, "data after the end of the compressed stream");
            status = CCODECS_TRAILING;
            break;
        }
        if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) continue;
        if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) {
            say(result, "the input ended before the end of the compressed stream");
            status = CCODECS_TRUNCATED;
            break;
        }
        BrotliDecoderErrorCode code = BrotliDecoderGetErrorCode(state);
        snprintf(result->message, sizeof result->message, "brotli decoder error %d (%s)", (int)code,
                 BrotliDecoderErrorString(code));
        status = code == BROTLI_DECODER_ERROR_ALLOC_RING_BUFFER_1 || code == BROTLI_DECODER_ERROR_ALLOC_RING_BUFFER_2
                         || code == BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES
                         || code == BROTLI_DECODER_ERROR_ALLOC_TREE_GROUPS
                         || code == BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MAP
                         || code == BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES
                     ? CCODECS_NO_MEMORY
                     : CCODECS_CORRUPT;
        break;
    }
    *consumed = input_size - avail_in;
    BrotliDecoderDestroyInstance(state);
    return status;
}

int ccodecs_decompress(int codec, const uint8_t *input, size_t input_size, size_t max_output,
                       ccodecs_result *result) {
    memset(result, 0, sizeof *result);
    static const uint8_t empty = 0;
    if (input == NULL) input = &empty;
    output_buffer out = {NULL, 0, 0, max_output == SIZE_MAX ? SIZE_MAX : max_output + 1};
    size_t consumed = 0;
    int status;
    switch (codec) {
    case CCODECS_CODEC_GZIP:
    case CCODECS_CODEC_ZLIB:
    case CCODECS_CODEC_DEFLATE_RAW: status = run_zlib(codec, input, input_size, &out, result, &consumed); break;
    case CCODECS_CODEC_XZ: status = run_xz(input, input_size, &out, result, &consumed); break;
    case CCODECS_CODEC_BZIP2: status = run_bzip2(input, input_size, &out, result, &consumed); break;
    case CCODECS_CODEC_ZSTD: status = run_zstd(input, input_size, &out, result, &consumed); break;
    case CCODECS_CODEC_BROTLI: status = run_brotli(input, input_size, &out, result, &consumed); break;
    default: say(result, "unknown codec"); status = CCODECS_BAD_CODEC; break;
    }
    /* A stream that ends exactly at limit (max_output + 1 bytes) ends before reserve() sees it. */
    if (status == CCODECS_OK && out.size > max_output) status = CCODECS_TOO_BIG;
    if (status == CCODECS_TOO_BIG) say(result, "the decompressed data passed the size limit");
    if (status == CCODECS_NO_MEMORY && result->message[0] == 0) say(result, "out of memory");
    result->input_offset = consumed;
    result->output_size = out.size;
    if (status == CCODECS_OK && out.size > 0) {
        result->data = out.data;
        result->size = out.size;
    } else {
        free(out.data);
    }
    return status;
}

void ccodecs_free(void *data) { free(data); }

uint32_t ccodecs_crc32(uint32_t crc, const uint8_t *data, size_t size) {
    uLong value = crc;
    while (size > 0) {
        size_t n = clamp(size);
        value = crc32(value, data, (uInt)n);
        data += n;
        size -= n;
    }
    return (uint32_t)value;
}
