// A small stand-in for Metacontroller (which cannot be built here): one CompositeController reconcile of a PlexdHook.
//
// It does what Metacontroller v4 does for a parent, in its order: call customize; fetch the related
// objects by the returned rules; claim the Jobs the hook owns; call sync (finalize once the hook is
// being deleted); create the missing children with Metacontroller's label, annotation and owner
// reference, delete children the answer left out (OnDelete: never update one); replace the status.
// It calls the hooks as the shipped CompositeController says, over HTTPS to the Service's host name,
// checking the certificate against the CA bundle read once, when it starts, from the ConfigMap the
// CompositeController names (Metacontroller's ResolveCABundle).

import { parseAllDocuments } from "yaml";
import { renderManifests } from "../../../lib/manifests.ts";
import { type RelatedResourceRule, selectionOf } from "../../../lib/webhook/rules.ts";
import { listNamespace } from "../../support/related-rules.ts";
import type { Setup } from "./cluster.ts";

export type Version = "v1" | "v2";

/** What Metacontroller adds to every child it creates for a parent (generateSelector, its 3-way merge). */
export const CONTROLLER_UID_LABEL = "controller-uid";
export const LAST_APPLIED = "metacontroller.k8s.io/last-applied-configuration";
const FINALIZER = "metacontroller.io/compositecontroller-plexd-hook";

const KINDS: Record<string, { kind: string; namespaced: boolean }> = {
  nodes: { kind: "Node", namespaced: false },
  pods: { kind: "Pod", namespaced: true },
  configmaps: { kind: "ConfigMap", namespaced: true },
  secrets: { kind: "Secret", namespaced: true },
};

type Obj = Record<string, any>;
type ObjectMap = Record<string, Record<string, Obj>>;

export class FakeMetacontroller {
  readonly calls: Array<{ hook: string; request: Obj; response: Obj }> = [];
  /** Hook calls that failed (no connection, TLS, not 200): Metacontroller records a SyncError and retries. */
  readonly failures: string[] = [];
  /** The Jobs this stand-in created, by hook name. */
  readonly created = new Map<string, number>();

  private constructor(
    private readonly env: Setup,
    private readonly cc: Obj,
    private readonly ca: string,
    /** Where the Service's host name leads: the webhook process's host:port. */
    readonly address: string,
    private readonly version: Version,
  ) {}

  /**
   * Starts the shipped CompositeController (`manifests --mode metacontroller --namespace`), its hooks
   * at `version`, as Metacontroller does: its CA bundle is read now, once.
   */
  static async start(
    env: Setup,
    options: { namespace: string; address: string; version?: Version },
  ): Promise<FakeMetacontroller> {
    const version = options.version ?? "v2";
    const manifests = parseAllDocuments(renderManifests({ mode: "metacontroller", namespace: options.namespace }));
    const cc = manifests.map((d) => d.toJS()).find((d) => d.kind === "CompositeController");
    for (const hook of Object.values(cc.spec.hooks) as Obj[]) hook.version = version;
    const ref = cc.spec.hooks.sync.webhook.caBundle.configMapRef;
    const configMap = await env.json(["get", "configmap", ref.name, "-n", ref.namespace]);
    const ca = configMap.data?.[ref.key];
    if (!ca) throw new Error(`caBundle: key ${ref.key} not found in ConfigMap ${ref.namespace}/${ref.name}`);
    return new FakeMetacontroller(env, cc, ca, options.address, version);
  }

  /** The CompositeController as sent in every request. */
  controller(): Obj {
    return this.cc;
  }

  /** The same stand-in with its hooks at another version. */
  at(version: Version): FakeMetacontroller {
    const cc = structuredClone(this.cc);
    for (const hook of Object.values(cc.spec.hooks) as Obj[]) hook.version = version;
    return new FakeMetacontroller(this.env, cc, this.ca, this.address, version);
  }

