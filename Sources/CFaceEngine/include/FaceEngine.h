// A small C interface over Debian's dlib (19.24) and the system libjpeg/libpng, called from Swift.
//
//   secla_image_*   decode a JPEG or PNG file into 8-bit RGB, upright by its EXIF orientation
//   secla_engine_*  one face engine per thread: HOG (or CNN) detector, 5-point landmarks, aligned 150×150 chip,
//                   and dlib's ResNet 128-d face descriptor
//
// Every function reports failure by return value plus a message in `err` (never an exception or an abort), so the
// Swift side can name the file that failed. Engines are not thread-safe; images are read-only once decoded.
#ifndef SECLA_FACE_ENGINE_H
#define SECLA_FACE_ENGINE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Largest image decoded (width × height); larger files are refused before their pixels are allocated.
#define SECLA_MAX_PIXELS (120L * 1000L * 1000L)

/// Length of a face descriptor.
#define SECLA_DESCRIPTOR_DIM 128

typedef struct {
    int width, height;
    /// EXIF orientation tag read from the file (1–8; 1 when absent or not a JPEG); the pixels are already upright.
    int exif_orientation;
    /// 1 for a JPEG that decoded with a recoverable warning (e.g. corrupt data before a marker); the message is kept.
    int warned;
    char warning[160];
    /// (height, width, 3) row-major RGB.
    unsigned char *rgb;
} secla_image;

/// Decodes a JPEG or PNG file (detected from its first bytes, not its name). Returns 0 on success, -1 on failure
/// with a message in err. A truncated JPEG is a failure. Free with secla_image_free.
int secla_image_load(const char *path, secla_image *out, char *err, size_t errlen);

/// Decodes from memory (same rules as secla_image_load).
int secla_image_decode(const unsigned char *bytes, size_t count, secla_image *out, char *err, size_t errlen);

void secla_image_free(secla_image *image);

typedef struct secla_engine secla_engine;

/// Loads the models: the 5-point landmark model and the ResNet descriptor model are required; the CNN detector model
/// may be NULL (then only the HOG detector is available). Returns NULL with a message in err on failure.
secla_engine *secla_engine_create(const char *landmarks_path, const char *descriptor_path, const char *cnn_detector_path,
                                  char *err, size_t errlen);
void secla_engine_destroy(secla_engine *engine);

typedef struct {
    /// Box in upright-image pixels (dlib rectangle: inclusive corners).
    double left, top, right, bottom;
    /// Detector score (HOG: SVM margin, real faces ≈ 1–2.4; CNN: confidence).
    double score;
    /// 5 landmarks as x0, y0, …, x4, y4 (filled by secla_engine_describe).
    float landmarks[10];
} secla_detection;

enum { SECLA_DETECTOR_HOG = 0, SECLA_DETECTOR_CNN = 1 };

/// Detects faces. `upsample` doubles the image that many times first (finds smaller faces; about 4× the time per
/// step); `threshold` is the HOG detector's score threshold (0 = dlib's default; negative finds more). When the
/// longer side exceeds `max_side` (> 0), detection runs on a copy scaled down to that side and boxes are scaled back.
/// Writes at most `capacity` detections, best first; returns the number found (which may exceed capacity) or -1.
int secla_engine_detect(secla_engine *engine, const secla_image *image, int detector, int upsample, double threshold,
                        int max_side, secla_detection *out, int capacity, char *err, size_t errlen);

/// For each box in `detections` (count n): 5-point landmarks (written back into the detection), the aligned chip
/// (150×150, padding 0.25, as dlib's compute_face_descriptor) and its 128-d descriptor into descriptors[n][128].
/// Returns 0 or -1.
int secla_engine_describe(secla_engine *engine, const secla_image *image, secla_detection *detections, int n,
                          float *descriptors, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
