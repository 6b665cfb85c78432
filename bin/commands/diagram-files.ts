import type { ResolvedEnvironment } from '../../environments/resolve';
import { mermaid, svg } from './diagram';

/** The diagram files of an environment: `<env>.svg` and `<env>.mmd`. */
export async function diagramFiles(resolved: ResolvedEnvironment): Promise<Record<string, string>> {
  const name = resolved.env.name;
  return { [`${name}.svg`]: await svg(resolved), [`${name}.mmd`]: mermaid(resolved) };
}
