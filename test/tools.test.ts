import { describe, expect, it } from 'vitest';
import { REQUIRE_TOOLS, missingTool, toolVersion } from './support/tools';

describe('external tools the tests run for real', () => {
  it.each([
    ['caddy', ['version']],
    ['promtool', ['--version']],
    ['amtool', ['--version']],
  ])('%s is installed (apt-get install -y caddy prometheus prometheus-alertmanager), or its tests say why they skip', (tool, args) => {
    const reason = missingTool(tool, 'apt-get install -y caddy prometheus prometheus-alertmanager', args);
    if (reason) {
      expect(REQUIRE_TOOLS).toBe(false);
      expect(reason).toMatch(new RegExp(`^${tool} is not installed`));
    } else {
      expect(toolVersion(tool, args)).toMatch(/\d+\.\d+/);
    }
  });
});
