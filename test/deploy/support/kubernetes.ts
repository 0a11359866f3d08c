/**
 * The Kubernetes manifests of deploy/kubernetes/, parsed as kubectl parses them and validated against the
 * Kubernetes API schemas of `kubernetes-models`, so the deploy suites check the real files rather than copies.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { BlockList, isIPv6 } from 'node:net';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KUBE_DIR, ROOT } from './paths.js';

export { KUBE_DIR, ROOT };

type Json = Record<string, any>;

/** Node's own resolution of the kubernetes-models modules (see {@link schemaProblems}). */
const requireModel = createRequire(import.meta.url);

/**
 * Parses a manifest file into its documents. YAML 1.1, as kubectl's parser (go-yaml) reads it: there `0440`
 * is octal (288), in YAML 1.2 it would be decimal 440. Any parse error throws, naming the file.
 */
export function readYaml(file: string): Json[] {
  const documents = parseAllDocuments(readFileSync(file, 'utf8'), { version: '1.1', prettyErrors: true });
  const list = Array.isArray(documents) ? documents : [];
  for (const document of list) {
    const problems = [...document.errors, ...document.warnings];
    if (problems.length > 0) throw new Error(`${relative(ROOT, file)}: ${problems.map((p) => p.message).join('; ')}`);
  }
  return list.map((document) => document.toJS() as Json).filter((value) => value !== null && value !== undefined);
}

/** The kustomization and every resource it lists, parsed. */
export interface Manifests {
  readonly kustomization: Json;
  readonly resources: Json[];
  /** The first resource of `kind` (and `name`, if given); throws when there is none. */
  one(kind: string, name?: string): Json;
}

export function readManifests(): Manifests {
  const [kustomization] = readYaml(join(KUBE_DIR, 'kustomization.yaml'));
  if (kustomization === undefined) throw new Error('deploy/kubernetes/kustomization.yaml is empty');
  const resources = (kustomization.resources as string[]).flatMap((file) => readYaml(join(KUBE_DIR, file)));
  return {
    kustomization,
    resources,
    one(kind, name) {
      const found = resources.find((resource) => resource.kind === kind && (name === undefined || resource.metadata?.name === name));
      if (found === undefined) throw new Error(`no ${kind}${name === undefined ? '' : ` ${name}`} in deploy/kubernetes`);
      return found;
    },
  };
}

/**
 * What the Kubernetes API schema of the object's `apiVersion` and `kind` finds wrong with it (types, required
 * fields, formats), as `kubernetes-models` validates it; empty when it is valid. A kind the library has no model
 * for is itself a problem. Unknown fields pass: the library's schemas allow them, as the API server does unless
 * asked for strict field validation.
 */
export function schemaProblems(resource: Json): string[] {
  const { apiVersion, kind } = resource as { apiVersion?: unknown; kind?: unknown };
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return ['apiVersion and kind must be strings'];
  let model: new (data: Json) => { validate(): void };
  try {
    // The library's modules follow the API's own paths: kubernetes-models/<group>/<version>/<Kind>. Resolved by Node
    // at run time (the package's exports map them): a computed import() is one vite tries to resolve ahead of time.
    model = (requireModel(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, typeof model>)[kind]!;
  } catch {
    return [`${apiVersion} ${kind}: no such Kubernetes API kind`];
  }
  try {
    new model(resource).validate();
    return [];
  } catch (error) {
    // The library's ValidationError carries ajv's error objects; each becomes one line naming the field.
    const { errors, message } = error as { errors?: Array<{ instancePath: string; message?: string }>; message: string };
    return errors?.map((problem) => `${kind} ${problem.instancePath || '/'}: ${problem.message ?? 'invalid'}`) ?? [message];
  }
}

/** Whether a label selector (`matchLabels` only; these manifests use nothing else) selects `labels`. */
export function selects(selector: Json | undefined, labels: Record<string, string>): boolean {
  if (selector?.matchExpressions !== undefined) throw new Error('matchExpressions: not used by these manifests, not modelled');
  const matchLabels = (selector?.matchLabels ?? {}) as Record<string, string>;
  return Object.entries(matchLabels).every(([key, value]) => labels[key] === value);
}

/** The Deployment's single container. */
export function mainContainer(deployment: Json): Json {
  const containers = deployment.spec.template.spec.containers as Json[];
  if (containers.length !== 1) throw new Error(`expected one container, found ${containers.length}`);
  return containers[0]!;
}

/** The container's literal env as a record; a valueFrom entry throws (none is expected here). */
export function envOf(container: Json): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of (container.env ?? []) as Json[]) {
    if (typeof entry.value !== 'string') throw new Error(`env ${String(entry.name)} must be a string value (quote numbers)`);
    env[entry.name as string] = entry.value;
  }
  return env;
}

