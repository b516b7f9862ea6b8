import { type FakeHomeAssistant, startFakeHomeAssistant } from '@opsagent/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createHomeAssistantClient, findEntities } from './client.js';

let ha: FakeHomeAssistant | undefined;
afterEach(async () => {
  await ha?.close();
  ha = undefined;
});

const entities = [
  {
    entity_id: 'light.living_room',
    state: 'off',
    attributes: { friendly_name: 'Living Room Lights' },
  },
  { entity_id: 'light.kitchen', state: 'on', attributes: { friendly_name: 'Kitchen' } },
  {
    entity_id: 'sensor.living_room_temperature',
    state: '21.5',
    attributes: { friendly_name: 'Living room temperature', unit_of_measurement: '°C' },
  },
  { entity_id: 'switch.boiler', state: 'unavailable', attributes: {} },
];

describe('Home Assistant REST client', () => {
  it('reads states, one entity, and 404 as undefined, with the bearer token', async () => {
    ha = await startFakeHomeAssistant({ entities });
    const client = createHomeAssistantClient({ url: `${ha.url}/`, token: ha.token });
    await client.ping();
    const states = await client.states();
    expect(states.map((s) => s.entity_id)).toEqual(entities.map((e) => e.entity_id));
    expect((await client.state('sensor.living_room_temperature'))?.state).toBe('21.5');
    expect(await client.state('light.nowhere')).toBeUndefined();
    expect(ha.requests.every((r) => r.authorization === `Bearer ${ha!.token}`)).toBe(true);
  });

  it('calls a service and returns the changed states', async () => {
    ha = await startFakeHomeAssistant({ entities });
    const client = createHomeAssistantClient({ url: ha.url, token: ha.token });
    const changed = await client.callService('light', 'turn_on', {
      entity_id: 'light.living_room',
    });
    expect(changed.map((s) => [s.entity_id, s.state])).toEqual([['light.living_room', 'on']]);
    expect(ha.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/api/services/light/turn_on',
      body: { entity_id: 'light.living_room' },
    });
    await expect(client.callService('light', 'explode', {})).rejects.toMatchObject({
      code: 'HA_API_ERROR',
      message: expect.stringContaining('Service light.explode not found'),
    });
    await expect(client.callService('light;rm', 'turn_on', {})).rejects.toMatchObject({
      code: 'HA_BAD_SERVICE',
    });
  });

  it('refuses a wrong token with a fix, and never puts the token in an error', async () => {
    ha = await startFakeHomeAssistant({ entities });
    const token = 'wrong-token-SECRET-123';
    const client = createHomeAssistantClient({ url: ha.url, token });
    const error = (await client.states().catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({
      code: 'HA_UNAUTHORIZED',
      message: expect.stringContaining('HA_TOKEN'),
    });
    expect(JSON.stringify({ ...error, text: error.message })).not.toContain('SECRET');
    const down = createHomeAssistantClient({ url: 'http://127.0.0.1:1', token });
    const unreachable = (await down.states().catch((e: unknown) => e)) as Error;
    expect(unreachable).toMatchObject({ code: 'HA_UNREACHABLE' });
    expect(unreachable.message).not.toContain('SECRET');
  });
});

describe('Home Assistant answers of the wrong shape (found by fuzzing)', () => {
  const answering = (body: string) =>
    createHomeAssistantClient({
      url: 'http://127.0.0.1:9',
      token: 'tok',
      fetch: async () => new Response(body, { status: 200 }),
    });

  it('an entity state that is not one is a coded HA_API_ERROR, not a zod error', async () => {
    for (const body of ['null', '[]', '{"entity_id": 1}', '"on"']) {
      await expect(answering(body).state('light.kitchen')).rejects.toMatchObject({
        code: 'HA_API_ERROR',
        message: expect.stringContaining('light.kitchen'),
      });
    }
  });

  it('a states list that is not a list is an error, not an empty house', async () => {
    await expect(answering('{"message": "hi"}').states()).rejects.toMatchObject({
      code: 'HA_API_ERROR',
    });
  });
});

describe('finding entities by name', () => {
  const states = entities.map((e) => ({ ...e, last_changed: '', last_updated: '' }));
  it('finds "living room lights" as the light, not the sensor', () => {
    expect(findEntities(states, 'living room lights').map((s) => s.entity_id)).toEqual([
      'light.living_room',
    ]);
    expect(findEntities(states, 'the living room temperature')[0]?.entity_id).toBe(
      'sensor.living_room_temperature',
    );
    expect(findEntities(states, 'kitchen')[0]?.entity_id).toBe('light.kitchen');
    expect(findEntities(states, 'switch.boiler')[0]?.entity_id).toBe('switch.boiler');
    expect(findEntities(states, 'garage door')).toEqual([]);
  });
});
