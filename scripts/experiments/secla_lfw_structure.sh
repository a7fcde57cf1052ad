#!/usr/bin/env bash
# SECLA faithful vs clean on lfw-structure corpora (the real augmented-LFW structure, synthetic face descriptors),
# three seeds: the seed selects the corpus and the training seed. Writes runs/<mode>-<seed>/run.json, then prints
# the table (mean ± sample standard deviation over seeds) with scripts/experiments/summarise_runs.py.
#   usage: bash scripts/experiments/secla_lfw_structure.sh [LFW_DIR] [OUT_DIR] [extra train options…]
set -euo pipefail
lfw=${1:-../shared/data/augmented-lfw}
out=${2:-runs/lfw-structure}
shift $(( $# > 2 ? 2 : $# ))
swift build -c release --product secla >/dev/null
secla=.build/release/secla
mkdir -p "$out"
for seed in 1 2 3; do
  [ -f "$out/corpus-$seed/samples.jsonl" ] || $secla synth lfw-structure --lfw "$lfw" --out "$out/corpus-$seed" --seed "$seed" >/dev/null
done
# Two runs at a time, one OpenBLAS thread each: at batch 20 the products are small and one thread per run is faster.
for mode in faithful clean; do
  for seed in 1 2 3; do
    echo "$mode $seed"
  done
done | xargs -P 2 -n 2 sh -c 'OPENBLAS_NUM_THREADS=1 '"$secla"' train --corpus '"$out"'/corpus-$1 --mode $0 --seed $1 --out '"$out"'/$0-$1 --json '"$*"' > '"$out"'/$0-$1.json'
python3 scripts/experiments/summarise_runs.py "$out"/faithful-*/run.json "$out"/clean-*/run.json
