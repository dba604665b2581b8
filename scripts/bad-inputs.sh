#!/usr/bin/env bash
# The catalogue of bad inputs (issue 17: nothing wrong is silent, and a user's mistake is never "this is a bug"). Each
# case runs the CLI on a broken input made in a temp dir; the table shows the case, the exit status medft gave and the
# one it should give, and the first line of stderr that starts with "medft:" (the error line; a banner may come
# first). Exit 70 is an internal error and is never right here. Training is tiny_cnn at 16 px only: a few minutes.
#
#   scripts/bad-inputs.sh              MEDFT_DATA_DIR (default ../shared/data) must hold breastmnist and mednist
#   MEDFT_BIN='node /other/checkout/bin/medft.js' scripts/bad-inputs.sh    the same catalogue against another medft
#   WIDTH=0 scripts/bad-inputs.sh      message lines in full (default: cut at 150 characters)
#
# Exit status: 0 when every case gave the expected status, 1 otherwise.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
read -r -a MEDFT <<< "${MEDFT_BIN:-node $ROOT/bin/medft.js}"
export MEDFT_DATA_DIR=${MEDFT_DATA_DIR:-$ROOT/../shared/data}
WIDTH=${WIDTH:-150}
T=$(mktemp -d "${TMPDIR:-/tmp}/medft-bad-inputs.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
BREAST="$MEDFT_DATA_DIR/breastmnist/breastmnist.npz"
[ -f "$BREAST" ] || { echo "bad-inputs.sh: $BREAST not found; set MEDFT_DATA_DIR" >&2; exit 1; }

# ---- the broken inputs -------------------------------------------------------------------------------------------
touch afile
mkdir -p corrupt-npz && cp "$BREAST" corrupt-npz/breastmnist.npz && chmod u+w corrupt-npz/breastmnist.npz
size=$(stat -c %s corrupt-npz/breastmnist.npz)
dd if=/dev/zero of=corrupt-npz/breastmnist.npz bs=1 seek=$((size / 2)) count=4096 conv=notrunc status=none
# An image folder of two MedNIST classes, one file cut in half as an interrupted copy would leave it.
for cls in Hand HeadCT; do
  mkdir -p "folder/$cls"
  ls "$MEDFT_DATA_DIR/mednist/$cls" | head -12 | while read -r f; do cp "$MEDFT_DATA_DIR/mednist/$cls/$f" "folder/$cls/$f"; done
done
damaged=$(ls folder/Hand | head -1)
head -c $(( $(stat -c %s "folder/Hand/$damaged") / 2 )) "$MEDFT_DATA_DIR/mednist/Hand/$damaged" > "folder/Hand/$damaged"
printf 'path,label\n' > labels.csv
for f in $(ls folder/Hand | tail -6); do printf 'folder/Hand/%s,hand\n' "$f" >> labels.csv; done
for f in $(ls folder/HeadCT | tail -6); do printf 'folder/HeadCT/%s,head\n' "$f" >> labels.csv; done
printf 'folder/Hand/gone.jpeg,hand\n' >> labels.csv
mkdir -p exp store-corrupt store-empty no-store not-a-model empty-dir empty-data
head -c 8192 /dev/urandom > store-corrupt/results.db
: > store-empty/results.db
echo '{"hello": 1}' > not-a-model/config.json
: > exp/empty.yaml
printf 'name: y\ndatasets: [breastmnist\nmodels: [tiny_cnn]\n' > exp/syntax.yaml
printf 'name: f\ndatasets: [breastmnist]\nmodels: [tiny_cnn]\nstrategies: [ft]\nepoch: 3\n' > exp/field.yaml
printf 'name: s\ndatasets: [breastmnist]\nmodels: [tiny_cnn]\nstrategies: [ft, warp]\n' > exp/strategy.yaml
printf 'name: s\ndatasets: [breastmnist]\nmodels: [tiny_cnn]\nstrategies: [surgical:conv3_x]\n' > exp/surgical.yaml
printf 'name: m\ndatasets: [%s/nowhere/x.npz]\nmodels: [tiny_cnn]\nstrategies: [ft]\n' "$T" > exp/missing-path.yaml
printf 'name: n\ndatasets: [nosuchdata]\nmodels: [tiny_cnn]\nstrategies: [ft]\n' > exp/missing-name.yaml
printf 'name: d\ndatasets: [dermamnist]\nmodels: [tiny_cnn]\nstrategies: [ft]\n' > exp/not-downloaded.yaml
printf 'name: g\ndatasets: [breastmnist]\nmodels: [{ name: tiny_cnn, weights: none }]\nstrategies: [ft]\nepochs: 1\ninputSize: 16\nsubset: { train: 16, val: 8, test: 8 }\n' > exp/good.yaml
TINY=(--model tiny_cnn --strategy ft --epochs 1 --size 16 --batch 16 --no-progress)
# One real model (a few seconds), for the cases that need a model folder.
"${MEDFT[@]}" finetune --data breastmnist "${TINY[@]}" --out model >/dev/null 2>model.log || { echo "bad-inputs.sh: could not train the tiny model:" >&2; cat model.log >&2; exit 1; }

# ---- the cases -----------------------------------------------------------------------------------------------------
rows=()
fails=0
# case NAME EXPECTED-EXIT ARGS...   (env for one case: VAR=value case …)
case_() {
  local name=$1 want=$2
  shift 2
  rm -rf o   # the --out of the finetune cases: each starts without one
  "${MEDFT[@]}" "$@" >out.txt 2>err.txt
  local got=$?
  local line
  line=$(grep -m1 '^medft:' err.txt || head -n1 err.txt)
  [ -z "$line" ] && line=$(grep -m1 '^medft:' out.txt || true)
  [ "$WIDTH" -gt 0 ] && [ ${#line} -gt "$WIDTH" ] && line="${line:0:$WIDTH}…"
  local mark=ok
  if [ "$got" != "$want" ]; then mark=UNEXPECTED; fails=$((fails + 1)); fi
  rows+=("$(printf '%-44s %4s %4s  %-10s %s' "$name" "$got" "$want" "$mark" "$line")")
}

case_ 'unknown command'                      2 frobnicate
case_ 'unknown option'                       2 finetune --data breastmnist "${TINY[@]}" --out o --bogus
case_ 'unknown dataset name'                 3 finetune --data nosuchmnist "${TINY[@]}" --out o
MEDFT_DATA_DIR=$T/empty-data MEDFT_CACHE_DIR=$T/empty-cache \
case_ 'MedMNIST name not downloaded'         4 finetune --data dermamnist "${TINY[@]}" --out o
case_ 'missing dataset file'                 3 finetune --data "$T/missing.npz" "${TINY[@]}" --out o
case_ 'unknown model'                        2 finetune --data breastmnist --model resnet51 --strategy ft --out o
case_ 'unknown strategy'                     2 finetune --data breastmnist --model tiny_cnn --strategy nope --out o
case_ 'bad --param value'                    2 finetune --data breastmnist --model tiny_cnn --strategy l2-sp --param alpha=abc --out o
case_ 'unknown --param key'                  2 finetune --data breastmnist --model tiny_cnn --strategy l2-sp --param bogus=1 --out o
case_ 'surgical block the model lacks'       2 finetune --data breastmnist --model tiny_cnn --strategy surgical:conv3_x --out o
case_ 'non-numeric --lr'                     2 finetune --data breastmnist --model tiny_cnn --strategy ft --lr fast --out o
case_ 'unknown --backend'                    2 finetune --data breastmnist "${TINY[@]}" --backend tpu --out o
case_ 'unknown --engine'                     2 finetune --data breastmnist "${TINY[@]}" --engine torch --out o
MEDFT_ENGINE=torch \
case_ 'unknown MEDFT_ENGINE'                 2 finetune --data breastmnist "${TINY[@]}" --out o
case_ '--engine native with replicas'        2 finetune --data breastmnist "${TINY[@]}" --engine native --replicas 2 --out o
MEDFT_ACCELERATOR=none \
case_ '--engine native, accelerator off'     2 finetune --data breastmnist "${TINY[@]}" --engine native --out o
# Needs the npz CRC check (branch fresh-machine): until then the zeroed bytes inflate to wrong pixels, silently.
case_ 'corrupt npz (4 KiB zeroed mid-file)'  3 finetune --data corrupt-npz/breastmnist.npz "${TINY[@]}" --out o
case_ 'corrupt npz: datasets inspect'        3 datasets inspect corrupt-npz/breastmnist.npz --no-progress
case_ 'damaged image in a folder'            3 finetune --data folder "${TINY[@]}" --out o
case_ 'damaged image, --skip-bad'            0 finetune --data folder "${TINY[@]}" --out o-skip --skip-bad
case_ 'damaged image: datasets inspect'      3 datasets inspect folder --no-progress
case_ 'damaged image: inspect --skip-bad'    0 datasets inspect folder --no-progress --skip-bad
case_ 'CSV lists a missing image'            3 finetune --data labels.csv "${TINY[@]}" --out o
case_ 'datasets inspect: missing path'       3 datasets inspect "$T/nowhere"
case_ '--out is a file'                      3 finetune --data breastmnist "${TINY[@]}" --out afile
case_ '--out under a file'                   3 finetune --data breastmnist "${TINY[@]}" --out afile/sub
case_ '--out cannot be created'              3 finetune --data breastmnist "${TINY[@]}" --out /proc/medft-bad-inputs/out
case_ '--out holds a model (no --force)'     3 finetune --data breastmnist "${TINY[@]}" --out model
case_ '--resume without a checkpoint'        3 finetune --data breastmnist "${TINY[@]}" --out empty-dir --resume
case_ 'experiment file missing'              3 run exp/none.yaml --out r
case_ 'experiment file empty'                3 run exp/empty.yaml --out r
case_ 'experiment YAML syntax error'         3 run exp/syntax.yaml --out r
case_ 'experiment unknown field'             3 run exp/field.yaml --out r
case_ 'experiment unknown strategy'          3 run exp/strategy.yaml --out r
case_ 'experiment surgical block missing'    3 run exp/surgical.yaml --out r
case_ 'experiment missing path, dry run'     3 run exp/missing-path.yaml --out r --dry-run --no-probe
case_ 'experiment unknown name, dry run'     3 run exp/missing-name.yaml --out r --dry-run --no-probe
MEDFT_CACHE_DIR=$T/empty-cache \
case_ 'MedMNIST not downloaded, dry run'     3 run exp/not-downloaded.yaml --out r --dry-run --no-probe
MEDFT_CACHE_DIR=$T/empty-cache \
case_ '… with --download (says it will)'     0 run exp/not-downloaded.yaml --out r --dry-run --no-probe --download
case_ 'experiment missing path, real run'    3 run exp/missing-path.yaml --out r
case_ 'run --out is a file'                  3 run exp/good.yaml --out afile
case_ 'run: corrupt results.db'              3 run exp/good.yaml --out store-corrupt
case_ 'report: corrupt results.db'           3 report store-corrupt
case_ 'report: empty results.db'             3 report store-empty
case_ 'report: folder without results.db'    3 report no-store
case_ 'export: corrupt results.db'           3 export store-corrupt --out exported
case_ 'evaluate: not a model folder'         3 evaluate --model not-a-model --data breastmnist
case_ 'evaluate: missing model folder'       3 evaluate --model "$T/no-model" --data breastmnist
case_ 'predict: missing image'               3 predict --model model "$T/missing.png"
case_ 'predict: damaged image'               3 predict --model model "folder/Hand/$damaged"

# ---- the table -------------------------------------------------------------------------------------------------------
printf '%-44s %4s %4s  %-10s %s\n' 'case' 'exit' 'want' '' 'first medft: line of stderr'
printf '%s\n' "${rows[@]}"
[ -e r ] && echo "note: a failed run left its --out folder r behind" >&2
echo "${#rows[@]} cases, $fails unexpected"
[ "$fails" -eq 0 ]
