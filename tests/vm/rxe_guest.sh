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
probe-respond)
	fabric-probe --respond --backend verbs --allow 10.1.1.0/24 \
	    --duration "$FABVM_secs" -j
	rc=$?
	echo "FABVM-RXE rcvd_pkts $(cat /sys/class/infiniband/rxe0/ports/1/hw_counters/rcvd_pkts)"
	exit $rc
	;;
probe-send)
	sleep 3		# the responder's VM boots too
	fabric-probe --target "$FABVM_peer" --backend verbs \
	    --interval 20 --timeout 100 --fail-after 5 --recover-after 10 \
	    --report 1000 --duration "$FABVM_secs" -j -v
	rc=$?
	echo "FABVM-RXE sent_pkts $(cat /sys/class/infiniband/rxe0/ports/1/hw_counters/sent_pkts)"
	exit $rc
	;;
*)
	echo "guest: unknown role '$FABVM_role'"
	exit 1
	;;
esac
