#!/bin/sh
# Configures and builds fabric in the source tree (used by main.sh and
# test.sh).  Extra arguments go to configure.
set -eu
cd "$(dirname "$0")/.."
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
	autoreconf -fi
fi
if [ ! -f Makefile ] || [ configure -nt Makefile ]; then
	./configure --enable-werror "$@"
fi
make -j"$(nproc)"
