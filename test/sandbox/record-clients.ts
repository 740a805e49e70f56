/**
 * The clients container of the vector recorder (test/sandbox/record-vectors.ts): one
 * container (all capabilities, seccomp/AppArmor unconfined) `hd-clients` on hd-onprem at 172.29.10.19 that runs the real pull clients against the
 * sandbox's Harbor — skopeo, podman, the Docker engine, containerd 1.6 (Debian), 1.7 and 2.x (built
 * from their Go modules by docker/clients/build-containerd.sh) through `ctr` and through their CRI
 * with crictl. Each daemon has its own root, state dir and socket.
 *
 * Trust and credentials come from one host folder bind-mounted read-only at /hd: `ca.crt` (the
 * CA the fault's target trusts; rewritten in place per fault, so every client's certs.d entry,
 * a symlink or a `ca =` path to it, follows), `creds` (`name:secret`), `user`, `secret`. The
 * sandbox CA is deliberately NOT added to the system trust: dockerd and containerd are
 * long-running Go processes that load the system pool once, so a system-trusted sandbox CA
 * would mask the untrusted-ca fault for them. Commands read the secret from those files;
 * it never appears on a command line the recorder logs.
 */
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { ensureImage, NETWORKS, removeContainer, repoRoot, ROLE_LABEL, SANDBOX_LABEL } from '../../fixtures/sandbox/docker.ts';
import { HARBOR_HOST } from '../../fixtures/sandbox/harbor-side-config.ts';
import { cacheDir } from '../../fixtures/sandbox/oci.ts';

export const CLIENTS_NAME = 'hd-clients';
export const CLIENTS_IP = '172.29.10.19';
const DNS_IP = '172.29.10.53';

/** containerd lines: Debian's 1.6 from apt, 1.7 and 2.x from the Go module proxy. */
export const CONTAINERD_LINES = [
  { line: '1.6', bin: '/usr/bin', configVersion: 2 },
  { line: '1.7', bin: '/opt/containerd-1.7/bin', configVersion: 2 },
  { line: '2', bin: '/opt/containerd-2/bin', configVersion: 3 },
] as const;
type Line = (typeof CONTAINERD_LINES)[number];

export function clientsCacheDir(): string {
  return path.join(process.env.HYBRID_DOCTOR_CACHE ?? cacheDir(), 'clients');
}

const crictlBinary = () => path.join(process.env.HYBRID_DOCTOR_CACHE ?? cacheDir(), 'k8s-v1.33.13', 'bin', 'crictl');

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds containerd 1.7 / 2.x when missing (the script is idempotent) and returns which lines
 * have binaries. A failed build is reported, not fatal: the recorder records with what it has.
 */
export async function ensureContainerdBuilds(log: (s: string) => void): Promise<{ built: string[]; missing: { line: string; why: string }[] }> {
  const script = path.join(repoRoot(), 'docker', 'clients', 'build-containerd.sh');
  const r = await execa('bash', [script], { reject: false, all: true, timeout: 30 * 60_000, env: { OUT: clientsCacheDir() } });
  for (const l of String(r.all ?? '').split('\n').filter(Boolean).slice(-12)) log(`  ${l}`);
  const built: string[] = [];
  const missing: { line: string; why: string }[] = [];
  for (const line of ['1.7', '2']) {
    const dir = path.join(clientsCacheDir(), `containerd-${line}`);
    if ((await exists(path.join(dir, 'containerd'))) && (await exists(path.join(dir, 'ctr')))) built.push(line);
    else missing.push({ line, why: `build-containerd.sh exit ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}` });
  }
  return { built, missing };
}

