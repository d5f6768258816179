#!/bin/sh
# promtool_check.sh SAMPLE_BINARY PROMTOOL OUT: writes the sample exposition text to OUT and
# lints it with `promtool check metrics` (non-zero on any parse or naming problem).
set -eu
"$1" > "$3"
"$2" check metrics < "$3"
