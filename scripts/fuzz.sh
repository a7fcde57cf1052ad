#!/usr/bin/env bash
# Fuzzes every reader of outside data with libFuzzer + AddressSanitizer (Sources/FuzzTargets, docs/reliability.md).
#
#   bash scripts/fuzz.sh [--seconds N] [--runs N] [--jobs J] [TARGET ... | all]
#
# Builds `secla-fuzz` with -sanitize=fuzzer,address (Swift) and -fsanitize=fuzzer-no-link,address (the C/C++ shim)
# into .build-fuzz, makes seed corpora from the repository's fixtures and from ../shared/data when present (excerpts,
# never committed), runs each target for N seconds (default 60) or N executions, whichever comes first (--runs
# alone: no time limit), two at a time by default, and
# prints one line per target: executions, corpus size, crashes, peak memory. Crashing inputs land in
# .build-fuzz/fuzz/crashes/TARGET/; replay one with `swift run secla-fuzz TARGET FILE` and keep it as a regression
# test in Tests/FaceIngestTests/Fixtures/fuzz/TARGET/. The corpus grows across runs in .build-fuzz/fuzz/corpus/.
# Exit status 1 when any target crashed, leaked or hung.
set -euo pipefail
cd "$(dirname "$0")/.."

# Everything runs from a function, read whole before it starts, so editing this file during a long run is harmless.
main() {

seconds=60 seconds_given="" runs="" jobs=2 targets=()
all_targets=(npy npz safetensors corpus-jsonl lfw-dict celebto-dict predictions labels corrections sidecar-jsonl sidecar-csv caption-text conll image)
while (($#)); do
    case "$1" in
        --seconds) seconds="$2"; seconds_given=1; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --jobs) jobs="$2"; shift 2 ;;
        all) targets+=("${all_targets[@]}"); shift ;;
        -h|--help) sed -n 2,12p "$0"; exit 0 ;;
        -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
