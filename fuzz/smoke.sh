#!/bin/sh
# Replays every seed corpus in fuzz/corpus through every fuzz target's
# entry point (fuzz/replay_*), in whatever build this is: plain, or
# ASan/UBSan.  A crash, a sanitizer report or a failed property fails.
set -eu
: "${abs_top_builddir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${abs_top_srcdir:=$abs_top_builddir}"
corpus=$abs_top_srcdir/fuzz/corpus
for t in bgp_open bgp_update bgp_notification bgp_msg; do
	# Every corpus, not only its own: foreign inputs must be fine too.
	"$abs_top_builddir/fuzz/replay_$t" "$corpus"/*
done
