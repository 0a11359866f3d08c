/**
 * The Kubernetes manifests of deploy/kubernetes/, parsed as kubectl parses them, so the deploy suites and
 * `npm run image:test` read the real files rather than copies of their values.
 */
import { readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { parseAllDocuments } from 'yaml';
import { KUBE_DIR, ROOT } from './paths.js';

// Free-form objects: the deploy suites validate every manifest against its Kubernetes API schema and read fields
// as the schema allows; scripts give them their kubernetes-models type (e.g. IDeployment) before reading.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

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

export function readManifests(dir = KUBE_DIR): Manifests {
  const [kustomization] = readYaml(join(dir, 'kustomization.yaml'));
  if (kustomization === undefined) throw new Error(`${relative(ROOT, dir)}/kustomization.yaml is empty`);
  const resources = (kustomization.resources as string[]).flatMap((file) => readYaml(join(dir, file)));
  return {
    kustomization,
    resources,
    one(kind, name) {
      const found = resources.find(
        (resource) => resource.kind === kind && (name === undefined || (resource.metadata as Json)?.name === name),
      );
      if (found === undefined) throw new Error(`no ${kind}${name === undefined ? '' : ` ${name}`} in ${relative(ROOT, dir)}`);
      return found;
    },
  };
}

/** The Deployment's single container. */
export function mainContainer(deployment: Json): Json {
  const containers = (deployment as IDeployment).spec?.template.spec?.containers ?? [];
  if (containers.length !== 1) throw new Error(`expected one container, found ${containers.length}`);
  return containers[0] as Json;
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

/** A Kubernetes CPU quantity in cores (`1`, `0.5`, `500m`). */
export function coresOf(quantity: string | number): number {
  const match = /^(\d+(?:\.\d+)?)(m)?$/.exec(String(quantity));
  if (match === null) throw new Error(`unsupported CPU quantity ${quantity}`);
  return Number(match[1]) / (match[2] === 'm' ? 1000 : 1);
}

/**
 * The data of the ConfigMap the kustomization's `configMapGenerator` named `name` generates: each `files` entry
 * (`file`, keyed by its basename, or `key=file`) read from the kustomization's directory.
 */
export function generatedConfigMap(manifests: Manifests, name: string, dir = KUBE_DIR): Record<string, string> {
  const generator = ((manifests.kustomization.configMapGenerator ?? []) as Json[]).find((candidate) => candidate.name === name);
  if (generator === undefined) throw new Error(`no configMapGenerator named ${name} in ${relative(ROOT, dir)}/kustomization.yaml`);
  return Object.fromEntries(
    ((generator.files ?? []) as string[]).map((entry) => {
      const [key, file] = entry.includes('=') ? (entry.split('=', 2) as [string, string]) : [basename(entry), entry];
      return [key, readFileSync(join(dir, file), 'utf8')];
    }),
  );
}
