import { describe, expect, it } from 'vitest';
import { applyAddressHealth } from '../../../../functions/core/recipients/address-health';
import { recipientEventsOf } from '../../../../functions/core/recipients/events';
import { buildProfile } from '../../../../functions/core/recipients/manage';
import type { RecipientProfile } from '../../../../functions/core/recipients/model';
import type { RecipientStore } from '../../../../functions/core/recipients/ports';

const T0 = '2026-12-01T00:00:00.000Z';
const T1 = '2026-12-02T00:00:00.000Z';

/** Profiles by id; the address index says every profile holds every address (readers check). */
function storeOf(
  ...profiles: RecipientProfile[]
): RecipientStore & { saved: Map<string, RecipientProfile> } {
  const saved = new Map(profiles.map((p) => [p.id, p]));
  return {
    saved,
    get: async (_t, id) => saved.get(id),
    batchGet: async () => new Map(),
    put: async (profile, previous) => {
      if (saved.get(profile.id)?.version !== previous?.version) return false;
      saved.set(profile.id, profile);
      return true;
    },
    delete: async () => true,
    list: async () => ({ items: [] }),
    findByAddress: async () => [...saved.keys()],
  };
}

describe('applyAddressHealth', () => {
  it('marks that address on every profile holding it, and no other address', async () => {
    const a = buildProfile('t', 'a', { emails: ['X@e.example', 'y@e.example'] }, undefined, T0);
    const b = buildProfile('t', 'b', { phones: ['+14155550100'] }, undefined, T0);
    const store = storeOf(a, b);
    const changed = await applyAddressHealth(store, 't', 'email', 'x@e.example', {
      channel: 'email',
      health: { status: 'bounced', since: T1, source: 'ses:Bounce:Permanent' },
    });
    expect(changed).toEqual(['a']);
    expect(store.saved.get('a')?.emails.map((e) => e.status)).toEqual(['bounced', 'ok']);
    expect(store.saved.get('b')?.version).toBe(1);
  });

  it('STOP on SMS then on WhatsApp opts the number out of both, one channel at a time', async () => {
    const store = storeOf(buildProfile('t', 'a', { phones: ['+14155550100'] }, undefined, T0));
    const stop = { status: 'unsubscribed' as const, since: T1, source: 'twilio:21610' };
    await applyAddressHealth(store, 't', 'sms', '+14155550100', { channel: 'sms', health: stop });
    expect(store.saved.get('a')?.phones[0]?.channels).toEqual(['sms']);
    await applyAddressHealth(store, 't', 'whatsapp', 'whatsapp:+14155550100', {
      channel: 'whatsapp',
      health: stop,
    });
    expect(store.saved.get('a')?.phones[0]?.channels).toEqual(['sms', 'whatsapp']);
  });

  it('a lifted suppression sets the address back to ok; a second lift changes nothing', async () => {
    const p = buildProfile('t', 'a', { emails: ['x@e.example'] }, undefined, T0);
    Object.assign(p.emails[0] ?? {}, { status: 'bounced', source: 'ses:Bounce' });
    const store = storeOf(p);
    const lift = { channel: 'email' as const, lifted: true as const, now: T1 };
    expect(await applyAddressHealth(store, 't', 'email', 'x@e.example', lift)).toEqual(['a']);
    expect(store.saved.get('a')?.emails[0]?.status).toBe('ok');
    expect(await applyAddressHealth(store, 't', 'email', 'x@e.example', lift)).toEqual([]);
  });
});

describe('recipientEventsOf', () => {
  it('one address_changed per address whose status moved; none for a create', () => {
    const before = buildProfile('t', 'a', { emails: ['x@e.example'] }, undefined, T0);
    const after = structuredClone(before);
    Object.assign(after.emails[0] ?? {}, { status: 'complained', source: 'ses:Complaint' });
    after.version = 2;
    const events = recipientEventsOf(before, after);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'recipient.address_changed',
        kind: 'email',
        address: 'x@e.example',
        status: 'complained',
        previousStatus: 'ok',
      }),
    ]);
    expect(recipientEventsOf(before, after)[0]?.id).toBe(events[0]?.id);
    expect(recipientEventsOf(undefined, after)).toEqual([]);
  });
});
