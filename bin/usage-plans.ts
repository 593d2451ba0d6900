import {
  type APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeysCommand,
  GetUsagePlansCommand,
  NotFoundException,
  UpdateUsagePlanCommand,
} from '@aws-sdk/client-api-gateway';

/*
 * What API Gateway needs for a tenant's usage plan: one API key per tenant (its value is what the
 * authorizer returns as usageIdentifierKey), in the stack's default plan or in the tenant's own
 * plan when it was given limits. Used by `npm run keys` against a deployed stack.
 */

/** Where the tenants' keys and plans go: from the stack outputs. */
export interface UsagePlanTarget {
  restApiId: string;
  stage: string;
  defaultUsagePlanId: string;
  /** Name prefix of what is created here, e.g. `herald-dev`. */
  prefix: string;
}

/** A tenant's own limits (`--rate 10 --burst 20 --quota 100000/day`). */
export interface TenantLimits {
  rateLimit?: number;
  burstLimit?: number;
  quota?: { limit: number; period: 'DAY' | 'WEEK' | 'MONTH' };
}

/** `100000/day` -> { limit: 100000, period: 'DAY' }; throws naming the expected form. */
export function parseQuota(text: string): { limit: number; period: 'DAY' | 'WEEK' | 'MONTH' } {
  const match = /^(\d+)\/(day|week|month)$/i.exec(text.trim());
  const limit = Number(match?.[1]);
  if (!match || !Number.isInteger(limit) || limit < 1) {
    throw new Error(`--quota must look like 100000/day (or /week, /month), not "${text}"`);
  }
  return { limit, period: (match[2] as string).toUpperCase() as 'DAY' | 'WEEK' | 'MONTH' };
}

export class TenantUsagePlans {
  constructor(
    private readonly client: Pick<APIGatewayClient, 'send'>,
    private readonly target: UsagePlanTarget,
  ) {}

  #keyName(tenantId: string) {
    return `${this.target.prefix}-${tenantId}`;
  }

  async #tenantKey(tenantId: string): Promise<{ id: string; value: string } | undefined> {
    const answer = await this.client.send(
      new GetApiKeysCommand({ nameQuery: this.#keyName(tenantId), includeValues: true }),
    );
    const key = answer.items?.find((k) => k.name === this.#keyName(tenantId));
    return key?.id && key.value ? { id: key.id, value: key.value } : undefined;
  }

  async #tenantPlanId(tenantId: string): Promise<string | undefined> {
    let position: string | undefined;
    do {
      const page = await this.client.send(new GetUsagePlansCommand({ position, limit: 100 }));
      const plan = page.items?.find((p) => p.name === this.#keyName(tenantId));
      if (plan?.id) return plan.id;
      position = page.position;
    } while (position);
    return undefined;
  }

  /**
   * The tenant's API Gateway key (created once per tenant, shared by all its Herald keys), in the
   * default plan, or in its own plan when `limits` are given. Returns the key's value.
   */
  async attach(tenantId: string, limits: TenantLimits = {}): Promise<string> {
    let key = await this.#tenantKey(tenantId);
    if (!key) {
      const created = await this.client.send(
        new CreateApiKeyCommand({
          name: this.#keyName(tenantId),
          description: `Herald usage identifier of tenant ${tenantId} (not a Herald API key)`,
          enabled: true,
        }),
      );
      key = { id: created.id ?? '', value: created.value ?? '' };
    }
    const custom = limits.rateLimit ?? limits.burstLimit ?? limits.quota;
    const existingPlan = await this.#tenantPlanId(tenantId);
    let planId = this.target.defaultUsagePlanId;
    if (custom !== undefined) {
      planId = existingPlan ?? (await this.#createTenantPlan(tenantId, limits));
      if (existingPlan) await this.#updateTenantPlan(existingPlan, limits);
      await this.#leave(this.target.defaultUsagePlanId, key.id);
    } else if (existingPlan) {
      planId = existingPlan;
    }
    await this.client
      .send(
        new CreateUsagePlanKeyCommand({ usagePlanId: planId, keyId: key.id, keyType: 'API_KEY' }),
      )
      .catch((error: unknown) => {
        // Already in the plan: nothing to do.
        if ((error as { name?: string }).name !== 'ConflictException') throw error;
      });
    return key.value;
  }

  /** Removes the tenant's API Gateway key (and with it its plan keys) and its own plan. */
  async detach(tenantId: string): Promise<void> {
    const key = await this.#tenantKey(tenantId);
    if (key) await this.client.send(new DeleteApiKeyCommand({ apiKey: key.id }));
    const planId = await this.#tenantPlanId(tenantId);
    if (planId) {
      // A plan must leave its stages before it can be deleted.
      await this.client.send(
        new UpdateUsagePlanCommand({
          usagePlanId: planId,
          patchOperations: [
            {
              op: 'remove',
              path: '/apiStages',
              value: `${this.target.restApiId}:${this.target.stage}`,
            },
          ],
        }),
      );
      await this.client.send(new DeleteUsagePlanCommand({ usagePlanId: planId }));
    }
  }

  async #leave(usagePlanId: string, keyId: string): Promise<void> {
    try {
      await this.client.send(new DeleteUsagePlanKeyCommand({ usagePlanId, keyId }));
    } catch (error) {
      if (
        !(error instanceof NotFoundException) &&
        (error as { name?: string }).name !== 'NotFoundException'
      ) {
        throw error;
      }
    }
  }

  async #createTenantPlan(tenantId: string, limits: TenantLimits): Promise<string> {
    const plan = await this.client.send(
      new CreateUsagePlanCommand({
        name: this.#keyName(tenantId),
        description: `Herald usage plan of tenant ${tenantId}`,
        apiStages: [{ apiId: this.target.restApiId, stage: this.target.stage }],
        ...(limits.rateLimit !== undefined || limits.burstLimit !== undefined
          ? { throttle: { rateLimit: limits.rateLimit, burstLimit: limits.burstLimit } }
          : {}),
        ...(limits.quota ? { quota: limits.quota } : {}),
      }),
    );
    return plan.id ?? '';
  }

  async #updateTenantPlan(usagePlanId: string, limits: TenantLimits): Promise<void> {
    const patch = [
      ...(limits.rateLimit !== undefined
        ? [{ op: 'replace' as const, path: '/throttle/rateLimit', value: String(limits.rateLimit) }]
        : []),
      ...(limits.burstLimit !== undefined
        ? [
            {
              op: 'replace' as const,
              path: '/throttle/burstLimit',
              value: String(limits.burstLimit),
            },
          ]
        : []),
      ...(limits.quota
        ? [
            { op: 'replace' as const, path: '/quota/limit', value: String(limits.quota.limit) },
            { op: 'replace' as const, path: '/quota/period', value: limits.quota.period },
          ]
        : []),
    ];
    if (patch.length > 0) {
      await this.client.send(new UpdateUsagePlanCommand({ usagePlanId, patchOperations: patch }));
    }
  }
}
