# shellcheck shell=bash
# ports.sh: free listening ports for a test stack (the shared fixture's and the private ones).
# Sourced, never run. A stack listens on B+1..B+3 (services), B+4 (the console) and B+9 (PostgreSQL)
# for a base B.
#
# Bases are drawn from below the kernel's ephemeral range (ip_local_port_range, 32768-60999 on
# Debian): a port in it can be taken between the check and the listen by any outgoing connection
# on the machine (a libpq or nng client of a test running beside), and the service then fails
# with "Address in use", as test_property once did in CI.

port_free() { # the port can be listened on right now
	perl -MIO::Socket::INET -e \
		'exit(IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ARGV[0], Proto => "tcp",
		                             Listen => 1, ReuseAddr => 1) ? 0 : 1)' "$1"
}

# pick_port_base LOW: a base B in LOW..LOW+9990 (step 10) with B+1..B+4 and B+9 free and outside
# the ephemeral range; prints it, or fails (status 1) after 100 tries.
pick_port_base() {
	local low=$1 eph_lo=32768 eph_hi=60999 base off ok
	read -r eph_lo eph_hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	for _ in $(seq 1 100); do
		base=$((low + (RANDOM % 1000) * 10))
		((base + 9 < eph_lo || base + 1 > eph_hi)) || continue
		ok=1
		for off in 1 2 3 4 9; do
			port_free $((base + off)) || {
				ok=0
				break
			}
		done
		if ((ok)); then
			echo "$base"
			return 0
		fi
	done
	echo "no free port base found in $low..$((low + 9999)) below the ephemeral range" >&2
	return 1
}