async function sha(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

/** `hybrid-doctor/clients:<hash>` from docker/clients/Dockerfile + crictl + the containerd builds. */
export async function ensureClientsImage(buildDir: string, log: (s: string) => void): Promise<string> {
  const dockerfile = path.join(repoRoot(), 'docker', 'clients', 'Dockerfile');
  const crictl = crictlBinary();
  if (!(await exists(crictl))) throw new Error(`crictl missing at ${crictl}: run \`bash docker/k8s/build.sh\``);
  const extras: { line: string; files: string[] }[] = [];
  for (const line of ['1.7', '2']) {
    const dir = path.join(clientsCacheDir(), `containerd-${line}`);
    const files = [path.join(dir, 'containerd'), path.join(dir, 'ctr')];
    extras.push({ line, files: (await exists(files[0]!)) && (await exists(files[1]!)) ? files : [] });
  }
  const h = createHash('sha256').update(await readFile(dockerfile)).update(await sha(crictl));
  for (const e of extras) for (const f of e.files) h.update(`${e.line}/${path.basename(f)}`).update(await sha(f));
  const { tag, built } = await ensureImage('clients', {
    context: buildDir,
    inputsHash: h.digest('hex'),
    assemble: async () => {
      await rm(buildDir, { recursive: true, force: true });
      await mkdir(path.join(buildDir, 'bin'), { recursive: true });
      await copyFile(dockerfile, path.join(buildDir, 'Dockerfile'));
      await copyFile(crictl, path.join(buildDir, 'bin', 'crictl'));
      await chmod(path.join(buildDir, 'bin', 'crictl'), 0o755);
      for (const e of extras) {
        const d = path.join(buildDir, 'bin', `containerd-${e.line}`);
        await mkdir(d, { recursive: true });
        // An empty folder keeps the Dockerfile's COPY valid when a line could not be built.
        await writeFile(path.join(d, '.keep'), '');
        for (const f of e.files) {
          await copyFile(f, path.join(d, path.basename(f)));
          await chmod(path.join(d, path.basename(f)), 0o755);
        }
      }
    },
  });
  if (built) log(`built ${tag}`);
  await rm(buildDir, { recursive: true, force: true });
  return tag;
}

export interface ShResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs `sh -c script` in hd-clients with positional args ($1...), bounded by `timeoutMs`. */
export async function sh(script: string, args: string[] = [], timeoutMs = 60_000): Promise<ShResult> {
  const r = await execa('docker', ['exec', CLIENTS_NAME, 'sh', '-c', script, 'sh', ...args], { reject: false, timeout: timeoutMs, stripFinalNewline: true });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), timedOut: Boolean(r.timedOut) };
}

const sock = (l: Line) => `/run/hd-cd-${l.line}/containerd.sock`;