/** The container port named `name` (or numbered `name`). */
export function containerPort(container: Json, name: string | number): Json | undefined {
  return (container.ports as Json[]).find((port) => port.name === name || port.containerPort === name);
}

/** A Kubernetes memory quantity in bytes (Ki, Mi, Gi, or plain bytes). */
export function bytesOf(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(quantity);
  if (match === null) throw new Error(`unsupported quantity ${quantity}`);
  const factor = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, K: 1e3, M: 1e6, G: 1e9 }[match[2] ?? ''] ?? 1;
  return Number(match[1]) * factor;
}

/**
 * Where a connection comes from: a pod (its labels, its namespace's labels, whether it is in the policy's
 * namespace), or an address outside the cluster.
 */
export type Source =
  | { readonly pod: Record<string, string>; readonly namespace: Record<string, string>; readonly sameNamespace: boolean }
  | { readonly address: string };

/**
 * Whether a NetworkPolicy lets a TCP connection from `source` reach `port` of a pod (`podLabels`, `container`),
 * as the NetworkPolicy API defines it: a policy that does not select the pod for Ingress leaves it alone; one that
 * does admits only what one of its rules admits. A rule's ports (none: every port; a name: the container port of
 * that name) and its peers (none: every source) must both match; a peer with both selectors needs both.
 */
export function admits(policy: Json, podLabels: Record<string, string>, container: Json, source: Source, port: number): boolean {
  const spec = policy.spec as Json;
  const types = (spec.policyTypes as string[] | undefined) ?? ['Ingress'];
  if (!selects(spec.podSelector, podLabels) || !types.includes('Ingress')) return true;
  const portMatches = (rulePort: Json): boolean => {
    if ((rulePort.protocol ?? 'TCP') !== 'TCP') return false;
    if (rulePort.port === undefined) return true;
    if (typeof rulePort.port === 'string') return containerPort(container, rulePort.port)?.containerPort === port;
    return port >= rulePort.port && port <= (rulePort.endPort ?? rulePort.port);
  };
  const peerMatches = (peer: Json): boolean => {
    if (peer.ipBlock !== undefined) {
      if (!('address' in source)) return false;
      const family = (cidr: string): 'ipv4' | 'ipv6' => (isIPv6(cidr.split('/')[0]!) ? 'ipv6' : 'ipv4');
      const block = (cidrs: string[]): BlockList => {
        const list = new BlockList();
        for (const cidr of cidrs) list.addSubnet(cidr.split('/')[0]!, Number(cidr.split('/')[1]), family(cidr));
        return list;
      };
      const ip = family(source.address);
      return block([peer.ipBlock.cidr]).check(source.address, ip) && !block(peer.ipBlock.except ?? []).check(source.address, ip);
    }
    if (!('pod' in source)) return false;
    const namespaceOk = peer.namespaceSelector === undefined ? source.sameNamespace : selects(peer.namespaceSelector, source.namespace);
    return namespaceOk && (peer.podSelector === undefined || selects(peer.podSelector, source.pod));
  };
  return ((spec.ingress ?? []) as Json[]).some((rule) => {
    const ports = (rule.ports ?? []) as Json[];
    const from = (rule.from ?? []) as Json[];
    return (ports.length === 0 || ports.some(portMatches)) && (from.length === 0 || from.some(peerMatches));
  });
}
