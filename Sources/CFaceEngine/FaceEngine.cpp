// The face engine: dlib's detectors, 5-point landmarks, aligned chips and ResNet descriptors behind FaceEngine.h.
//
// Kept in one file because including dlib/dnn.h costs ~40 s of compile time per translation unit. The network
// types below are the architectures of the public model files (they must match the serialized layers exactly);
// the processing mirrors dlib's Python bindings (what the `face_recognition` package calls), so that descriptors
// agree with that tool for the same pixels:
//   detection  HOG: pyramid_up `upsample` times, detect with the score threshold, map the boxes back (rect_down)
//   landmarks  shape_predictor_5_face_landmarks on the full image
//   chip       get_face_chip_details(shape, 150, padding 0.25) + extract_image_chips
//   descriptor the ResNet on the batch of chips (one forward per image, batch ≤ 16)

#include "FaceEngine.h"

#include <dlib/dnn.h>
#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

using namespace dlib;

namespace {

// MARK: - Network definitions (layer structure of dlib_face_recognition_resnet_model_v1.dat)

template <template <int, template <typename> class, int, typename> class block, int N,
          template <typename> class BN, typename SUBNET>
using residual = add_prev1<block<N, BN, 1, tag1<SUBNET>>>;

template <template <int, template <typename> class, int, typename> class block, int N,
          template <typename> class BN, typename SUBNET>
using residual_down = add_prev2<avg_pool<2, 2, 2, 2, skip1<tag2<block<N, BN, 2, tag1<SUBNET>>>>>>;

template <int N, template <typename> class BN, int stride, typename SUBNET>
using block = BN<con<N, 3, 3, 1, 1, relu<BN<con<N, 3, 3, stride, stride, SUBNET>>>>>;

template <int N, typename SUBNET> using ares = relu<residual<block, N, affine, SUBNET>>;
template <int N, typename SUBNET> using ares_down = relu<residual_down<block, N, affine, SUBNET>>;

template <typename SUBNET> using alevel0 = ares_down<256, SUBNET>;
template <typename SUBNET> using alevel1 = ares<256, ares<256, ares_down<256, SUBNET>>>;
template <typename SUBNET> using alevel2 = ares<128, ares<128, ares_down<128, SUBNET>>>;
template <typename SUBNET> using alevel3 = ares<64, ares<64, ares<64, ares_down<64, SUBNET>>>>;
template <typename SUBNET> using alevel4 = ares<32, ares<32, ares<32, SUBNET>>>;

using descriptor_net = loss_metric<fc_no_bias<128, avg_pool_everything<
    alevel0<alevel1<alevel2<alevel3<alevel4<
    max_pool<3, 3, 2, 2, relu<affine<con<32, 7, 7, 2, 2, input_rgb_image_sized<150>>>>>>>>>>>>>;

// MARK: - Layer structure of mmod_human_face_detector.dat (the optional CNN detector)

template <long num_filters, typename SUBNET> using con5d = con<num_filters, 5, 5, 2, 2, SUBNET>;
template <long num_filters, typename SUBNET> using con5 = con<num_filters, 5, 5, 1, 1, SUBNET>;
template <typename SUBNET>
using downsampler = relu<affine<con5d<32, relu<affine<con5d<32, relu<affine<con5d<16, SUBNET>>>>>>>>>;
template <typename SUBNET> using rcon5 = relu<affine<con5<45, SUBNET>>>;
using cnn_detector_net = loss_mmod<con<1, 9, 9, 1, 1, rcon5<rcon5<rcon5<downsampler<input_rgb_image_pyramid<pyramid_down<6>>>>>>>>;

void set_error(char *err, size_t errlen, const std::string &message) {
    if (err && errlen) std::snprintf(err, errlen, "%s", message.c_str());
}

/// Copies a decoded image into a dlib matrix (the pixel type every dlib routine here accepts).
matrix<rgb_pixel> to_matrix(const secla_image *image) {
    matrix<rgb_pixel> m(image->height, image->width);
    const unsigned char *p = image->rgb;
    for (long r = 0; r < m.nr(); r++) {
        for (long c = 0; c < m.nc(); c++, p += 3) m(r, c) = rgb_pixel(p[0], p[1], p[2]);
    }
    return m;
}

}  // namespace

struct secla_engine {
    frontal_face_detector hog = get_frontal_face_detector();
    shape_predictor landmarks;
    descriptor_net descriptor;
    cnn_detector_net cnn;
    bool has_cnn = false;
};

extern "C" secla_engine *secla_engine_create(const char *landmarks_path, const char *descriptor_path,
                                             const char *cnn_detector_path, char *err, size_t errlen) {
    secla_engine *engine = nullptr;
    std::string current;
    try {
        engine = new secla_engine();
        current = landmarks_path;
        deserialize(landmarks_path) >> engine->landmarks;
        if (engine->landmarks.num_parts() != 5) {
            set_error(err, errlen, std::string(landmarks_path) + ": a landmark model with " +
                      std::to_string(engine->landmarks.num_parts()) + " points; the 5-point model is needed");
            delete engine;
            return nullptr;
        }
        current = descriptor_path;
        deserialize(descriptor_path) >> engine->descriptor;
        if (cnn_detector_path) {
            current = cnn_detector_path;
            deserialize(cnn_detector_path) >> engine->cnn;
            engine->has_cnn = true;
        }
        return engine;
    } catch (const std::exception &e) {
        set_error(err, errlen, current + ": cannot load the model: " + e.what());
    } catch (...) {
        set_error(err, errlen, current + ": cannot load the model");
    }
    delete engine;
    return nullptr;
}

