#!/usr/bin/env bash
# Fetches the photos `secla demo` names, once: five White House photos of Barack Obama and Joe Biden (works of the
# US federal government, public domain) that the MIT-licensed `face_recognition` project ships as test images in
# its source archive on PyPI (face_recognition 1.3.0, 3 MB). The captions are the project's own
# (Sources/FaceIngest/DemoPhotos.swift), written from the photos' EXIF descriptions.
#
# Target: $SECLA_DEMO_DIR if set, else ${XDG_CACHE_HOME:-$HOME/.cache}/secla/demo/photos. Idempotent; the target
# is never half-written (see lib/fetch-wheel.sh); each photo's SHA-256 is checked.
set -euo pipefail
. "$(dirname "$0")/lib/fetch-wheel.sh"
target="${SECLA_DEMO_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/secla/demo/photos}"
FETCH_PIP_ARGS="--no-binary :all:" fetch_wheel fetch-demo-photos "face_recognition==1.3.0" face_recognition-1.3.0/tests/test_images \
    "$target" "obama.jpg obama2.jpg obama3.jpg biden.jpg obama_partial_face.jpg"
cd "$target"
if ! sha256sum --quiet -c - <<'SUMS'; then
0930e3aa8cae5920329c0c8cbc6a2ab70f47b0e67b432875beaa95cbf7e741f6  obama.jpg
a7efcc907375274796f39646510704aa86672d59f6d5469d69af3c85590976a6  obama2.jpg
76ac6bf97c36dc2da0ad16a537d6a5ac1b10f48d49aac29a0cca9a17cdbc3ca3  obama3.jpg
3c17508bb91554c637a2eabddfae790e5bb1caba93130814fc2ac50be9760c4c  biden.jpg
c2d1f09e7ef3042352b41e41286e6eb0522f64f88308be13886991b95db52117  obama_partial_face.jpg
SUMS
    cd / && rm -rf "$target"
    echo "fetch-demo-photos: error: the photos differ from the ones the demo was written for (removed $target; retry)" >&2
    exit 1
fi
