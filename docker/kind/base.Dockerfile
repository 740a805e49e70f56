# hybrid-doctor's kind base image: kind v0.29.0's images/base rebuilt without a registry.
# Same layout as upstream (files/ = the kind module's images/base/files, copied into the build
# context by build.sh, never committed): systemd as PID 1 behind kind's entrypoint, containerd
# with kind's config.toml, kubelet unit + kubeadm drop-ins. Where upstream builds containerd,
# runc, crictl and the CNI plugins from git, we take Debian bookworm's containerd 1.6.20, runc and
# containernetworking-plugins (the same containerd the source-built nodes run, so the fault
# matrix meets the same runtime) and crictl from the cached Go build. Left out (lean; nothing in
# the sandbox uses them): nfs-common, open-iscsi, fuse-overlayfs (rootless only).
FROM debian:bookworm-slim
# Packages first (a layer independent of kind's files; and Debian's containerd would otherwise
# ask about kind's /etc/containerd/config.toml), then kind's files. No BuildKit here, so no
# COPY --chmod: upstream's modes are set by chmod.
COPY files/usr/local/bin/ /usr/local/bin/
RUN chmod 0755 /usr/local/bin/* \
 && DEBIAN_FRONTEND=noninteractive clean-install \
      systemd \
      conntrack iptables nftables iproute2 ethtool util-linux mount kmod \
      libseccomp2 pigz \
      containerd runc containernetworking-plugins \
      bash ca-certificates curl jq procps \
 && find /lib/systemd/system/sysinit.target.wants/ -name "systemd-tmpfiles-setup.service" -delete \
 && rm -f /lib/systemd/system/multi-user.target.wants/* \
 && rm -f /etc/systemd/system/*.wants/* \
 && rm -f /lib/systemd/system/local-fs.target.wants/* \
 && rm -f /lib/systemd/system/sockets.target.wants/*udev* \
 && rm -f /lib/systemd/system/sockets.target.wants/*initctl* \
 && rm -f /lib/systemd/system/basic.target.wants/* \
 && echo "ReadKMsg=no" >> /etc/systemd/journald.conf \
 && ln -s "$(which systemd)" /sbin/init \
 # kind's units expect upstream's install paths
 && ln -s /usr/bin/containerd /usr/local/bin/containerd \
 && mkdir -p /opt/cni/bin /etc/cni/net.d /etc/kubernetes/manifests \
 && for p in /usr/lib/cni/*; do ln -sf "$p" /opt/cni/bin/; done
COPY files/kind/ /kind/
COPY files/etc/ /etc/
RUN chmod 0755 /kind /kind/bin /kind/bin/* \
 && find /etc/containerd /etc/default /etc/sysctl.d /etc/systemd/system /etc/crictl.yaml -type f -exec chmod 0644 {} + \
 && systemctl enable kubelet.service containerd.service undo-mount-hacks.service \
 && systemctl mask systemd-binfmt.service \
 && ctr oci spec \
      | jq '.hooks.createContainer[.hooks.createContainer| length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' \
      | jq 'del(.process.rlimits)' > /etc/containerd/cri-base.json
COPY crictl /usr/local/bin/crictl
COPY hd-unprivileged /usr/local/bin/hd-unprivileged
ENV container=docker
STOPSIGNAL SIGRTMIN+3
ENTRYPOINT [ "/usr/local/bin/hd-unprivileged", "/usr/local/bin/entrypoint", "/sbin/init" ]
