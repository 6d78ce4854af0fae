// The images a real node needs without a registry: the sandbox (pause) and busybox:latest, made here.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { addImage, writeArchive } from "../../../scripts/oci.ts";
import { PAUSE_IMAGE } from "./config.ts";

const BUSYBOX_IMAGE = "docker.io/library/busybox:latest";
/**
 * The same busybox under a fixed tag: a pod asking for a `:latest` image without a pull policy gets
 * `Always` and goes to the registry, which real-0 does not have; pods here use this name.
 */
export const BUSYBOX_FIXED = "docker.io/library/busybox:1.35";
// A fixed date: these images depend only on their inputs, so re-importing them changes nothing.
const EPOCH = 0;
const ARCH = process.arch === "arm64" ? "arm64" : "amd64";

/** Runs `ctr` against the node's containerd, in the namespace the kubelet's pods live in. */
export function ctr(socket: string, args: string[]): string {
  const proc = Bun.spawnSync(["ctr", "--address", socket, "--namespace", "k8s.io", ...args], { stdout: "pipe", stderr: "pipe" });
  if (proc.exitCode !== 0)
    throw new Error(`ctr ${args.join(" ")} failed (exit ${proc.exitCode}): ${proc.stderr.toString().trim()}`);
  return proc.stdout.toString();
}

/** Imports an OCI or Docker archive into the node, as `ctr -n k8s.io images import` does for users. */
export function importImage(socket: string, archive: string): void {
  ctr(socket, ["images", "import", archive]);
}

function busyboxRoot(root: string): void {
  mkdirSync(join(root, "bin"), { recursive: true });
  copyFileSync("/bin/busybox", join(root, "bin", "busybox"));
  chmodSync(join(root, "bin", "busybox"), 0o755);
  const applets = Bun.spawnSync(["/bin/busybox", "--list"]).stdout.toString().split("\n").filter(Boolean);
  for (const applet of applets) if (applet !== "busybox") symlinkSync("busybox", join(root, "bin", applet));
  mkdirSync(join(root, "etc"));
  writeFileSync(join(root, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n");
  writeFileSync(join(root, "etc", "group"), "root:x:0:\nnobody:x:65534:\n");
  for (const dir of ["root", "tmp"]) mkdirSync(join(root, dir));
  chmodSync(join(root, "tmp"), 0o1777);
}

/** Writes the pause and busybox archives into `dir` and imports them into the node's containerd. */
export function importBaseImages(socket: string, dir: string, pauseBinary: string): void {
  const work = mkdtempSync(join(dir, "images-"));
  try {
    const pauseRoot = join(work, "pause-root");
    mkdirSync(pauseRoot);
    copyFileSync(pauseBinary, join(pauseRoot, "pause"));
    chmodSync(join(pauseRoot, "pause"), 0o755);
    const busybox = join(work, "busybox-root");
    busyboxRoot(busybox);

    const images = [
      { refs: [PAUSE_IMAGE], root: pauseRoot, config: { User: "65535:65535", Entrypoint: ["/pause"] } },
      { refs: [BUSYBOX_IMAGE, BUSYBOX_FIXED], root: busybox, config: { Env: ["PATH=/bin"], Cmd: ["sh"] } },
    ];
    for (const [i, image] of images.entries()) {
      const layout = join(work, `layout-${i}`);
      const manifest = addImage(layout, {
        arch: ARCH,
        layers: [image.root],
        config: image.config,
        epoch: EPOCH,
        createdBy: "tests/cluster/real-node/images.ts",
      });
      const archive = join(work, `image-${i}.tar`);
      writeArchive(
        layout,
        archive,
        image.refs.map((ref) => ({ ref, manifest })),
        EPOCH,
      );
      importImage(socket, archive);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
