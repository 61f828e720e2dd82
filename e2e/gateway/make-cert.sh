#!/bin/sh
# Makes the self-signed certificate Kamailio serves wss:// with in the e2e "gateway" topology.
# Called by e2e/harness/gateway-kamailio.mjs at test time, into the run directory:
#   sh make-cert.sh DIR        -> DIR/cert.pem, DIR/key.pem
# An EC P-256 key, valid 2 days, for 127.0.0.1 and localhost (subjectAltName: browsers ignore
# the CN). Chromium accepts it because the test contexts set ignoreHTTPSErrors; a production
# deployment uses a certificate from a real CA for the WebSocket host name instead.
set -eu
dir="${1:?usage: make-cert.sh DIR}"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=voxline-e2e-gateway" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
chmod 600 "$dir/key.pem"