extern "C" void secla_engine_destroy(secla_engine *engine) { delete engine; }

extern "C" int secla_engine_detect(secla_engine *engine, const secla_image *image, int detector, int upsample,
                                   double threshold, int max_side, secla_detection *out, int capacity, char *err,
                                   size_t errlen) {
    try {
        if (!image || !image->rgb || image->width <= 0 || image->height <= 0) {
            set_error(err, errlen, "empty image");
            return -1;
        }
        if (detector == SECLA_DETECTOR_CNN && !engine->has_cnn) {
            set_error(err, errlen, "the CNN detector was requested but its model was not loaded");
            return -1;
        }
        matrix<rgb_pixel> img = to_matrix(image);
        // Detection on a downscaled copy when the image is larger than max_side; boxes are scaled back.
        double scale = 1.0;
        long longer = std::max(img.nr(), img.nc());
        if (max_side > 0 && longer > max_side) {
            scale = double(max_side) / double(longer);
            matrix<rgb_pixel> small(std::max(1L, long(img.nr() * scale + 0.5)), std::max(1L, long(img.nc() * scale + 0.5)));
            resize_image(img, small);
            img.swap(small);
        }
        pyramid_down<2> pyr;
        for (int i = 0; i < upsample; i++) pyramid_up(img, pyr);

        std::vector<std::pair<double, rectangle>> found;
        if (detector == SECLA_DETECTOR_CNN) {
            std::vector<mmod_rect> dets = engine->cnn.process(img, threshold);
            for (auto &d : dets) found.emplace_back(d.detection_confidence, d.rect);
        } else {
            std::vector<rect_detection> dets;
            engine->hog(img, dets, threshold);
            for (auto &d : dets) found.emplace_back(d.detection_confidence, d.rect);
        }
        // Best first (dlib already returns them so; made explicit, ties keep dlib's order).
        std::vector<size_t> order(found.size());
        for (size_t i = 0; i < order.size(); i++) order[i] = i;
        std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
            return found[a].first != found[b].first ? found[a].first > found[b].first : a < b;
        });
        int n = int(found.size());
        for (int i = 0; i < n && i < capacity; i++) {
            rectangle r = found[order[i]].second;
            if (upsample > 0) r = pyr.rect_down(r, unsigned(upsample));  // as dlib's Python binding: rounded back
            secla_detection &d = out[i];
            std::memset(&d, 0, sizeof d);
            d.left = r.left() / scale;
            d.top = r.top() / scale;
            d.right = r.right() / scale;
            d.bottom = r.bottom() / scale;
            d.score = found[order[i]].first;
        }
        return n;
    } catch (const std::exception &e) {
        set_error(err, errlen, std::string("face detection failed: ") + e.what());
    } catch (...) {
        set_error(err, errlen, "face detection failed");
    }
    return -1;
}

extern "C" int secla_engine_describe(secla_engine *engine, const secla_image *image, secla_detection *detections, int n,
                                     float *descriptors, char *err, size_t errlen) {
    try {
        if (n <= 0) return 0;
        if (!image || !image->rgb) {
            set_error(err, errlen, "empty image");
            return -1;
        }
        matrix<rgb_pixel> img = to_matrix(image);
        std::vector<chip_details> details;
        for (int i = 0; i < n; i++) {
            secla_detection &d = detections[i];
            rectangle box(long(std::lround(d.left)), long(std::lround(d.top)), long(std::lround(d.right)),
                          long(std::lround(d.bottom)));
            full_object_detection shape = engine->landmarks(img, box);
            for (unsigned k = 0; k < 5 && k < shape.num_parts(); k++) {
                d.landmarks[2 * k] = float(shape.part(k).x());
                d.landmarks[2 * k + 1] = float(shape.part(k).y());
            }
            details.push_back(get_face_chip_details(shape, 150, 0.25));
        }
        dlib::array<matrix<rgb_pixel>> face_chips;
        extract_image_chips(img, details, face_chips);
        std::vector<matrix<rgb_pixel>> batch(face_chips.begin(), face_chips.end());
        std::vector<matrix<float, 0, 1>> vectors = engine->descriptor(batch, 16);
        for (int i = 0; i < n; i++) {
            if (vectors[i].size() != SECLA_DESCRIPTOR_DIM) {
                set_error(err, errlen, "the descriptor model gave a vector of the wrong size");
                return -1;
            }
            for (int j = 0; j < SECLA_DESCRIPTOR_DIM; j++) descriptors[size_t(i) * SECLA_DESCRIPTOR_DIM + j] = vectors[i](j);
        }
        return 0;
    } catch (const std::exception &e) {
        set_error(err, errlen, std::string("face description failed: ") + e.what());
    } catch (...) {
        set_error(err, errlen, "face description failed");
    }
    return -1;
}