function containerdConfig(l: Line): string {
  const root = `/var/lib/hd-cd-${l.line}`;
  const state = `/run/hd-cd-${l.line}`;
  const head = [`version = ${l.configVersion}`, `root = "${root}"`, `state = "${state}"`, '[grpc]', `  address = "${sock(l)}"`, '[ttrpc]', `  address = "${sock(l)}.ttrpc"`];
  // The CRI image service reads the same certs.d as `ctr --hosts-dir`; the native snapshotter
  // needs no overlay mounts inside a container.
  if (l.configVersion === 3) {
    return [
      ...head,
      "[plugins.'io.containerd.cri.v1.images']",
      "  snapshotter = 'native'",
      "[plugins.'io.containerd.cri.v1.images'.registry]",
      "  config_path = '/etc/containerd/certs.d'",
      "[plugins.'io.containerd.internal.v1.opt']",
      `  path = '${root}/opt'`,
      // 2.x pulls (ctr's default and the CRI's) go through the transfer service, which unpacks
      // only for the platforms of its unpack_config (default: overlayfs, unusable here). The
      // walking differ named explicitly: it applies any platform's layers (the arm64 fault).
      ...['linux/amd64', 'linux/arm64'].flatMap((p) => ["[[plugins.'io.containerd.transfer.v1.local'.unpack_config]]", `  platform = '${p}'`, "  snapshotter = 'native'", "  differ = 'walking'"]),
      '',
    ].join('\n');
  }
  return [
    ...head,
    '[plugins."io.containerd.grpc.v1.cri".containerd]',
    '  snapshotter = "native"',
    '[plugins."io.containerd.grpc.v1.cri".registry]',
    '  config_path = "/etc/containerd/certs.d"',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = "${root}/opt"`,
    '',
  ].join('\n');
}

/** Writes the files the container reads from /hd (configs; CA and credentials come per fault). */
export async function writeHostFiles(hostDir: string): Promise<void> {
  await mkdir(hostDir, { recursive: true, mode: 0o700 });
  for (const l of CONTAINERD_LINES) await writeFile(path.join(hostDir, `containerd-${l.line}.toml`), containerdConfig(l));
  // The CA twice: for the [host] entry and, at the top level, for `server` itself. With only
  // the usual `[host."<same URL>"] ca = ...`, containerd tries the [host] entry and on a 404
  // falls through to `server` WITHOUT that CA: a missing tag then reads as "x509: certificate
  // signed by unknown authority" (seen while building this recorder). containerd 1.6 refuses a
  // file without a [host] table ("invalid `host` tree").
  await writeFile(
    path.join(hostDir, 'hosts.toml'),
    [`server = "https://${HARBOR_HOST}"`, 'ca = "/hd/ca.crt"', '', `[host."https://${HARBOR_HOST}"]`, '  capabilities = ["pull", "resolve"]', '  ca = "/hd/ca.crt"', ''].join('\n'),
  );
  await writeFile(path.join(hostDir, 'crictl.yaml'), 'timeout: 50\ndebug: false\npull-image-on-create: false\n');
}

/** Writes the CA the fault's target trusts and the fault's credentials, in place (same inode). */
export async function writeFaultInputs(hostDir: string, ca: string, user: string, secret: string): Promise<void> {
  await writeFile(path.join(hostDir, 'ca.crt'), ca);
  for (const [f, v] of [['creds', `${user}:${secret}`], ['user', user], ['secret', secret]] as const) {
    await writeFile(path.join(hostDir, f), v, { mode: 0o600 });
    await chmod(path.join(hostDir, f), 0o600);
  }
}

/** Starts hd-clients and, inside it, dockerd and each available containerd; returns the lines that run. */
export async function startClients(image: string, hostDir: string, log: (s: string) => void): Promise<{ lines: Line[]; docker: boolean }> {
  await removeContainer(CLIENTS_NAME);
  // Created with the docker CLI like the cluster's nodes (fixtures/cluster/source-provider.ts):
  // `--privileged` is refused by this engine ("unable to apply caps"), all capabilities but
  // SYS_RESOURCE with seccomp/AppArmor unconfined are what dockerd and containerd need here.
  const run = await execa('docker', [
    'run', '-d', '--name', CLIENTS_NAME, '--hostname', 'clients',
    '--network', NETWORKS.onprem.name, '--ip', CLIENTS_IP,
    '--cap-add', 'ALL', '--cap-drop', 'SYS_RESOURCE', '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined', '--security-opt', 'systempaths=unconfined',
    '--label', `${SANDBOX_LABEL}=1`, '--label', `${ROLE_LABEL}=clients`,
    '-v', `${hostDir}:/hd:ro`, image,
  ], { reject: false, timeout: 60_000 });
  if (run.exitCode !== 0) throw new Error(`docker run ${CLIENTS_NAME} failed: ${run.stderr}`);
  const setup = await sh(
    [
      // The on-prem resolver, as a hybrid node has it (Docker's embedded DNS would not know the name).
      `printf 'nameserver ${DNS_IP}\\noptions timeout:2 attempts:2\\n' > /etc/resolv.conf`,
      `for d in /etc/containers/certs.d /etc/docker/certs.d; do mkdir -p "$d/${HARBOR_HOST}" && ln -sf /hd/ca.crt "$d/${HARBOR_HOST}/ca.crt"; done`,
      `mkdir -p /etc/containerd/certs.d/${HARBOR_HOST} && cp /hd/hosts.toml /etc/containerd/certs.d/${HARBOR_HOST}/hosts.toml`,
      'cp /hd/crictl.yaml /etc/crictl.yaml',
      'mkdir -p /var/log/hd',
      // dockerd: no bridge/iptables (pulls only), vfs storage; its own managed containerd (Debian's).
      'nohup dockerd --host unix:///run/hd-docker.sock --data-root /var/lib/hd-docker --exec-root /run/hd-docker --pidfile /run/hd-docker.pid --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs >/var/log/hd/dockerd.log 2>&1 &',
    ].join(' && '),
  );
  if (setup.exitCode !== 0) throw new Error(`hd-clients setup failed: ${setup.stderr || setup.stdout}`);
  const lines: Line[] = [];
  for (const l of CONTAINERD_LINES) {
    const has = await sh(`test -x ${l.bin}/containerd && test -x ${l.bin}/ctr`);
    if (has.exitCode !== 0) {
      log(`containerd ${l.line}: no binaries in ${l.bin} (not built); skipped`);
      continue;
    }
    await sh(`mkdir -p /run/hd-cd-${l.line} && nohup ${l.bin}/containerd --config /hd/containerd-${l.line}.toml >/var/log/hd/containerd-${l.line}.log 2>&1 &`);
    if (await waitFor(`${l.bin}/ctr --address ${sock(l)} version >/dev/null 2>&1 && crictl --runtime-endpoint unix://${sock(l)} --image-endpoint unix://${sock(l)} images >/dev/null 2>&1`, 30_000)) lines.push(l);
    else log(`containerd ${l.line} did not come up: ${(await sh(`tail -5 /var/log/hd/containerd-${l.line}.log`)).stdout}`);
  }
  const docker = await waitFor('docker -H unix:///run/hd-docker.sock version >/dev/null 2>&1', 60_000);
  if (!docker) log(`dockerd did not come up: ${(await sh('tail -5 /var/log/hd/dockerd.log')).stdout}`);
  return { lines, docker };
}

