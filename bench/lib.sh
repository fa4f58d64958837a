# SPDX-License-Identifier: GPL-2.0
# Sourced by the benchmarks that run in the VM.

# bench_cert DIR: DIR/cert.pem and DIR/key.pem, self-signed for localhost;
# RSA-2048, the web's usual certificate (and OpenSSL's speed figures'), or
# ECDSA P-256 with KTIX_BENCH_CERT=ec.  Prints "certificate rsa|ec".
bench_cert() {
	if [ "${KTIX_BENCH_CERT:-rsa}" = ec ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
			-keyout "$1/key.pem" -out "$1/cert.pem" -subj /CN=localhost 2>/dev/null
	else
		openssl req -x509 -newkey rsa:2048 -nodes -days 1 \
			-keyout "$1/key.pem" -out "$1/cert.pem" -subj /CN=localhost 2>/dev/null
	fi
	echo "certificate ${KTIX_BENCH_CERT:-rsa}"
}
