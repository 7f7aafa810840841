#!/bin/bash
# Every YAML example in the documentation is a configuration `supervisord --check` accepts, so that a
# user who copies one starts from something that works. Exit 0 pass, 1 fail.
#
# Usage: yaml_examples_test.sh SUPERVISORD SOURCE_DIR
#
# Examples are the ```yaml blocks of README.md and config/REFERENCE.md, and the .nf/.fi blocks of
# packaging/man/supervisord.yaml.5 that follow the roff comment `.\" example: yaml`. A block with a
# top-level `services:` or `supervisor:` key is a whole configuration; any other block is the settings of
# one service and is checked as `services: {example: ...}` (with `command: ["/bin/true"]` added when it
# has none). A Markdown block right after the line `<!-- example: skip (WHY) -->` is not checked; keep
# those rare, and say why.
set -uo pipefail

bin=${1:?usage: $0 SUPERVISORD SOURCE_DIR}
src=${2:?usage: $0 SUPERVISORD SOURCE_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
checked=0

# Writes each example of a Markdown file to $work/NAME-LINE.yaml (LINE: the line of its opening fence).
extractMarkdown() {
    local file=$1 name=$2
    awk -v out="$work/$name" '
        /^<!-- example: skip/ { skip = 1; next }
        !inside && /^```yaml[ \t]*$/ { inside = 1; start = NR; ignored = skip; skip = 0; next }
        inside && /^```[ \t]*$/ { inside = 0; next }
        inside { if (!ignored) print > (out "-" start ".yaml"); next }
        !/^[ \t]*$/ { skip = 0 }
    ' "$file"
}

# The same for the man page: roff escapes undone (\- is -, \e is a backslash).
extractMan() {
    local file=$1 name=$2
    awk -v out="$work/$name" '
        /^\.\\" example: yaml/ { marked = 1; next }
        marked && /^\.nf/ { inside = 1; start = NR; marked = 0; next }
        inside && /^\.fi/ { inside = 0; next }
        inside { gsub(/\\-/, "-"); gsub(/\\e/, "\\"); print > (out "-" start ".yaml") }
    ' "$file"
}

extractMarkdown "$src/README.md" README.md
extractMarkdown "$src/config/REFERENCE.md" REFERENCE.md
[[ -f $src/packaging/man/supervisord.yaml.5 ]] || { echo "no man page supervisord.yaml.5" >&2; exit 1; }
extractMan "$src/packaging/man/supervisord.yaml.5" supervisord.yaml.5

for example in "$work"/*.yaml; do
    [[ -e $example ]] || continue
    label=$(basename "$example" .yaml)  # e.g. README.md-51: the file and the line of the block
    config=$work/$label.check.yaml
    if grep -qE '^(services|supervisor):' "$example"; then
        cp "$example" "$config"
    else
        {
            echo "services:"
            echo "  example:"
            grep -qE '^command:' "$example" || echo '    command: ["/bin/true"]'
            sed 's/^/    /' "$example"
        } >"$config"
    fi
    out=$("$bin" --check -c "$config" 2>&1)
    rc=$?
    checked=$((checked + 1))
    if ((rc != 0)); then
        echo "yaml_examples_test: FAILED: the example at ${label%-*}:${label##*-} is refused (exit $rc):" >&2
        echo "$out" | sed 's/^/    /' >&2
        failed=1
    fi
done

# Guards the extraction itself: fewer blocks than the documents hold means a marker or fence changed.
((checked >= 5)) || { echo "yaml_examples_test: FAILED: only $checked examples found" >&2; failed=1; }
((failed == 0)) && echo "yaml_examples_test: PASS ($checked examples)" >&2
exit "$failed"
