/**
 * The Kubernetes manifests (read by scripts/deploy/manifests.ts) validated against the Kubernetes API schemas of
 * `kubernetes-models`, and the NetworkPolicy semantics the deploy suites check them with.
 */
import { createRequire } from 'node:module';
import { BlockList, isIPv6 } from 'node:net';
import { containerPort } from '../../../scripts/deploy/manifests.js';

type Json = Record<string, any>;

/** Node's own resolution of the kubernetes-models modules (see {@link schemaProblems}). */
const requireModel = createRequire(import.meta.url);

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

/**
 * The other end of a connection: a pod (its labels, its namespace's labels, whether it is in the policy's
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
  return allows(policy, podLabels, 'Ingress', source, port, (name) => containerPort(container, name)?.containerPort);
}

/**
 * Whether a NetworkPolicy lets a pod (`podLabels`) open a TCP connection to `port` of `destination`, by the same
 * rules for Egress (`to` peers). A named port in an egress rule names a port of the destination pod: not modelled.
 */
export function sends(policy: Json, podLabels: Record<string, string>, destination: Source, port: number): boolean {
  return allows(policy, podLabels, 'Egress', destination, port, (name) => {
    throw new Error(`egress port ${name}: a named port of the destination pod, not modelled`);
  });
}

/**
 * The NetworkPolicy API's decision for one direction. `policyTypes` defaults to Ingress, plus Egress when the
 * policy has egress rules; a selected pod with the direction in `policyTypes` gets only what a rule allows.
 */
function allows(
  policy: Json,
  podLabels: Record<string, string>,
  direction: 'Ingress' | 'Egress',
  peer: Source,
  port: number,
  namedPort: (name: string) => number | undefined,
): boolean {
  const spec = policy.spec as Json;
  const types = (spec.policyTypes as string[] | undefined) ?? (spec.egress === undefined ? ['Ingress'] : ['Ingress', 'Egress']);
  if (!selects(spec.podSelector, podLabels) || !types.includes(direction)) return true;
  const portMatches = (rulePort: Json): boolean => {
    if ((rulePort.protocol ?? 'TCP') !== 'TCP') return false;
    if (rulePort.port === undefined) return true;
    if (typeof rulePort.port === 'string') return namedPort(rulePort.port) === port;
    return port >= rulePort.port && port <= (rulePort.endPort ?? rulePort.port);
  };
  const peerMatches = (rulePeer: Json): boolean => {
    if (rulePeer.ipBlock !== undefined) {
      if (!('address' in peer)) return false;
      const family = (cidr: string): 'ipv4' | 'ipv6' => (isIPv6(cidr.split('/')[0]!) ? 'ipv6' : 'ipv4');
      const block = (cidrs: string[]): BlockList => {
        const list = new BlockList();
        for (const cidr of cidrs) list.addSubnet(cidr.split('/')[0]!, Number(cidr.split('/')[1]), family(cidr));
        return list;
      };
      const ip = family(peer.address);
      return block([rulePeer.ipBlock.cidr]).check(peer.address, ip) && !block(rulePeer.ipBlock.except ?? []).check(peer.address, ip);
    }
    if (!('pod' in peer)) return false;
    const namespaceOk = rulePeer.namespaceSelector === undefined ? peer.sameNamespace : selects(rulePeer.namespaceSelector, peer.namespace);
    return namespaceOk && (rulePeer.podSelector === undefined || selects(rulePeer.podSelector, peer.pod));
  };
  const rules = ((direction === 'Ingress' ? spec.ingress : spec.egress) ?? []) as Json[];
  return rules.some((rule) => {
    const ports = (rule.ports ?? []) as Json[];
    const peers = ((direction === 'Ingress' ? rule.from : rule.to) ?? []) as Json[];
    return (ports.length === 0 || ports.some(portMatches)) && (peers.length === 0 || peers.some(peerMatches));
  });
}
