#!/usr/bin/env bash
# Installs what the build needs on Debian when it is missing: OpenBLAS, pkg-config, dlib (with libjpeg and libpng);
# then fetches the model files once into the user cache: all-MiniLM-L6-v2 for the name encoder (fetch-minilm.sh)
# and dlib's face models for `secla ingest` (fetch-face-models.sh), and the photos `secla demo` names
# (fetch-demo-photos.sh). A failed fetch only warns: everything else works without it.
# Uses sudo when not run as root (a fresh root container has no sudo).
set -euo pipefail
missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
pkg-config --exists openblas 2>/dev/null || missing+=(libopenblas-dev)
# dlib must come with OpenBLAS installed first or beside it: without it libdlib pulls the reference BLAS and face
# descriptors run 10× slower.
pkg-config --exists dlib-1 2>/dev/null || missing+=(libdlib-dev)
[ -f /usr/include/jpeglib.h ] || missing+=(libjpeg-dev)
[ -f /usr/include/png.h ] || missing+=(libpng-dev)
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

here="$(dirname "$0")"
if ! bash "$here/fetch-minilm.sh"; then
    echo "setup: warning: could not fetch the all-MiniLM-L6-v2 weights; everything except the MiniLM name encoder" \
         "works without them (retry with: bash scripts/fetch-minilm.sh)" >&2
fi
if ! bash "$here/fetch-face-models.sh"; then
    echo "setup: warning: could not fetch dlib's face models; everything except \`secla ingest\` works without them" \
         "(retry with: bash scripts/fetch-face-models.sh)" >&2
fi
if ! bash "$here/fetch-demo-photos.sh"; then
    echo "setup: warning: could not fetch the demo photos; \`secla demo\` then shows only its synthetic part" \
         "(retry with: bash scripts/fetch-demo-photos.sh)" >&2
fi