  /** Metacontroller's webhookURL(): `<protocol>://<service>.<namespace>:<port><path>`; dialled at `address`. */
  private async call(hook: string, request: Obj): Promise<Obj> {
    const { service, path } = this.cc.spec.hooks[hook].webhook;
    const host = `${service.name}.${service.namespace}`;
    if (service.protocol !== "https") throw new Error(`the CompositeController calls ${hook} over ${service.protocol ?? "http"}`);
    let res: Response;
    try {
      res = await fetch(`https://${this.address}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(request),
        tls: { ca: this.ca, serverName: host },
      });
    } catch (err) {
      this.failures.push(`${hook}: ${(err as Error).message}`);
      throw err;
    }
    const text = await res.text();
    if (res.status !== 200) {
      this.failures.push(`${hook}: ${res.status} ${text}`);
      throw new Error(`${hook} answered ${res.status}: ${text}`);
    }
    const response = JSON.parse(text);
    this.calls.push({ hook, request, response });
    return response;
  }

  /** Metacontroller's map key: namespace/name at v2; at v1 the name alone (the parent is namespaced). */
  private key(obj: Obj): string {
    const { name, namespace } = obj.metadata;
    return this.version === "v2" && namespace ? `${namespace}/${name}` : name;
  }

  private async related(parent: Obj, rules: RelatedResourceRule[]): Promise<ObjectMap> {
    const map: ObjectMap = {};
    for (const rule of rules) {
      const type = KINDS[rule.resource];
      if (!type) throw new Error(`the driver does not know resource ${rule.resource}`);
      selectionOf(rule);
      const scope = { version: this.version, parentNamespace: parent.metadata.namespace, relatedNamespaced: type.namespaced };
      const namespace = listNamespace(rule, scope);
      const args = ["get", rule.resource, ...(type.namespaced ? (namespace ? ["-n", namespace] : ["-A"]) : [])];
      const labels = Object.entries(rule.labelSelector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
      if (labels.length > 0) args.push("-l", labels.join(","));
      const items: Obj[] = (await this.env.json(args)).items;
      // Every rule's type is in the map, even with nothing found (Metacontroller's InitGroup).
      const group: Record<string, Obj> = map[`${type.kind}.${rule.apiVersion}`] ?? {};
      map[`${type.kind}.${rule.apiVersion}`] = group;
      for (const item of items) {
        if (rule.names?.length && !rule.names.includes(item.metadata.name)) continue;
        // At v1 a namespaced parent is sent only objects of its own namespace (no cluster-scoped ones).
        if (this.version === "v1" && item.metadata.namespace !== parent.metadata.namespace) continue;
        group[this.key({ ...item, kind: type.kind })] = { apiVersion: rule.apiVersion, kind: type.kind, ...item };
      }
    }
    return map;
  }

  private async children(parent: Obj): Promise<Record<string, Obj>> {
    const jobs: Obj[] = (await this.env.json(["get", "jobs", "-n", parent.metadata.namespace])).items;
    const owned = jobs.filter((job) =>
      (job.metadata.ownerReferences ?? []).some((ref: Obj) => ref.controller && ref.uid === parent.metadata.uid),
    );
    return Object.fromEntries(owned.map((job) => [this.key(job), { apiVersion: "batch/v1", kind: "Job", ...job }]));
  }

  /** One reconcile of the hook; returns the hook's answer. */
  async reconcile(namespace: string, name: string): Promise<Obj> {
    let parent = await this.env.json(["get", "plexdhook", name, "-n", namespace]);
    // With a finalize hook, Metacontroller first puts its finalizer on the parent.
    if (!parent.metadata.deletionTimestamp && !(parent.metadata.finalizers ?? []).includes(FINALIZER)) {
      const finalizers = [...(parent.metadata.finalizers ?? []), FINALIZER];
      const patch = JSON.stringify({ metadata: { finalizers } });
      parent = JSON.parse(
        await this.env.k(["patch", "plexdhook", name, "-n", namespace, "--type=merge", "-p", patch, "-o", "json"]),
      );
    }
    const { relatedResources } = await this.call("customize", { controller: this.controller(), parent });
    const related = await this.related(parent, relatedResources);
    const observed = await this.children(parent);
    const finalizing = parent.metadata.deletionTimestamp !== undefined;
    const request = { controller: this.controller(), parent, children: { "Job.batch/v1": observed }, related, finalizing };
    const response = await this.call(finalizing ? "finalize" : "sync", request);
    const desired = new Map<string, Obj>(
      response.children.map((child: Obj) => [this.key({ ...child, metadata: { namespace, ...child.metadata } }), child]),
    );
    for (const [key, job] of Object.entries(observed)) {
      if (!desired.has(key))
        await this.env.k(["delete", "job", job.metadata.name, "-n", namespace, "--cascade=background", "--wait=false"]);
    }
    for (const [key, child] of desired) {
      if (observed[key]) continue;
      const created = structuredClone(child);
      created.metadata.namespace ??= namespace;
      created.metadata.labels = { ...created.metadata.labels, [CONTROLLER_UID_LABEL]: parent.metadata.uid };
      created.metadata.annotations = { ...created.metadata.annotations, [LAST_APPLIED]: JSON.stringify(child) };
      await this.env.k(["create", "-f", "-"], JSON.stringify(created));
      this.created.set(name, (this.created.get(name) ?? 0) + 1);
    }
    const status = { ...response.status, observedGeneration: parent.metadata.generation };
    await this.env.k(["replace", "--subresource=status", "-f", "-"], JSON.stringify({ ...parent, status }));
    if (finalizing && response.finalized) {
      const finalizers = (parent.metadata.finalizers ?? []).filter((f: string) => f !== FINALIZER);
      await this.env.k([
        "patch",
        "plexdhook",
        name,
        "-n",
        namespace,
        "--type=merge",
        "-p",
        JSON.stringify({ metadata: { finalizers } }),
      ]);
    }
    return response;
  }
}
