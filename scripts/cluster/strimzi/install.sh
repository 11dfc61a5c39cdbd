#!/usr/bin/env bash
# Installs the Strimzi cluster operator on the one-node cluster, from Strimzi's own install files
# (../shared/vendor/strimzi/$STRIMZI_VERSION/install/cluster-operator) as docs/operator.md tells users to, with
# three changes: the namespace is $STRIMZI_OPERATOR_NAMESPACE, every quay.io/strimzi image is the localhost/strimzi
# one built by images.sh (only the operator and Kafka ones exist; the others, such as the Kafka Bridge, are
# features our streams do not use and would fail with ErrImagePull), and it watches every namespace
# (STRIMZI_NAMESPACE=*, with the three ClusterRoleBindings that Strimzi's documentation adds for it).
# The images must be in the node's containerd (scripts/cluster/up loads them). Usage: install.sh apply|render
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
STRIMZI_OPERATOR_NAMESPACE=strimzi
SA="$STRIMZI_OPERATOR_NAMESPACE:strimzi-cluster-operator"

# render: the install files as one stream of documents.
render() {
  local f
  for f in "$STRIMZI_INSTALL"/*.yaml; do
    echo '---'
    if [[ $f == *-Deployment-strimzi-cluster-operator.yaml ]]; then
      # The watched namespaces replace the fieldRef of the original (kubectl set env drops it).
      "$KUBE_BIN/kubectl" set env --local -f "$f" -o yaml 'STRIMZI_NAMESPACE=*'
    else
      cat "$f"
    fi | sed -e "s|namespace: myproject|namespace: $STRIMZI_OPERATOR_NAMESPACE|" -e 's|quay.io/strimzi/|localhost/strimzi/|g'
  done
  # Watching all namespaces (Strimzi's "Deploying the Cluster Operator to watch all namespaces").
  local binding role
  for binding in namespaced:strimzi-cluster-operator-namespaced watched:strimzi-cluster-operator-watched \
    entity-operator-delegation:strimzi-entity-operator; do
    role=${binding#*:}
    cat <<YAML
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: strimzi-cluster-operator-${binding%%:*}
  labels: { app: strimzi }
subjects:
  - { kind: ServiceAccount, name: ${SA#*:}, namespace: ${SA%%:*} }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: $role }
YAML
  done
}

apply() {
  local log="$CLUSTER_DIR/strimzi-install.log"
  kubectl_cluster create namespace "$STRIMZI_OPERATOR_NAMESPACE" --dry-run=client -o yaml |
    kubectl_cluster apply --server-side --field-manager=cluster-up -f - >"$log" 2>&1
  render | kubectl_cluster -n "$STRIMZI_OPERATOR_NAMESPACE" apply --server-side --field-manager=cluster-up --force-conflicts -f - >>"$log" 2>&1 ||
    { cat "$log" >&2; die "strimzi: applying the install files failed"; }
  kubectl_cluster -n "$STRIMZI_OPERATOR_NAMESPACE" rollout status deployment/strimzi-cluster-operator \
    --timeout=300s >>"$log" 2>&1 ||
    die "strimzi: the cluster operator did not become ready (kubectl -n $STRIMZI_OPERATOR_NAMESPACE logs deployment/strimzi-cluster-operator)"
  log "strimzi: cluster operator $STRIMZI_VERSION ready in namespace $STRIMZI_OPERATOR_NAMESPACE, watching all namespaces"
}

case "${1:-}" in
  apply | render) "$1" ;;
  *) die "usage: install.sh apply|render" ;;
esac
