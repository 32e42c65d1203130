import { Env, readConfig } from './env';

/**
 * OpenTelemetry traces. On when an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) and OTEL_SDK_DISABLED is not true; the SDK itself reads the
 * other standard variables (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG, OTEL_RESOURCE_ATTRIBUTES,
 * OTEL_EXPORTER_OTLP_HEADERS, OTEL_BSP_*). Unset: no SDK, no exporter.
 */
export class TracingConfig {
  readonly enabled!: boolean;
  /** Where spans go (OTLP over HTTP); `/v1/traces` is appended to OTEL_EXPORTER_OTLP_ENDPOINT, as the specification says. */
  readonly tracesUrl!: string | undefined;
  readonly serviceName!: string;

  static fromEnv(env: Env): TracingConfig {
    return readConfig(env, (r): TracingConfig => {
      const base = r.url('OTEL_EXPORTER_OTLP_ENDPOINT', ['http', 'https']);
      const traces = r.url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', ['http', 'https']);
      const tracesUrl = traces ?? (base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`);
      const disabled = r.bool('OTEL_SDK_DISABLED', false);
      r.oneOf('OTEL_TRACES_SAMPLER', ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const, 'parentbased_always_on');
      return {
        enabled: tracesUrl !== undefined && !disabled,
        tracesUrl,
        serviceName: r.string('OTEL_SERVICE_NAME', 'netops-faults-vault'),
      };
    });
  }
}