((${#targets[@]})) || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
    [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "fuzz.sh: unknown target $t (known: ${all_targets[*]})" >&2; exit 2; }
done

echo "fuzz.sh: building secla-fuzz with libFuzzer and AddressSanitizer (.build-fuzz)"
swift build -c release --scratch-path .build-fuzz --product secla-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DSECLA_LIBFUZZER \
    -Xcc -fsanitize=fuzzer-no-link,address -Xcxx -fsanitize=fuzzer-no-link,address 2>&1 \
    | grep -vE "warning: Cannot export local symbol|^\[[0-9]+/[0-9]+\]" || true
binary=.build-fuzz/release/secla-fuzz
[ -x "$binary" ] || { echo "fuzz.sh: the build did not produce $binary" >&2; exit 1; }

work=.build-fuzz/fuzz
shared=../shared/data
mkdir -p "$work"
python3 - "$work/seeds" "$shared" <<'PY'
# Seed corpora: a few valid and near-valid inputs per target, rebuilt every run.
import glob, json, os, shutil, struct, sys, zlib
seeds, shared = sys.argv[1], sys.argv[2]
shutil.rmtree(seeds, ignore_errors=True)
def put(target, name, data):
    os.makedirs(os.path.join(seeds, target), exist_ok=True)
    with open(os.path.join(seeds, target, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
fixtures = "Tests/NumericCoreTests/Fixtures"
for path in glob.glob(fixtures + "/*.npy"): put("npy", os.path.basename(path), open(path, "rb").read())
for path in glob.glob(fixtures + "/*.npz"): put("npz", os.path.basename(path), open(path, "rb").read())
for path in glob.glob(fixtures + "/*.safetensors"): put("safetensors", os.path.basename(path), open(path, "rb").read())
samples = [
    {"id": "1", "image": "a.jpg", "caption": "Ann (L) and Bob", "faces": [{"box": [1, 2, 30, 40], "row": 0, "label": "Ann", "score": 1.5},
     {"box": [50, 2, 80, 40], "row": 1, "crop": "c/1.jpg"}], "names": [{"text": "Ann", "mention": 0, "mentions": 2}, {"text": "Bob"}, {"text": "NONAME"}],
     "slots": [{"face": 0, "gold": "Ann"}]},
    {"id": "2", "faces": [], "names": [{"text": "Cid"}]},
]
put("corpus-jsonl", "two.jsonl", "\n".join(json.dumps(s) for s in samples) + "\n")
put("corpus-jsonl", "one.jsonl", json.dumps(samples[0]))
lfw = os.path.join(shared, "augmented-lfw", "gt_dict_cleaned_phi_face_name_one.json")
if os.path.exists(lfw):
    records = list(json.load(open(lfw)).items())
    for i in range(0, 60, 10):
        put("lfw-dict", f"records-{i}.json", json.dumps(dict(records[i:i + 3])))
else:
    put("lfw-dict", "one.json", json.dumps({"100001": {"img_name": ["a.jpg"], "face_x": [184], "face_y": [102], "face_size": [50],
        "name": ["Graeme Lloyd him"], "ner": ["Graeme_Lloyd"], "ner_list": [["Graeme Lloyd", "0"]], "gt_link": [["Graeme Lloyd", "Graeme_Lloyd"]],
        "name_list": [["Graeme Lloyd"]]}}))
put("celebto-dict", "two.json", json.dumps({"1": {"img_dir": "a.jpg", "bbox": [[1, 2, 30, 40], [50, 2, 80, 40]], "name_list": ["Abigail Breslin", "NONAME"],
    "gt_link": [["Abigail Breslin"], [["NONAME"]]]}, "2": {"img_dir": "b.jpg", "bbox": [], "name_list": []}}))
put("predictions", "arrays.json", json.dumps({"a": ["Ann", "Bob"], "b": ["NONAME"], "c": []}))
put("predictions", "objects.json", json.dumps({"a": {"image": "a.jpg", "faces": [{"name": "Bob"}, {"name": "Zed"}]}}))
label = lambda n, c: {"box": [1, 2, 30, 40], "name": n, "score": 0.5, "runner_up": "NONAME", "runner_up_score": 0.1, "confidence": c}
put("labels", "labels.json", json.dumps({"a": {"image": "a.jpg", "faces": [label("Ann", 0.9), dict(label("Bob", 1), fixed=True)]}, "b": {"faces": [label("NONAME", 0.4)]}}))
put("corrections", "corrections.json", json.dumps({"format": "secla-corrections", "version": 1, "corrections": [
    {"sample": "a", "face": 1, "name": "Ann", "was": "Bob"}, {"sample": "b", "face": 0, "name": "Someone Else"}]}))
put("sidecar-jsonl", "captions.jsonl", "\n".join(json.dumps(r) for r in [
    {"image": "2024/rally.jpg", "caption": "Vice President Joe Biden (L) and President Barack Obama wave.", "id": "rally-1",
     "names": ["Joe Biden", "Barack Obama"], "labels": [{"name": "Joe Biden", "box": [737, 449, 923, 634]}]},
    {"image": "b.png", "caption": "Barack Obama."}]) + "\n")
put("sidecar-csv", "captions.csv", 'image,caption,id,names,labels\n"a.jpg","Ann and Bob, right, at home",x1,Ann;Bob,"[{""name"": ""Ann"", ""box"": [1, 2, 30, 40]}]"\nb.jpg,Cid,,,\n')
for i, text in enumerate([
    "President Barack Obama and Vice President Joe Biden stand with Elena Kagan, the solicitor general, at the White House, May 10, 2010.",
    "Vice President Joe Biden (L) and President Barack Obama wave from the stage.",
    "Czech President Vaclav Havel, right, talks to Klaus. Havel said he would not resign.",
    "Photo by John Smith/AP. O'Neill's dog; Jean-Pierre  Raffarin — Müller \u00e9t\u00e9 \U0001F600",
]):
    put("caption-text", f"caption-{i}.txt", text)
conll = os.path.join(shared, "conll2003", "eng.train")
if os.path.exists(conll):
    lines = open(conll, encoding="utf-8", errors="replace").read().split("\n")
    for i, start in enumerate([0, 400, 2000]):
        put("conll", f"excerpt-{i}.txt", "\n".join(lines[start:start + 120]) + "\n")
put("conll", "tiny.txt", "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\nPeter NNP B-NP B-PER\nBlackburn NNP I-NP I-PER\n\n")
crops = sorted(glob.glob(os.path.join(shared, "lfw-real", "images", "*", "*.jpg")))[:12]
for path in crops: put("image", os.path.basename(path), open(path, "rb").read())
def png(width, height, color_type, depth, rows):
    def chunk(kind, data): return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    raw = b"".join(b"\x00" + row for row in rows)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
put("image", "rgb-4x3.png", png(4, 3, 2, 8, [bytes(range(i, i + 12)) for i in range(3)]))
put("image", "gray-5x2.png", png(5, 2, 0, 8, [bytes([10, 20, 30, 40, 50])] * 2))
put("image", "rgba-2x2.png", png(2, 2, 6, 8, [bytes(range(8))] * 2))
PY

max_len() {
    case "$1" in
        npy|npz|safetensors|caption-text) echo 4096 ;;
        image) echo 32768 ;;
        *) echo 16384 ;;
    esac
}

run_target() {
    local t="$1" corpus="$work/corpus/$1" crashes="$work/crashes/$1" log="$work/logs/$1.log"
    mkdir -p "$corpus" "$crashes" "$work/logs"
    local limit=(-max_total_time="$seconds")
    [ -n "$runs" ] && limit=(-runs="$runs" ${seconds_given:+-max_total_time="$seconds"})
    local start=$SECONDS status=0
    SECLA_FUZZ_TARGET="$t" ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" LSAN_OPTIONS="suppressions=$PWD/scripts/fuzz/lsan.supp" \
        "$binary" "${limit[@]}" \
        -max_len="$(max_len "$t")" -timeout=20 -rss_limit_mb=3072 -print_final_stats=1 -artifact_prefix="$crashes/" \
        "$corpus" "$work/seeds/$t" >"$log" 2>&1 || status=$?
    local execs peak files found
    execs="$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1 || true)"
    peak="$(grep -Eo 'stat::peak_rss_mb: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1 || true)"
    files="$(find "$corpus" -type f | wc -l)"
    found="$(find "$crashes" -type f | wc -l)"
    printf '%-14s %12s %8s %8s %8s %8s  %s\n' "$t" "${execs:-?}" "$files" "$found" "${peak:-?}" "$((SECONDS - start))" \
        "$([ "$status" -eq 0 ] && echo ok || echo "exit $status: see $log")" >"$work/logs/$t.row"
}

printf '%-14s %12s %8s %8s %8s %8s  %s\n' target executions corpus crashes "peak MB" seconds status
pids=()
for t in "${targets[@]}"; do
    run_target "$t" &
    pids+=($!)
    while (($(jobs -rp | wc -l) >= jobs)); do sleep 0.5; done
done
wait
failed=0
for t in "${targets[@]}"; do
    cat "$work/logs/$t.row"
    grep -q ' ok$' "$work/logs/$t.row" || failed=1
done
if ((failed)); then
    echo "fuzz.sh: a target crashed, leaked or hung; inputs in $work/crashes/, logs in $work/logs/" >&2
    exit 1
fi
}

main "$@"; exit $?
