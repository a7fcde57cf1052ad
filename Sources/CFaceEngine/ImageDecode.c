// JPEG and PNG decoding into upright 8-bit RGB, with every failure reported as a message (never an abort).
//
// Why not dlib's load_image: it ignores EXIF orientation (phone photos come out sideways), it silently accepts a
// truncated JPEG (libjpeg fills the missing rows with grey and only warns), and it throws C++ exceptions through
// libjpeg's C frames. Here libjpeg errors long-jump back to this file, a premature end of data is a failure, and
// the EXIF orientation tag (APP1, TIFF IFD0 tag 0x0112) is applied to the pixels.

#include "FaceEngine.h"

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

static void set_error(char *err, size_t errlen, const char *message) {
    if (err && errlen) snprintf(err, errlen, "%s", message);
}

// MARK: - EXIF orientation

static unsigned read16(const unsigned char *p, int little) {
    return little ? (unsigned)(p[0] | p[1] << 8) : (unsigned)(p[0] << 8 | p[1]);
}

static uint32_t read32(const unsigned char *p, int little) {
    return little ? ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24)
                  : ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

/// The orientation tag of an APP1 "Exif" payload, or 1 when absent or malformed (every offset is bounds-checked).
static int exif_orientation(const unsigned char *d, size_t n) {
    if (n < 14 || memcmp(d, "Exif\0\0", 6) != 0) return 1;
    const unsigned char *t = d + 6;
    size_t tn = n - 6;
    int little;
    if (t[0] == 'I' && t[1] == 'I') little = 1;
    else if (t[0] == 'M' && t[1] == 'M') little = 0;
    else return 1;
    if (read16(t + 2, little) != 42) return 1;
    uint32_t ifd = read32(t + 4, little);
    if (ifd > tn || tn - ifd < 2) return 1;
    unsigned entries = read16(t + ifd, little);
    for (unsigned i = 0; i < entries; i++) {
        size_t e = (size_t)ifd + 2 + (size_t)i * 12;
        if (e + 12 > tn) return 1;
        if (read16(t + e, little) == 0x0112) {
            unsigned type = read16(t + e + 2, little);
            unsigned value = type == 3 ? read16(t + e + 8, little) : (unsigned)read32(t + e + 8, little);
            return value >= 1 && value <= 8 ? (int)value : 1;
        }
    }
    return 1;
}

/// Applies EXIF orientation o to (h, w, 3) pixels; returns the upright buffer (possibly `src` itself) or NULL when
/// out of memory. For each destination pixel (x, y) the source pixel is chosen by the tag's transform.
static unsigned char *orient(unsigned char *src, int w, int h, int o, int *out_w, int *out_h) {
    *out_w = w; *out_h = h;
    if (o <= 1 || o > 8) return src;
    int swap = o >= 5;
    int dw = swap ? h : w, dh = swap ? w : h;
    unsigned char *dst = malloc((size_t)dw * (size_t)dh * 3);
    if (!dst) return NULL;
    for (int y = 0; y < dh; y++) {
        for (int x = 0; x < dw; x++) {
            int sx, sy;
            switch (o) {
            case 2: sx = w - 1 - x; sy = y; break;           // mirrored
            case 3: sx = w - 1 - x; sy = h - 1 - y; break;   // rotated 180°
            case 4: sx = x; sy = h - 1 - y; break;           // mirrored vertically
            case 5: sx = y; sy = x; break;                   // transposed
            case 6: sx = y; sy = h - 1 - x; break;           // stored turned left: rotate 90° clockwise
            case 7: sx = w - 1 - y; sy = h - 1 - x; break;   // transversed
            default: sx = w - 1 - y; sy = x; break;          // 8: stored turned right: rotate 90° anticlockwise
            }
            memcpy(dst + ((size_t)y * dw + x) * 3, src + ((size_t)sy * w + sx) * 3, 3);
        }
    }
    free(src);
    *out_w = dw; *out_h = dh;
    return dst;
}

// MARK: - JPEG

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    int truncated;
    char first_warning[JMSG_LENGTH_MAX];
    int warnings;
} jpeg_error_state;

static void jpeg_fail(j_common_ptr cinfo) {
    jpeg_error_state *state = (jpeg_error_state *)cinfo->err;
    longjmp(state->jump, 1);
}

static void jpeg_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return;  // trace messages
    jpeg_error_state *state = (jpeg_error_state *)cinfo->err;
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) state->truncated = 1;
    if (state->warnings++ == 0) cinfo->err->format_message(cinfo, state->first_warning);
}

