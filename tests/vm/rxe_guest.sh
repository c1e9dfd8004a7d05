#!/bin/sh
# /test.sh in the soft-RoCE VMs of tests/lab/rxe.sh (busybox sh): what a
# VM does is chosen by FABVM_role; output goes to the serial log, which
# the test reads.
g=$(fabvm-gid) || { echo "guest: no RoCEv2 GID for $FABVM_ip"; exit 1; }
case $FABVM_role in
pingpong-server)
	timeout 60 ibv_rc_pingpong -d rxe0 -g "$g" -n "$FABVM_iters"
	;;
pingpong-client)
	sleep 2
	timeout 60 ibv_rc_pingpong -d rxe0 -g "$g" -n "$FABVM_iters" \
	    "$FABVM_peer"
	;;
*)
	echo "guest: unknown role '$FABVM_role'"
	exit 1
	;;
esac
