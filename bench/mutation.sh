#!/usr/bin/env bash
# Mutation score of domain/ or handlers/: mutmut makes one small change to the code at a time and
# runs the tests that reach it; a change that no test notices is a survivor.
#
#   bench/mutation.sh domain              # domain/ against the fast tests (tests/domain, unit, integration)
#   bench/mutation.sh handlers            # handlers/ against those and the end-to-end tests
#   bench/mutation.sh domain 'domain.rules*'   # only the mutants whose names match
#
# Each target works in its own copy of the tree under .mutation/<target>/ (resumable: run it again
# to go on where it stopped; delete the folder to start over). MUTMUT_CHILDREN sets the parallelism.
# The last figures and every survivor left on purpose are in docs/testing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target=${1:?"which package: domain or handlers"}
shift
case "$target" in
  domain) tests='"tests/domain", "tests/unit", "tests/integration"' ;;
  handlers) tests='"tests/handlers", "tests/domain", "tests/unit", "tests/integration", "tests/e2e"' ;;
  *) echo "unknown target $target (domain or handlers)" >&2; exit 2 ;;
esac

.venv/bin/pip install -q 'mutmut==3.8.1'
work="$root/.mutation/$target"
mkdir -p "$work"
# A copy inside the checkout, so that tests still find ../shared by walking up to the project root.
tar -C "$root" --exclude=./.venv --exclude=./.git --exclude=./.mutation --exclude='*.db' \
  --exclude=__pycache__ --exclude=./mutants -cf - . | tar -C "$work" -xf -
cat >> "$work/pyproject.toml" <<TOML

[tool.mutmut]
source_paths = ["$target"]
also_copy = ["bot", "db", "domain", "handlers", "sandbox", "app.yaml", "docs", "README.md"]
pytest_add_cli_args_test_selection = [$tests]
pytest_add_cli_args = ["-p", "no:cacheprovider", "-m", "not browser"]
TOML
cd "$work"
"$root/.venv/bin/mutmut" run --max-children "${MUTMUT_CHILDREN:-2}" "$@" || true
"$root/.venv/bin/mutmut" results --all true > results.txt
"$root/.venv/bin/python" "$root/bench/mutation_score.py" results.txt
