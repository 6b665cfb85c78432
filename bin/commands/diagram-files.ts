import type { Environment } from '../../environments/schema';
import { mermaid, svg } from './diagram';

/** The diagram files of an environment: `<env>.svg` and `<env>.mmd`. */
export async function diagramFiles(env: Environment): Promise<Record<string, string>> {
  return { [`${env.name}.svg`]: await svg(env), [`${env.name}.mmd`]: mermaid(env) };
}