async function waitFor(check: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await sh(check, [], 10_000)).exitCode === 0) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

/** One client pull: a script run with $1 = image ref, $2 = architecture to ask for ('' = the host's). */
export interface ClientRun {
  /** `skopeo`, `podman`, `docker`, `ctr`, `crictl/containerd` (the runtime label of the vector). */
  runtime: string;
  /** What this client is called in the printed table (e.g. `ctr (containerd 1.7)`). */
  label: string;
  version: string;
  /** Optional step before the pull whose failure is itself a recorded text (docker login). */
  login?: { runtime: string; script: string };
  pull: string;
  cleanup: string;
  /** Whether the client can ask for another platform than the host's. */
  platforms: boolean;
}

const versionOf = (s: string) => /\d+\.\d+\.\d+[^\s,]*/.exec(s)?.[0] ?? 'unknown';

/** The clients that run in hd-clients, with their versions (asked from the binaries). */
export async function clientRuns(lines: Line[], docker: boolean): Promise<ClientRun[]> {
  const v = async (cmd: string) => versionOf((await sh(cmd)).stdout);
  const runs: ClientRun[] = [];
  const skopeo = await v('skopeo --version');
  runs.push({
    runtime: 'skopeo',
    label: 'skopeo inspect',
    version: skopeo,
    pull: 'skopeo inspect --creds "$(cat /hd/creds)" ${2:+--override-arch "$2"} "docker://$1"',
    cleanup: 'true',
    platforms: true,
  });
  runs.push({
    runtime: 'skopeo',
    label: 'skopeo copy',
    version: skopeo,
    pull: 'rm -rf /tmp/skopeo-out && skopeo copy --src-creds "$(cat /hd/creds)" ${2:+--override-arch "$2"} "docker://$1" dir:/tmp/skopeo-out',
    cleanup: 'rm -rf /tmp/skopeo-out',
    platforms: true,
  });
  runs.push({
    runtime: 'podman',
    label: 'podman pull',
    version: await v('podman --version'),
    pull: 'podman --events-backend=none --cgroup-manager=cgroupfs pull --creds "$(cat /hd/creds)" ${2:+--arch "$2"} "$1"',
    cleanup: 'podman --events-backend=none --cgroup-manager=cgroupfs rmi -f "$1" >/dev/null 2>&1; true',
    platforms: true,
  });
  if (docker) {
    const D = 'docker -H unix:///run/hd-docker.sock';
    runs.push({
      runtime: 'docker',
      label: 'docker pull',
      version: await v(`${D} version --format '{{.Server.Version}}'`),
      login: { runtime: 'docker-login', script: `${D} logout ${HARBOR_HOST} >/dev/null 2>&1; ${D} login -u "$(cat /hd/user)" --password-stdin ${HARBOR_HOST} < /hd/secret` },
      pull: `${D} pull \${2:+--platform "linux/$2"} "$1"`,
      cleanup: `${D} rmi -f "$1" >/dev/null 2>&1; ${D} logout ${HARBOR_HOST} >/dev/null 2>&1; true`,
      platforms: true,
    });
  }
  for (const l of lines) {
    const version = await v(`${l.bin}/containerd --version`);
    const ctr = `${l.bin}/ctr --address ${sock(l)} -n hd`;
    runs.push({
      runtime: 'ctr',
      label: `ctr (containerd ${l.line})`,
      version,
      pull: `${ctr} images pull --snapshotter native --hosts-dir /etc/containerd/certs.d --user "$(cat /hd/creds)" \${2:+--platform "linux/$2"} "$1"`,
      cleanup: `${ctr} images rm "$1" >/dev/null 2>&1; true`,
      platforms: true,
    });
    const crictl = `crictl --runtime-endpoint unix://${sock(l)} --image-endpoint unix://${sock(l)}`;
    runs.push({
      runtime: 'crictl/containerd',
      label: `crictl → containerd ${l.line} CRI`,
      version,
      pull: `${crictl} pull --creds "$(cat /hd/creds)" "$1"`,
      cleanup: `${crictl} rmi "$1" >/dev/null 2>&1; true`,
      platforms: false,
    });
  }
  return runs;
}

/** crictl is built without version stamping (docker/k8s/build.sh): its pinned version. */
export async function crictlVersion(): Promise<string> {
  const env = await readFile(path.join(repoRoot(), 'docker', 'k8s', 'versions.env'), 'utf8');
  return /^CRICTL_VERSION=(\S+)/m.exec(env)?.[1] ?? 'unknown';
}

export async function stopClients(): Promise<void> {
  await removeContainer(CLIENTS_NAME);
}


