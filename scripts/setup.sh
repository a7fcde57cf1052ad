#!/usr/bin/env bash
# Installs what the build needs on Debian when it is missing: OpenBLAS and pkg-config; then fetches the
# all-MiniLM-L6-v2 name-encoder weights once (scripts/fetch-minilm.sh; a failure there only warns).
# Uses sudo when not run as root (a fresh root container has no sudo).
set -euo pipefail
missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
pkg-config --exists openblas 2>/dev/null || missing+=(libopenblas-dev)
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${missing[@]}"
fi

# The name encoder's weights (all-MiniLM-L6-v2, ~90 MB, fetched once into the user cache; see fetch-minilm.sh).
# Only the MiniLM name encoder needs them, so a failed fetch warns and does not fail the set-up.
if ! bash "$(dirname "$0")/fetch-minilm.sh"; then
    echo "setup: warning: could not fetch the all-MiniLM-L6-v2 weights; everything except the MiniLM name encoder" \
         "works without them (retry with: bash scripts/fetch-minilm.sh)" >&2
fi
