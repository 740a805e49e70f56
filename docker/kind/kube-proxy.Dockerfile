# registry.k8s.io/kube-proxy as kubeadm deploys it, from the source-built binary. kube-proxy
# needs iptables: Debian's, with the iptables-wrappers mode detection (legacy vs nft, whichever
# the node's netns already uses) that upstream's distroless-iptables base does.
FROM debian:bookworm-slim
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iptables conntrack ipset kmod >/dev/null \
 && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/*
COPY iptables-mode /usr/local/sbin/iptables-mode
COPY kube-proxy /usr/local/bin/kube-proxy
# kubeadm's DaemonSet runs `/usr/local/bin/kube-proxy ...`: the wrapper picks the iptables mode first
RUN mv /usr/local/bin/kube-proxy /usr/local/bin/kube-proxy.bin \
 && printf '#!/bin/sh\n/usr/local/sbin/iptables-mode\nexec /usr/local/bin/kube-proxy.bin "$@"\n' > /usr/local/bin/kube-proxy \
 && chmod 0755 /usr/local/bin/kube-proxy
