import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../functions/core/notifications/model';
import { buildStack, FULL_CONFIG, findFunction, policyStatements, statementsOf } from './fixture';

/** Every Herald function (the api, authorizer, release and one sender per channel). */
const FUNCTIONS = ['api', 'authorizer', 'release', ...CHANNELS.map((c) => `send-${c}`)];
const XRAY = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

describe('tracing', () => {
  let on: Template;
  let off: Template;
  beforeAll(() => {
    on = buildStack().template;
    off = buildStack({ ...FULL_CONFIG, tracing: false }).template;
  });

  it('is on by default: active tracing and the Powertools Tracer on every Herald function', () => {
    for (const name of FUNCTIONS) {
      const { props } = findFunction(on, name);
      expect(props.TracingConfig, name).toEqual({ Mode: 'Active' });
      expect(props.Environment.Variables, name).toMatchObject({
        POWERTOOLS_TRACE_ENABLED: 'true',
        // Responses carry recipients (GET /v1/notifications/{id}); traces must not.
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
        POWERTOOLS_SERVICE_NAME: `herald-test-${name}`,
      });
      const actions = statementsOf(on, name).flatMap((s) => s.actions);
      expect(actions, name).toEqual(expect.arrayContaining(XRAY));
    }
  });

  it('is on for the API stage by default', () => {
    on.hasResourceProperties('AWS::ApiGateway::Stage', { TracingEnabled: true });
  });

  it('is off everywhere with tracing: false: no X-Ray mode, Tracer off, no X-Ray permission', () => {
    for (const name of FUNCTIONS) {
      const { props } = findFunction(off, name);
      expect(props.TracingConfig, name).toBeUndefined();
      expect(props.Environment.Variables.POWERTOOLS_TRACE_ENABLED, name).toBe('false');
    }
    const stage = Object.values(off.findResources('AWS::ApiGateway::Stage'))[0];
    expect(stage?.Properties.TracingEnabled ?? false).toBe(false);
    expect(
      policyStatements(off).flatMap((s) => s.actions.filter((a) => a.startsWith('xray:'))),
    ).toEqual([]);
  });
});
