import type { APIGatewayAuthorizerResult } from 'aws-lambda';

/**
 * API Gateway's authorizer result cache, as a deployed stage with `authorizerCacheSeconds` > 0
 * has it: the answer is cached per identity source value (the Authorization header) and the
 * cached policy is evaluated against every later request's method ARN, whatever its method or
 * path. A policy that covered only the first method would then deny the others: what this lets
 * a test catch locally.
 */
export class AuthorizerResultCache {
  readonly #entries = new Map<string, { result: APIGatewayAuthorizerResult; until: number }>();
  /** Authorizer invocations, i.e. cache misses. */
  invocations = 0;

  constructor(private readonly ttlSeconds: number) {}

  /** The cached answer for this identity, or the authorizer's (then cached). */
  async resolve(
    identity: string,
    invoke: () => Promise<APIGatewayAuthorizerResult>,
  ): Promise<APIGatewayAuthorizerResult> {
    const now = Date.now();
    const hit = this.#entries.get(identity);
    if (hit && hit.until > now) return hit.result;
    this.invocations++;
    const result = await invoke();
    this.#entries.set(identity, { result, until: now + this.ttlSeconds * 1000 });
    return result;
  }
}
