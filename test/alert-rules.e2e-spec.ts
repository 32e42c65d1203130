import fs from 'node:fs';
import path from 'node:path';
import { ensurePrometheus, promtool } from './support/prometheus';

const DIR = path.join(__dirname, '..', 'ops', 'prometheus');
const RULES = path.join(DIR, 'netops-alerts.yml');
const TESTS = path.join(DIR, 'netops-alerts.test.yml');

const tools = ensurePrometheus();
const withTools = 'skip' in tools ? it.skip : it;
if ('skip' in tools) console.warn(tools.skip);

describe('alerting rules (ops/prometheus)', () => {
  const rules = fs.readFileSync(RULES, 'utf8');
  const alerts = [...rules.matchAll(/^\s+- alert: (\w+)$/gm)].map((m) => m[1]);

  it('has every alert of the issue, each with a runbook line and a unit test', () => {
    expect(alerts).toEqual(
      expect.arrayContaining(['NetopsHighErrorRatio', 'NetopsHighLatencyP99', 'NetopsWebhookFailureRatio', 'NetopsOutboxOldEntries', 'NetopsJobBacklog', 'NetopsNotReady', 'NetopsEmbeddedPostgresRestarted']),
    );
    const blocks = rules.split(/^\s+- alert: /m).slice(1);
    expect(blocks).toHaveLength(alerts.length);
    for (const block of blocks) expect(block).toMatch(/\n\s+runbook: "docs\/operations\.md#[a-z0-9-]+: .{20,}/);
    const tests = fs.readFileSync(TESTS, 'utf8');
    // Each alert is expected to fire somewhere in the tests (not only to stay silent).
    for (const alert of alerts) expect(tests).toMatch(new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels`));
  });

  withTools('passes promtool check rules', () => {
    const result = promtool((tools as { promtool: string }).promtool, ['check', 'rules', RULES]);
    expect(result.output).toContain(`SUCCESS: ${alerts.length} rules found`);
    expect(result.status).toBe(0);
  });

  withTools('passes promtool test rules', () => {
    const result = promtool((tools as { promtool: string }).promtool, ['test', 'rules', TESTS]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });
});
