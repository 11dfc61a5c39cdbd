#!/usr/bin/env bash
# The cluster's certificates (once, into .services/cluster/pki): one CA for every client and serving certificate
# (so the ServiceAccount ca.crt in pods also verifies the kubelet, for metrics-server), a front-proxy CA for the
# aggregation layer, the ServiceAccount signing key, and a kubeconfig per client. Usage: pki.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# sign NAME CA SUBJECT USAGE [SAN]: an EC P-256 key and a certificate signed by CA (10 years).
sign() {
  local name=$1 ca=$2 subject=$3 usage=$4 san=${5:-}
  [ -f "$PKI/$name.crt" ] && return 0
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/$name.key" 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$usage"
    [ -n "$san" ] && echo "subjectAltName=$san"
  } >"$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" -CAcreateserial -days 3650 \
    -sha256 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

authority() {
  local name=$1 cn=$2
  [ -f "$PKI/$name.crt" ] && return 0
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/$name.key" 2>/dev/null
  openssl req -x509 -new -key "$PKI/$name.key" -subj "/CN=$cn" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "$PKI/$name.crt"
}

# kubeconfig FILE CERT: a kubeconfig for the client certificate CERT against the cluster's API server.
kubeconfig() {
  local file=$1 cert=$2
  cat >"$file.tmp" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: cryptostream-node
    cluster:
      server: $CLUSTER_URL
      certificate-authority: $PKI/ca.crt
contexts:
  - name: cryptostream-node
    context:
      cluster: cryptostream-node
      user: $cert
      namespace: default
current-context: cryptostream-node
users:
  - name: $cert
    user:
      client-certificate: $PKI/$cert.crt
      client-key: $PKI/$cert.key
KUBECONFIG
  mv "$file.tmp" "$file"
}

mkdir -p "$PKI"
chmod 700 "$PKI"
authority ca cryptostream-node-ca
authority front-proxy-ca cryptostream-node-front-proxy-ca
sign apiserver ca /CN=kube-apiserver serverAuth \
  "IP:$NODE_IP,IP:$KUBERNETES_SERVICE_IP,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN,DNS:localhost"
sign apiserver-kubelet-client ca "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
sign front-proxy-client front-proxy-ca /CN=front-proxy-client clientAuth
sign admin ca "/O=system:masters/CN=cryptostream-admin" clientAuth
sign kube-controller-manager ca /CN=system:kube-controller-manager clientAuth
sign kube-scheduler ca /CN=system:kube-scheduler clientAuth
sign kube-proxy ca /CN=system:kube-proxy clientAuth
sign kubelet-client ca "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth
sign kubelet-serving ca "/CN=$NODE_NAME" serverAuth "IP:$NODE_IP,DNS:$NODE_NAME"
if [ ! -f "$PKI/sa.key" ]; then
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
fi
rm -f "$PKI"/*.srl
kubeconfig "$CLUSTER_KUBECONFIG" admin
for c in kube-controller-manager kube-scheduler kube-proxy kubelet-client; do kubeconfig "$PKI/$c.kubeconfig" "$c"; done
