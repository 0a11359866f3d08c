/** Where the deployment files live. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the build context of `docker build .`. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** deploy/kubernetes/ */
export const KUBE_DIR = join(ROOT, 'deploy/kubernetes');
