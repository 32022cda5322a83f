#!/usr/bin/env bash
# Short learning curves of every task for both models, through the CLI (the same engine as the app).
# Prints a markdown table per task: the loss averaged over each logged window, beside the task's baseline.
# Usage: bash scripts/learning-curves.sh [steps] > docs/learning-curves.md
set -euo pipefail
cd "$(dirname "$0")/.."
steps="${1:-300}"
every=$((steps / 6))
run() { # task model extra-flags...
  local task=$1 model=$2
  shift 2
  npm run -s kru -- train --task "$task" --model "$model" --steps "$steps" --log-every 1 --seed 1 "$@"
}
summarise() { # reads JSON lines; prints "step: mean loss over the window (accuracy)"
  node -e '
    const every = Number(process.argv[1]);
    const rows = require("fs").readFileSync(0, "utf8").trim().split("\n").map(JSON.parse);
    const out = [];
    for (let i = 0; i < rows.length; i += every) {
      const w = rows.slice(i, i + every);
      const mean = (k) => w.reduce((s, r) => s + (r[k] ?? NaN), 0) / w.length;
      const acc = mean("accuracy");
      const test = w[w.length - 1].testAccuracy;
      out.push(`${w[w.length - 1].step}: ${mean("loss").toFixed(4)}` + (Number.isFinite(acc) ? ` (acc ${acc.toFixed(3)}${test != null ? `, test ${test.toFixed(3)}` : ""})` : ""));
    }
    console.log(JSON.stringify({ baseline: rows[0].baseline, ms: rows[rows.length - 1].msPerStep, curve: out }));
  ' "$every"
}
echo "# Learning curves"
echo
echo "\`bash scripts/learning-curves.sh $steps\` on $(nproc) cores, cpu backend, seed 1, batch 32, default settings otherwise"
echo "(N = 64, 2×2×…×2 factors, crelu KRU with λ = 0.01 and unitary init, tanh RNN, RMSProp lr 1e-3)."
echo "Each entry: last step of a window of $every steps: mean task loss over the window (mean accuracy; digits: test accuracy at the end of the window)."
for spec in "copy --T 10" "adding --T 50" "digits"; do
  task=${spec%% *}
  extra=""
  [ "$task" != "$spec" ] && extra=${spec#* }
  echo
  echo "## $spec"
  echo
  for model in kru rnn; do
    # shellcheck disable=SC2086
    line=$(run "$task" "$model" $extra | summarise)
    echo "- **$model**: $(node -e 'const r = JSON.parse(process.argv[1]); console.log(r.curve.join(" → ") + ` (baseline ${r.baseline.toFixed(4)}; ${r.ms.toFixed(0)} ms/step)`)' "$line")"
  done
done
