// The real node of the local control plane: real-0 runs real containers, and its teardown is complete.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Cluster } from "./cluster.ts";
import { startCluster } from "./cluster.ts";
import { KUBERNETES_SERVICE_IP } from "./pki.ts";
import { waitFor } from "./wait.ts";

interface Pod {
  spec: { nodeName?: string };
  status: {
    phase?: string;
    podIP?: string;
    containerStatuses?: Array<{ state: { terminated?: { exitCode: number; reason?: string } } }>;
  };
}

describe("startCluster({ realNode: true })", () => {
  let cluster: Cluster | undefined;
  const c = (): Cluster => {
    if (cluster === undefined) throw new Error("The cluster did not start");
    return cluster;
  };
  const kubectlOk = async (args: string[], stdin?: string): Promise<string> => {
    const res = await c().kubectl(args, stdin === undefined ? {} : { stdin });
    if (res.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${res.stderr}`);
    return res.stdout;
  };

  /** Runs `script` in busybox on real-0 and waits for the pod to end; returns the pod. */
  const runPod = async (name: string, script: string): Promise<Pod> => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name },
      spec: {
        nodeName: "real-0",
        restartPolicy: "Never",
        automountServiceAccountToken: false,
        containers: [{ name: "main", image: "busybox:latest", imagePullPolicy: "IfNotPresent", command: ["sh", "-c", script] }],
      },
    };
    await kubectlOk(["apply", "-f", "-"], JSON.stringify(pod));
    return waitFor(
      `pod ${name} to end`,
      async () => {
        const got = JSON.parse(await kubectlOk(["get", "pod", name, "-o", "json"])) as Pod;
        return got.status.phase === "Succeeded" || got.status.phase === "Failed" ? got : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );
  };

  beforeAll(async () => {
    cluster = await startCluster({ name: "real-smoke", realNode: true, nodes: ["node-a"] });
    console.error(
      `real-0: Ready ${c().realNode?.kubeletReadyMs} ms after the kubelet started, ${c().realNode?.startMs} ms in all`,
    );
  }, 600_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  test("real-0 joins next to the kwok nodes as a kubelet v1.36.3 on containerd", async () => {
    const node = JSON.parse(await kubectlOk(["get", "node", "real-0", "-o", "json"]));
    expect(node.status.nodeInfo.kubeletVersion).toBe("v1.36.3");
    expect(node.status.nodeInfo.containerRuntimeVersion).toStartWith("containerd://1.6");
    expect(node.status.addresses).toContainEqual({ type: "InternalIP", address: c().realNode?.hostIp });
    expect(c().nodes).toEqual(["node-a", "real-0"]);
  });

  test("a container's exit code and output are real, and kubectl logs reads them from the kubelet", async () => {
    const pod = await runPod("exit-three", "echo from-busybox; exit 3");
    expect(pod.spec.nodeName).toBe("real-0");
    expect(pod.status.containerStatuses?.[0]?.state.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
    expect(await kubectlOk(["logs", "exit-three"])).toBe("from-busybox\n");
  }, 120_000);

  test("pods reach the API server through the kubernetes Service (kube-proxy)", async () => {
    // Plain HTTP to the Service's HTTPS port: only Go's TLS server answers this way.
    const pod = await runPod("service", `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${KUBERNETES_SERVICE_IP} 443`);
    expect(pod.status.phase).toBe("Succeeded");
    expect(pod.status.podIP).toStartWith("10.200.0.");
    expect(await kubectlOk(["logs", "service"])).toContain("Client sent an HTTP request to an HTTPS server.");
  }, 120_000);

  test("stop() leaves no process, mount, network link, iptables chain, cgroup or file behind", async () => {
    const real = c().realNode;
    await c().stop();
    expect(real?.leftovers()).toEqual([]);
  }, 120_000);
});
