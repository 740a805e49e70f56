# One control-plane component (kube-apiserver, kube-controller-manager, kube-scheduler, etcd,
# coredns) from its static source-built binary; kubeadm's manifests call it by name on PATH.
FROM scratch
ARG BIN
COPY ${BIN} /usr/local/bin/${BIN}
ENV PATH=/usr/local/bin:/usr/bin:/bin