static int decode_jpeg(const unsigned char *bytes, size_t count, secla_image *out, char *err, size_t errlen) {
    struct jpeg_decompress_struct cinfo;
    jpeg_error_state state;
    memset(&state, 0, sizeof state);
    cinfo.err = jpeg_std_error(&state.base);
    state.base.error_exit = jpeg_fail;
    state.base.emit_message = jpeg_message;
    unsigned char *volatile pixels = NULL;
    if (setjmp(state.jump)) {
        char message[JMSG_LENGTH_MAX];
        cinfo.err->format_message((j_common_ptr)&cinfo, message);
        char text[JMSG_LENGTH_MAX + 32];
        snprintf(text, sizeof text, "not a readable JPEG: %s", message);
        set_error(err, errlen, text);
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, bytes, (unsigned long)count);
    jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&cinfo, TRUE);
    int orientation = 1;
    for (jpeg_saved_marker_ptr m = cinfo.marker_list; m; m = m->next) {
        if (m->marker == JPEG_APP0 + 1) {
            int o = exif_orientation(m->data, m->data_length);
            if (o != 1) { orientation = o; break; }
        }
    }
    if ((long)cinfo.image_width * (long)cinfo.image_height > SECLA_MAX_PIXELS) {
        char text[128];
        snprintf(text, sizeof text, "image too large: %u×%u pixels (limit %ld)", cinfo.image_width, cinfo.image_height,
                 (long)SECLA_MAX_PIXELS);
        set_error(err, errlen, text);
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    cinfo.out_color_space = JCS_RGB;  // libjpeg converts greyscale, YCbCr and (Adobe) CMYK/YCCK to RGB
    jpeg_start_decompress(&cinfo);
    if (cinfo.output_components != 3) {
        set_error(err, errlen, "unsupported JPEG colour space");
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    int w = (int)cinfo.output_width, h = (int)cinfo.output_height;
    pixels = malloc((size_t)w * (size_t)h * 3);
    if (!pixels) {
        set_error(err, errlen, "out of memory decoding the JPEG");
        jpeg_destroy_decompress(&cinfo);
        return -1;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + (size_t)cinfo.output_scanline * (size_t)w * 3;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    if (state.truncated) {
        set_error(err, errlen, "truncated JPEG: the data ends before the image does");
        free(pixels);
        return -1;
    }
    int ow, oh;
    unsigned char *upright = orient(pixels, w, h, orientation, &ow, &oh);
    if (!upright) {
        free(pixels);
        set_error(err, errlen, "out of memory rotating the JPEG");
        return -1;
    }
    out->width = ow; out->height = oh; out->rgb = upright; out->exif_orientation = orientation;
    out->warned = state.warnings > 0;
    snprintf(out->warning, sizeof out->warning, "%s", state.warnings ? state.first_warning : "");
    return 0;
}

// MARK: - PNG

static int decode_png(const unsigned char *bytes, size_t count, secla_image *out, char *err, size_t errlen) {
    png_image png;
    memset(&png, 0, sizeof png);
    png.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&png, bytes, count)) {
        char text[128];
        snprintf(text, sizeof text, "not a readable PNG: %s", png.message);
        set_error(err, errlen, text);
        png_image_free(&png);
        return -1;
    }
    if ((long)png.width * (long)png.height > SECLA_MAX_PIXELS) {
        char text[128];
        snprintf(text, sizeof text, "image too large: %u×%u pixels (limit %ld)", png.width, png.height, (long)SECLA_MAX_PIXELS);
        set_error(err, errlen, text);
        png_image_free(&png);
        return -1;
    }
    png.format = PNG_FORMAT_RGB;  // alpha is composited onto black by libpng's simplified API
    unsigned char *pixels = malloc(PNG_IMAGE_SIZE(png));
    if (!pixels) {
        set_error(err, errlen, "out of memory decoding the PNG");
        png_image_free(&png);
        return -1;
    }
    if (!png_image_finish_read(&png, NULL, pixels, 0, NULL)) {
        char text[128];
        snprintf(text, sizeof text, "not a readable PNG: %s", png.message);
        set_error(err, errlen, text);
        free(pixels);
        png_image_free(&png);
        return -1;
    }
    out->width = (int)png.width; out->height = (int)png.height; out->rgb = pixels;
    out->exif_orientation = 1; out->warned = 0; out->warning[0] = 0;
    return 0;
}

// MARK: - Entry points

int secla_image_decode(const unsigned char *bytes, size_t count, secla_image *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    if (count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) return decode_jpeg(bytes, count, out, err, errlen);
    if (count >= 8 && memcmp(bytes, "\x89PNG\r\n\x1a\n", 8) == 0) return decode_png(bytes, count, out, err, errlen);
    set_error(err, errlen, count == 0 ? "empty file" : "not a JPEG or PNG image (unrecognised first bytes)");
    return -1;
}

int secla_image_load(const char *path, secla_image *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_error(err, errlen, "cannot be opened");
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0) { fclose(f); set_error(err, errlen, "cannot be read"); return -1; }
    long size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0) { fclose(f); set_error(err, errlen, "cannot be read"); return -1; }
    if (size > 1024L * 1024L * 1024L) { fclose(f); set_error(err, errlen, "file larger than 1 GiB"); return -1; }
    unsigned char *bytes = malloc(size > 0 ? (size_t)size : 1);
    if (!bytes) { fclose(f); set_error(err, errlen, "out of memory reading the file"); return -1; }
    size_t got = fread(bytes, 1, (size_t)size, f);
    fclose(f);
    if (got != (size_t)size) { free(bytes); set_error(err, errlen, "cannot be read (short read)"); return -1; }
    int status = secla_image_decode(bytes, got, out, err, errlen);
    free(bytes);
    return status;
}

void secla_image_free(secla_image *image) {
    if (!image) return;
    free(image->rgb);
    image->rgb = NULL;
}
